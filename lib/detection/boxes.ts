/**
 * Axis-aligned 2D boxes `[y1, x1, y2, x2]` in pixel coordinates of a slice (pixel (r, c) covers
 * [r, r+1) × [c, c+1), so a mask's box is [minR, minC, maxR+1, maxC+1]); many boxes are a flat
 * `Float32Array` of N × 4. IoU, the Faster R-CNN box parametrisation and clipping.
 */

export type Box2D = readonly [number, number, number, number];

/** Weights of the (dy, dx, dh, dw) targets: RPN (1, 1, 1, 1), box head (10, 10, 5, 5) as in Detectron. */
export type DeltaWeights = readonly [number, number, number, number];

/** log(1000/16): the largest log-scale change a decoded delta may apply (Detectron's clamp). */
export const MAX_LOG_SCALE = Math.log(1000 / 16);

export function boxAt(boxes: ArrayLike<number>, i: number): Box2D {
  return [boxes[4 * i]!, boxes[4 * i + 1]!, boxes[4 * i + 2]!, boxes[4 * i + 3]!];
}

export function area(b: Box2D): number {
  return Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);
}

export function iou(a: Box2D, b: Box2D): number {
  const h = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const w = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (h <= 0 || w <= 0) return 0;
  const inter = h * w;
  return inter / (area(a) + area(b) - inter);
}

/** IoU of every box in `a` (N) with every box in `b` (M), row-major N × M. */
export function iouMatrix(a: ArrayLike<number>, b: readonly Box2D[]): Float32Array {
  const n = a.length / 4;
  const out = new Float32Array(n * b.length);
  for (let i = 0; i < n; i++) {
    const bi = boxAt(a, i);
    for (let j = 0; j < b.length; j++) out[i * b.length + j] = iou(bi, b[j]!);
  }
  return out;
}

/** Regression target of `gt` relative to `ref` (Girshick 2015): centre shift by size, log size ratio. */
export function encode(ref: Box2D, gt: Box2D, w: DeltaWeights): [number, number, number, number] {
  const rh = ref[2] - ref[0];
  const rw = ref[3] - ref[1];
  const gh = gt[2] - gt[0];
  const gw = gt[3] - gt[1];
  return [
    (w[0] * (gt[0] + gh / 2 - (ref[0] + rh / 2))) / rh,
    (w[1] * (gt[1] + gw / 2 - (ref[1] + rw / 2))) / rw,
    w[2] * Math.log(gh / rh),
    w[3] * Math.log(gw / rw),
  ];
}

/** Inverse of `encode`; log-scales are clamped to `MAX_LOG_SCALE` so a wild delta cannot overflow. */
export function decode(
  ref: Box2D,
  d: readonly [number, number, number, number],
  w: DeltaWeights,
): [number, number, number, number] {
  const rh = ref[2] - ref[0];
  const rw = ref[3] - ref[1];
  const cy = ref[0] + rh / 2 + (d[0] / w[0]) * rh;
  const cx = ref[1] + rw / 2 + (d[1] / w[1]) * rw;
  const h = rh * Math.exp(Math.min(d[2] / w[2], MAX_LOG_SCALE));
  const wd = rw * Math.exp(Math.min(d[3] / w[3], MAX_LOG_SCALE));
  return [cy - h / 2, cx - wd / 2, cy + h / 2, cx + wd / 2];
}

/** Clips a box to an `H × W` slice. */
export function clip(b: Box2D, H: number, W: number): [number, number, number, number] {
  return [
    Math.min(Math.max(b[0], 0), H),
    Math.min(Math.max(b[1], 0), W),
    Math.min(Math.max(b[2], 0), H),
    Math.min(Math.max(b[3], 0), W),
  ];
}
