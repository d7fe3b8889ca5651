/**
 * RPN anchors: at every cell of an `fh × fw` feature map with stride `s`, one box per (size,
 * ratio) centred on the cell's centre ((i + 0.5)·s); `ratio` is height / width and the area is
 * size². Order: row, column, then sizes × ratios (size-major) — the RPN's A channels per cell.
 */
import { anchorsPerCell } from '../models/faster-rcnn.js';

/** Anchors as a flat N × 4 array of `[y1, x1, y2, x2]`, N = fh·fw·A. */
export function generateAnchors(
  fh: number,
  fw: number,
  stride: number,
  sizes: readonly number[],
  ratios: readonly number[],
): Float32Array {
  const A = anchorsPerCell(sizes, ratios);
  const out = new Float32Array(fh * fw * A * 4);
  let o = 0;
  for (let i = 0; i < fh; i++) {
    const cy = (i + 0.5) * stride;
    for (let j = 0; j < fw; j++) {
      const cx = (j + 0.5) * stride;
      for (const s of sizes)
        for (const r of ratios) {
          const h = s * Math.sqrt(r);
          const w = s / Math.sqrt(r);
          out[o++] = cy - h / 2;
          out[o++] = cx - w / 2;
          out[o++] = cy + h / 2;
          out[o++] = cx + w / 2;
        }
    }
  }
  return out;
}
