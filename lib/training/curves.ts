/**
 * Training curves as a PNG in the run folder: the loss per step (blue, scaled to its own range,
 * with a moving average) and the val patch Dice per validation (kidney red, tumour green, on a
 * fixed 0–1 scale), on a light grid. Plain pixels, no plotting dependency.
 */
import { encodePng } from '../io/png.js';

export interface CurvePoints {
  readonly loss: readonly { step: number; loss: number }[];
  readonly val: readonly { step: number; kidney: number; tumor: number }[];
}

export const LOSS_RGB: [number, number, number] = [40, 90, 220];
export const KIDNEY_RGB: [number, number, number] = [220, 40, 40];
export const TUMOR_RGB: [number, number, number] = [30, 170, 60];

/** RGB pixels of the plot (`width × height`, row 0 at the top). */
export function renderCurves(p: CurvePoints, width = 480, height = 240): Uint8Array {
  const rgb = new Uint8Array(width * height * 3).fill(255);
  const set = (x: number, y: number, c: readonly number[]) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    rgb.set(c, (y * width + x) * 3);
  };
  for (let g = 0; g <= 4; g++) {
    const y = Math.round((g / 4) * (height - 1));
    for (let x = 0; x < width; x++) set(x, y, [225, 225, 225]);
  }
  const maxStep = Math.max(1, ...p.loss.map((l) => l.step), ...p.val.map((v) => v.step));
  const xOf = (step: number) => Math.round((step / maxStep) * (width - 1));
  const line = (pts: [number, number][], c: readonly number[]) => {
    for (let i = 1; i < pts.length; i++) {
      const [x0, y0] = pts[i - 1]!;
      const [x1, y1] = pts[i]!;
      const n = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
      for (let t = 0; t <= n; t++)
        set(Math.round(x0 + ((x1 - x0) * t) / n), Math.round(y0 + ((y1 - y0) * t) / n), c);
    }
    if (pts.length === 1) set(pts[0]![0], pts[0]![1], c);
  };
  if (p.loss.length > 0) {
    // Moving average over ~1/50 of the run smooths batch noise.
    const k = Math.max(1, Math.round(p.loss.length / 50));
    const smooth = p.loss.map((_, i) => {
      const w = p.loss.slice(Math.max(0, i - k + 1), i + 1);
      return w.reduce((a, b) => a + b.loss, 0) / w.length;
    });
    const lo = Math.min(...smooth);
    const hi = Math.max(...smooth);
    const yOf = (v: number) => Math.round((1 - (v - lo) / (hi - lo || 1)) * (height - 1));
    line(
      p.loss.map((l, i) => [xOf(l.step), yOf(smooth[i]!)]),
      LOSS_RGB,
    );
  }
  const yDice = (v: number) => Math.round((1 - v) * (height - 1));
  line(
    p.val.map((v) => [xOf(v.step), yDice(v.kidney)]),
    KIDNEY_RGB,
  );
  line(
    p.val.map((v) => [xOf(v.step), yDice(v.tumor)]),
    TUMOR_RGB,
  );
  return rgb;
}

/** PNG bytes of the plot. */
export function curvesPng(p: CurvePoints, width = 480, height = 240): Uint8Array {
  return encodePng(renderCurves(p, width, height), width, height);
}
