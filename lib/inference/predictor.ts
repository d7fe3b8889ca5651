/**
 * A window predictor over one or more models (an ensemble of checkpoints or folds) with mirroring
 * test-time augmentation: every model sees every flip combination of the configured axes, and the
 * probabilities are averaged (flipped back first). 2D models see each slice of a `[B, 1, H, W, C]`
 * window as a `[B, H, W, C]` image.
 */
import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../core/errors.js';
import type { WindowPredictor } from './sliding-window.js';

/** Every subset of `axes` (the flip combinations), the empty one first. */
export function flipCombinations(axes: readonly number[]): number[][] {
  const uniq = [...new Set(axes)].sort();
  const out: number[][] = [];
  for (let m = 0; m < 1 << uniq.length; m++) out.push(uniq.filter((_, i) => (m >> i) & 1));
  return out;
}

function forward(model: tf.LayersModel, x: tf.Tensor5D): tf.Tensor5D {
  const is2d = model.inputs[0]!.shape.length === 4;
  const y = model.predict(is2d ? x.squeeze([1]) : x);
  const out = (Array.isArray(y) ? y[0]! : y) as tf.Tensor;
  return (is2d ? out.expandDims(1) : out) as tf.Tensor5D;
}

export class Predictor {
  readonly flips: number[][];

  /**
   * @param models an ensemble sharing input and output layout (not disposed here)
   * @param ttaAxes canonical axes (0 = D, 1 = H, 2 = W) to mirror over; empty: no TTA
   */
  constructor(
    readonly models: readonly tf.LayersModel[],
    ttaAxes: readonly number[],
  ) {
    if (models.length === 0) throw new UsageError('a predictor needs at least one model');
    this.flips = flipCombinations(ttaAxes);
  }

  /** Passes per window: models × flip combinations. */
  get passes(): number {
    return this.models.length * this.flips.length;
  }

  readonly predict: WindowPredictor = (x) =>
    tf.tidy(() => {
      let sum: tf.Tensor5D | null = null;
      for (const model of this.models)
        for (const axes of this.flips) {
          const t = axes.map((a) => a + 1);
          const xi = t.length === 0 ? x : tf.reverse(x, t);
          const p = forward(model, xi);
          const back = t.length === 0 ? p : tf.reverse(p, t);
          sum = sum === null ? back : (tf.add(sum, back) as tf.Tensor5D);
        }
      return tf.div(sum!, this.passes);
    });
}
