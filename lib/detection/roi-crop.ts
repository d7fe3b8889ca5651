/**
 * RoI crop-and-resize, differentiable with respect to the feature map on every backend: bilinear
 * sampling is separable, so each RoI's crop is `Wy · F · Wxᵀ` with per-RoI interpolation matrices
 * built on the host — two matrix products (tfjs has no gradient for `tf.image.cropAndResize`).
 * `cropAndResize` follows `tf.image.cropAndResize` exactly (normalised boxes, corner-aligned
 * samples, 0 outside the image), which the tests use as the independent reference; `roiBoxes`
 * converts pixel boxes so samples fall on bin centres (RoIAlign, one sample per bin).
 */
import * as tf from '@tensorflow/tfjs';
import type { Box2D } from './boxes.js';

/** Interpolation rows: sample `i` of `size` along an axis of length `n`, from normalised `lo..hi`. */
function weights(lo: number, hi: number, n: number, size: number, out: Float32Array, offset: number): void {
  for (let i = 0; i < size; i++) {
    const p = size > 1 ? lo * (n - 1) + (i * (hi - lo) * (n - 1)) / (size - 1) : ((lo + hi) * (n - 1)) / 2;
    if (p < 0 || p > n - 1) continue;
    const f = Math.floor(p);
    const t = p - f;
    out[offset + i * n + f] = 1 - t;
    if (t > 0) out[offset + i * n + f + 1] = t;
  }
}

/**
 * Crops of `features` `[B, H, W, C]` at `boxes` (normalised `[y1, x1, y2, x2]`, one per RoI, in image
 * `boxIndex[r]`), resized to `size × size`: `[R, size, size, C]`.
 */
export function cropAndResize(
  features: tf.Tensor4D,
  boxes: readonly Box2D[],
  boxIndex: readonly number[],
  size: number,
): tf.Tensor4D {
  const [B, H, W, C] = features.shape;
  const R = boxes.length;
  if (R === 0) return tf.zeros([0, size, size, C]);
  return tf.tidy(() => {
    const parts: tf.Tensor4D[] = [];
    // RoIs are cropped image by image; `order` records which RoI each crop row is.
    const order: number[] = [];
    for (let b = 0; b < B; b++) {
      const rois = boxes.flatMap((_, r) => (boxIndex[r] === b ? [r] : []));
      if (rois.length === 0) continue;
      const n = rois.length;
      const wy = new Float32Array(n * size * H);
      const wx = new Float32Array(n * size * W);
      rois.forEach((r, k) => {
        const box = boxes[r]!;
        weights(box[0], box[2], H, size, wy, k * size * H);
        weights(box[1], box[3], W, size, wx, k * size * W);
      });
      const f = features.slice([b, 0, 0, 0], [1, H, W, C]).reshape([H, W * C]);
      // Rows: [n·P, H] · [H, W·C] → [n, P, W, C].
      const rows = tf.matMul(tf.tensor2d(wy, [n * size, H]), f).reshape([n, size, W, C]);
      // Columns: [n, P, W] · [n, W, P·C] → [n, P(j), P(i)·C].
      const t = rows.transpose([0, 2, 1, 3]).reshape([n, W, size * C]);
      const cols = tf.matMul(tf.tensor3d(wx, [n, size, W]), t).reshape([n, size, size, C]);
      parts.push(cols.transpose([0, 2, 1, 3]) as tf.Tensor4D);
      order.push(...rois);
    }
    const all = parts.length === 1 ? parts[0]! : tf.concat(parts, 0);
    if (order.every((r, k) => r === k)) return all;
    const inverse = new Int32Array(R);
    order.forEach((r, k) => (inverse[r] = k));
    return tf.gather(all, tf.tensor1d(inverse, 'int32')) as tf.Tensor4D;
  });
}

/**
 * Normalised boxes whose `size × size` corner-aligned samples sit at the centres of a `size × size`
 * grid of bins over each pixel box, on a feature map of stride `stride` and size `fh × fw`.
 */
export function roiBoxes(
  pixelBoxes: readonly Box2D[],
  stride: number,
  fh: number,
  fw: number,
  size: number,
): Box2D[] {
  const axis = (lo: number, hi: number, n: number): [number, number] => {
    // Feature coordinate of a pixel position: p/stride − 0.5 (cell centres at integers).
    const a = lo / stride - 0.5;
    const h = (hi - lo) / stride;
    const half = h / (2 * size);
    const d = Math.max(n - 1, 1);
    return [(a + half) / d, (a + h - half) / d];
  };
  return pixelBoxes.map((b) => {
    const [y1, y2] = axis(b[0], b[2], fh);
    const [x1, x2] = axis(b[1], b[3], fw);
    return [y1, x1, y2, x2] as const;
  });
}
