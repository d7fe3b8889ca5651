/**
 * Slice-mode inference for 2D models trained with `train.slices`: every axial slice is cropped and
 * resized exactly as the slice sampler did, predicted in batches, and its probabilities resized back
 * into place; rows outside the crop are background.
 */
import * as tf from '@tensorflow/tfjs';
import type { Shape3D } from '../core/types.js';
import { extractSlice, sliceRows, type SliceRule } from '../data/slices.js';
import { tidyData } from '../ops/host-data.js';
import { resampleToShape } from '../transforms/resample.js';
import type { OutputEncoding } from './resample-back.js';
import type { WindowPredictor } from './sliding-window.js';

export function predictSlices(
  input: Float32Array,
  shape: Shape3D,
  rule: SliceRule,
  size: readonly [number, number],
  predictor: WindowPredictor,
  K: number,
  encoding: OutputEncoding,
  batchSize: number,
): Float32Array {
  const [D, H, W] = shape;
  const [h0, h1] = sliceRows(H, rule);
  const probs = new Float32Array(D * H * W * K);
  // Background outside the crop: class 0 for softmax, all regions off for sigmoid.
  if (encoding === 'softmax') for (let i = 0; i < D * H * W; i++) probs[i * K] = 1;
  const n = size[0] * size[1];
  for (let d0 = 0; d0 < D; d0 += batchSize) {
    const ds = Array.from({ length: Math.min(batchSize, D - d0) }, (_, k) => d0 + k);
    const x = new Float32Array(ds.length * n);
    ds.forEach((d, k) => x.set(extractSlice(input, shape, d, rule, size, 'linear'), k * n));
    const out = tidyData(() =>
      predictor(tf.tensor5d(x, [ds.length, 1, size[0], size[1], 1])),
    ) as Float32Array;
    ds.forEach((d, k) => {
      for (let c = 0; c < K; c++) {
        const ch = Float32Array.from({ length: n }, (_, i) => out[(k * n + i) * K + c]!);
        const back = resampleToShape(ch, [1, size[0], size[1]], [1, h1 - h0, W], 'linear').data;
        for (let h = h0; h < h1; h++)
          for (let w = 0; w < W; w++) probs[((d * H + h) * W + w) * K + c] = back[(h - h0) * W + w]!;
      }
    });
  }
  return probs;
}
