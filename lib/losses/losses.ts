/**
 * Segmentation losses on probabilities `p` and targets `y` of equal shape `[N, ...spatial, C]`
 * (channels-last; softmax classes or sigmoid regions). Each returns a scalar to minimise.
 *
 * - soft Dice (Milletari et al. 2016): 1 − mean_c (2 Σ p·y + s) / (Σ p + Σ y + s), sums over the
 *   batch and space (`batchDice`, nnU-Net's default) or per sample then averaged;
 * - cross-entropy −mean Σ_c y log p (softmax), binary cross-entropy (sigmoid);
 * - weighted BCE of the boundary-aware network (HED, Xie & Tu 2015): β = |non-edge| / |all| weights
 *   the (rare) edge voxels, 1 − β the rest.
 */
import * as tf from '@tensorflow/tfjs';
import { segStats, STAT } from '../backend/ops/seg-stats.js';

/** Probabilities are clipped to [EPS, 1 − EPS] before logs. */
export const EPS = 1e-7;

export interface DiceOptions {
  /** Added to numerator and denominator (nnU-Net: 1e-5). */
  readonly smooth: number;
  /** Sum over the whole batch (true) or per sample, then average (false). */
  readonly batchDice: boolean;
  /** Include channel 0 (softmax background) in the mean. */
  readonly includeBackground: boolean;
}

/** Soft Dice loss from {@link segStats} sums `[G, 4, C]`. */
function diceFromStats(st: tf.Tensor, o: DiceOptions): tf.Scalar {
  const [inter, pSum, ySum] = tf.unstack(st, 1) as [tf.Tensor, tf.Tensor, tf.Tensor];
  let dice = inter.mul(2).add(o.smooth).div(pSum.add(ySum).add(o.smooth)); // [G, C]
  const C = dice.shape[1]!;
  if (!o.includeBackground && C > 1) dice = dice.slice([0, 1], [-1, C - 1]);
  return tf.scalar(1).sub(dice.mean()) as tf.Scalar;
}

/** −mean over voxels of Σ_c y log p, from {@link segStats} sums of a tensor with `voxels` voxels. */
function ceFromStats(st: tf.Tensor, voxels: number): tf.Scalar {
  return tf.unstack(st, 1)[STAT.logSum]!.sum().div(-voxels) as tf.Scalar;
}

const voxelsOf = (p: tf.Tensor) => p.size / p.shape[p.shape.length - 1]!;

export function softDice(p: tf.Tensor, y: tf.Tensor, o: DiceOptions): tf.Scalar {
  return tf.tidy(() => diceFromStats(segStats(p, y, !o.batchDice, false, EPS), o));
}

/** Categorical cross-entropy of softmax probabilities: −mean over voxels of Σ_c y log p. */
export function crossEntropy(p: tf.Tensor, y: tf.Tensor): tf.Scalar {
  return tf.tidy(() => ceFromStats(segStats(p, y, false, true, EPS), voxelsOf(p)));
}

/** `diceWeight` · soft Dice + `ceWeight` · cross-entropy from one pass over p and y. */
export function diceCrossEntropy(
  p: tf.Tensor,
  y: tf.Tensor,
  o: DiceOptions,
  diceWeight: number,
  ceWeight: number,
): tf.Scalar {
  return tf.tidy(() => {
    const st = segStats(p, y, !o.batchDice, true, EPS);
    return diceFromStats(st, o)
      .mul(diceWeight)
      .add(ceFromStats(st, voxelsOf(p)).mul(ceWeight)) as tf.Scalar;
  });
}

/** Binary cross-entropy, averaged over every element; `posWeight`/`negWeight` scale the two terms. */
export function binaryCrossEntropy(
  p: tf.Tensor,
  y: tf.Tensor,
  posWeight: tf.Tensor | number = 1,
  negWeight: tf.Tensor | number = 1,
): tf.Scalar {
  return tf.tidy(() => {
    const q = p.clipByValue(EPS, 1 - EPS);
    const pos = y.mul(q.log()).mul(posWeight);
    const neg = tf.scalar(1).sub(y).mul(tf.scalar(1).sub(q).log()).mul(negWeight);
    return pos.add(neg).mean().neg() as tf.Scalar;
  });
}

/** Weighted BCE on edge targets: edge voxels weighted by β = fraction of non-edge voxels, the rest by 1 − β. */
export function weightedEdgeBce(p: tf.Tensor, edges: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const beta = tf.scalar(1).sub(edges.mean());
    return binaryCrossEntropy(p, edges, beta, tf.scalar(1).sub(beta));
  });
}
