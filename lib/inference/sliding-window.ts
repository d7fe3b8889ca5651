/**
 * Sliding-window inference (as MONAI's `sliding_window_inference`, nnU-Net's stitching): windows
 * of the model's patch size tile the volume with a given overlap, are predicted a batch at a time,
 * and are stitched into running sums weighted by an importance map — one window batch in memory
 * at a time, never all windows. A pure function of its inputs; `Predictor` supplies the model.
 */
import * as tf from '@tensorflow/tfjs';
import { ShapeError } from '../core/errors.js';
import type { Shape3D } from '../core/types.js';
import { tidyData } from '../ops/host-data.js';
import { gaussianImportance } from './gaussian.js';

/** Window start positions along one axis: evenly spaced, first at 0, last flush with the end. */
export function windowStarts(size: number, patch: number, overlap: number): number[] {
  if (size <= patch) return [0];
  const step = Math.max(1, patch * (1 - overlap));
  const n = Math.ceil((size - patch) / step) + 1;
  const stride = (size - patch) / (n - 1);
  return Array.from({ length: n }, (_, i) => Math.round(i * stride));
}

/** Maps a window batch `[B, pd, ph, pw, C]` to probabilities `[B, pd, ph, pw, K]`. */
export type WindowPredictor = (x: tf.Tensor5D) => tf.Tensor5D;

export interface SlidingWindowOptions {
  readonly patch: Shape3D;
  /** Output channels K of the predictor. */
  readonly outChannels: number;
  readonly overlap: number;
  readonly batchSize: number;
  readonly gaussian: boolean;
  /** Per input channel, the value read beyond the volume. */
  readonly padValue: readonly number[];
  readonly onWindow?: (done: number, total: number) => void;
}

/**
 * Predicts a channels-last volume `input` `[D, H, W, C]` window by window.
 * @returns stitched probabilities `[D, H, W, K]` (channels last).
 */
export function slidingWindowInference(
  input: Float32Array,
  shape: Shape3D,
  predictor: WindowPredictor,
  opts: SlidingWindowOptions,
): Float32Array {
  const [D, H, W] = shape;
  const C = opts.padValue.length;
  const K = opts.outChannels;
  if (input.length !== D * H * W * C)
    throw new ShapeError('slidingWindowInference', `${D}×${H}×${W}×${C} values`, `${input.length}`);
  const [pd, ph, pw] = opts.patch;
  const importance = opts.gaussian ? gaussianImportance(opts.patch) : new Float32Array(pd * ph * pw).fill(1);
  const starts: [number, number, number][] = [];
  for (const d of windowStarts(D, pd, opts.overlap))
    for (const h of windowStarts(H, ph, opts.overlap))
      for (const w of windowStarts(W, pw, opts.overlap)) starts.push([d, h, w]);
  const acc = new Float32Array(D * H * W * K);
  const wsum = new Float32Array(D * H * W);
  const n = pd * ph * pw;
  for (let b0 = 0; b0 < starts.length; b0 += opts.batchSize) {
    const batch = starts.slice(b0, b0 + opts.batchSize);
    const x = new Float32Array(batch.length * n * C);
    batch.forEach(([sd, sh, sw], b) => {
      let o = b * n * C;
      for (let d = 0; d < pd; d++)
        for (let h = 0; h < ph; h++)
          for (let w = 0; w < pw; w++) {
            const zd = sd + d;
            const zh = sh + h;
            const zw = sw + w;
            const inside = zd < D && zh < H && zw < W;
            const i = ((zd * H + zh) * W + zw) * C;
            for (let c = 0; c < C; c++, o++) x[o] = inside ? input[i + c]! : opts.padValue[c]!;
          }
    });
    const probs = tidyData(() => {
      const out = predictor(tf.tensor5d(x, [batch.length, pd, ph, pw, C]));
      if (out.shape[4] !== K)
        throw new ShapeError('slidingWindowInference', `${K} output channels`, `${out.shape[4]}`);
      return out;
    }) as Float32Array;
    batch.forEach(([sd, sh, sw], b) => {
      let o = b * n;
      for (let d = 0; d < pd; d++)
        for (let h = 0; h < ph; h++)
          for (let w = 0; w < pw; w++, o++) {
            const zd = sd + d;
            const zh = sh + h;
            const zw = sw + w;
            if (zd >= D || zh >= H || zw >= W) continue;
            const i = (zd * H + zh) * W + zw;
            const g = importance[o - b * n]!;
            wsum[i] = wsum[i]! + g;
            for (let k = 0; k < K; k++) acc[i * K + k] = acc[i * K + k]! + g * probs[o * K + k]!;
          }
    });
    opts.onWindow?.(Math.min(b0 + opts.batchSize, starts.length), starts.length);
  }
  for (let i = 0; i < wsum.length; i++)
    for (let k = 0; k < K; k++) acc[i * K + k] = acc[i * K + k]! / wsum[i]!;
  return acc;
}
