/**
 * Training targets from KiTS label maps `[N, D, H, W]` (or `[N, H, W]`): one-hot classes for
 * softmax models, regions {kidney+tumour, tumour} for sigmoid models (the KiTS evaluation regions),
 * and boundary (edge) maps for the boundary-aware network's edge loss.
 */
import * as tf from '@tensorflow/tfjs';

export type Encoding = 'softmax' | 'sigmoid';

/** One-hot over {background, kidney, tumour} → `[..., 3]`, float32. */
export function oneHotTargets(labels: tf.Tensor, classes = 3): tf.Tensor {
  return tf.tidy(() =>
    tf
      .oneHot(labels.toInt().flatten(), classes)
      .reshape([...labels.shape, classes])
      .toFloat(),
  );
}

/** Regions {label > 0, label == 2} → `[..., 2]`, float32. */
export function regionTargets(labels: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.stack([labels.greater(0), labels.equal(2)], -1).toFloat());
}

/** The target tensor for a model whose output activation is `encoding`. */
export function encodeTargets(labels: tf.Tensor, encoding: Encoding): tf.Tensor {
  return encoding === 'softmax' ? oneHotTargets(labels) : regionTargets(labels);
}

/**
 * Edge maps of binary region targets `[N, ...spatial, C]`: 1 where a voxel differs from one of its
 * face neighbours (6-connectivity in 3D, 4 in 2D), else 0. Both sides of a boundary are marked.
 */
export function edgeTargets(regions: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const spatial = regions.shape.length - 2;
    let edge = tf.zerosLike(regions);
    for (let a = 1; a <= spatial; a++) {
      const n = regions.shape[a]!;
      if (n < 2) continue;
      const size = regions.shape.map((d, i) => (i === a ? n - 1 : d));
      const lo = regions.slice(
        regions.shape.map(() => 0),
        size,
      );
      const hi = regions.slice(
        regions.shape.map((_, i) => (i === a ? 1 : 0)),
        size,
      );
      const diff = lo.notEqual(hi).toFloat();
      const padFirst = regions.shape.map((_, i) => (i === a ? [1, 0] : [0, 0])) as [number, number][];
      const padLast = regions.shape.map((_, i) => (i === a ? [0, 1] : [0, 0])) as [number, number][];
      edge = edge.add(tf.pad(diff, padFirst)).add(tf.pad(diff, padLast));
    }
    return edge.greater(0).toFloat();
  });
}
