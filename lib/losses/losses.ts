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

export function softDice(p: tf.Tensor, y: tf.Tensor, o: DiceOptions): tf.Scalar {
  return tf.tidy(() => {
    const r = p.shape.length;
    const spatial = Array.from({ length: r - 2 }, (_, i) => i + 1);
    const axes = o.batchDice ? [0, ...spatial] : spatial;
    const inter = p.mul(y).sum(axes);
    const den = p.sum(axes).add(y.sum(axes));
    let dice = inter.mul(2).add(o.smooth).div(den.add(o.smooth)); // [C] or [N, C]
    if (!o.includeBackground && p.shape[r - 1]! > 1) {
      // Drop channel 0 (background) of the last axis.
      const begin = dice.shape.map((_, a) => (a === dice.rank - 1 ? 1 : 0));
      const size = dice.shape.map((d, a) => (a === dice.rank - 1 ? d - 1 : d));
      dice = dice.slice(begin, size);
    }
    return tf.scalar(1).sub(dice.mean()) as tf.Scalar;
  });
}

/** Categorical cross-entropy of softmax probabilities: −mean over voxels of Σ_c y log p. */
export function crossEntropy(p: tf.Tensor, y: tf.Tensor): tf.Scalar {
  return tf.tidy(
    () =>
      y
        .mul(p.clipByValue(EPS, 1 - EPS).log())
        .sum(-1)
        .mean()
        .neg() as tf.Scalar,
  );
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
