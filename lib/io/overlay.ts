/**
 * Overlay rendering: one slice of a canonical CT volume in a CT window, with label contours or
 * fills (kidney red, tumour green, KiTS21/23 cyst blue), as RGB pixels. Axial slices are shown in radiological
 * convention (patient right on the image left, anterior up).
 */
import type { Shape3D, Spacing3D } from '../core/types.js';

export type SliceAxis = 'axial' | 'coronal' | 'sagittal';

export interface OverlayInput {
  readonly image: ArrayLike<number>;
  readonly shape: Shape3D;
  readonly spacingMm: Spacing3D;
  readonly labels?: ArrayLike<number>;
  readonly axis: SliceAxis;
  readonly index: number;
  /** HU window [low, high]. */
  readonly window?: readonly [number, number];
}

const COLORS: Record<number, [number, number, number]> = {
  1: [230, 40, 40],
  2: [40, 220, 60],
  3: [50, 120, 240],
};

/**
 * Renders one slice; returns RGB pixels and size. Pixels are repeated along the coarser axis so
 * the image has roughly square physical pixels.
 */
export function renderSlice(inp: OverlayInput): { rgb: Uint8Array; width: number; height: number } {
  const [D, H, W] = inp.shape;
  const [sd, sh, sw] = inp.spacingMm;
  const [lo, hi] = inp.window ?? [-160, 240];
  // (row, col) → voxel index, plus the physical pixel sizes of rows and columns.
  let rows: number;
  let cols: number;
  let at: (r: number, c: number) => number;
  let rowMm: number;
  let colMm: number;
  if (inp.axis === 'axial') {
    rows = H;
    cols = W;
    at = (r, c) => (inp.index * H + (H - 1 - r)) * W + (W - 1 - c);
    rowMm = sh;
    colMm = sw;
  } else if (inp.axis === 'coronal') {
    rows = D;
    cols = W;
    at = (r, c) => ((D - 1 - r) * H + inp.index) * W + (W - 1 - c);
    rowMm = sd;
    colMm = sw;
  } else {
    rows = D;
    cols = H;
    at = (r, c) => ((D - 1 - r) * H + c) * W + inp.index;
    rowMm = sd;
    colMm = sh;
  }
  const unit = Math.min(rowMm, colMm);
  const ry = Math.max(1, Math.round(rowMm / unit));
  const rx = Math.max(1, Math.round(colMm / unit));
  const width = cols * rx;
  const height = rows * ry;
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = at(Math.floor(y / ry), Math.floor(x / rx));
      const g = Math.max(0, Math.min(255, Math.round(((inp.image[v]! - lo) / (hi - lo)) * 255)));
      let px: [number, number, number] = [g, g, g];
      const l = inp.labels?.[v] ?? 0;
      const col = COLORS[l];
      if (col !== undefined)
        px = [0, 1, 2].map((k) => Math.round(0.55 * px[k]! + 0.45 * col[k]!)) as typeof px;
      rgb.set(px, (y * width + x) * 3);
    }
  }
  return { rgb, width, height };
}
