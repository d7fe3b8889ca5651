/**
 * Training targets from KiTS label maps `[N, D, H, W]` (or `[N, H, W]`): one-hot classes for
 * softmax models, the label set's nested evaluation regions for sigmoid models (KiTS19:
 * kidney+tumour, tumour; KiTS21/23: kidney+masses, masses, tumour), and boundary (edge) maps for
 * the boundary-aware network's edge loss.
 */
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../config/schema/index.js';
import { LABEL_SCHEMES, type LabelSet } from '../core/labels.js';

export type Encoding = 'softmax' | 'sigmoid';

/** What a model's output channels mean: classes of a label set, or its first `channels` regions. */
export interface OutputCoding {
  readonly encoding: Encoding;
  readonly labels: LabelSet;
  readonly channels: number;
}

/** How `cfg`'s segmentation model codes its outputs. */
export function codingOf(cfg: Pick<Config, 'model' | 'data'>): OutputCoding {
  return { encoding: cfg.model.outActivation, labels: cfg.data.labels, channels: cfg.model.outChannels };
}

/** One-hot over the classes (KiTS19: background, kidney, tumour) → `[..., classes]`, float32. */
export function oneHotTargets(labels: tf.Tensor, classes = 3): tf.Tensor {
  return tf.tidy(() =>
    tf.oneHot(labels.toInt().flatten(), classes, 1, 0, 'float32').reshape([...labels.shape, classes]),
  );
}

/** The first `channels` regions of `set` → `[..., channels]`, float32. */
export function regionTargets(labels: tf.Tensor, set: LabelSet = 'kits19', channels?: number): tf.Tensor {
  const regions = LABEL_SCHEMES[set].regions.slice(0, channels);
  return tf.tidy(() =>
    tf
      .stack(
        regions.map((r) => r.labels.map((l) => labels.equal(l)).reduce((a, b) => a.logicalOr(b))),
        -1,
      )
      .toFloat(),
  );
}

/** The target tensor for a model whose outputs are coded as `coding`. */
export function encodeTargets(labels: tf.Tensor, coding: OutputCoding): tf.Tensor {
  return coding.encoding === 'softmax'
    ? oneHotTargets(labels, LABEL_SCHEMES[coding.labels].classes)
    : regionTargets(labels, coding.labels, coding.channels);
}

/**
 * Edge maps of binary region targets `[N, ...spatial, C]`: 1 where a voxel differs from one of its
 * face neighbours (6-connectivity in 3D, 4 in 2D), else 0. Both sides of a boundary are marked.
 * Targets carry no gradient, so one pass over the values replaces a dozen small tensor ops (slices,
 * comparisons, concats: 25 % of a boundary-aware training step on the CPU backends).
 */
export function edgeTargets(regions: tf.Tensor): tf.Tensor {
  const shape = regions.shape;
  const v = regions.dataSync();
  const out = new Float32Array(v.length);
  // Element strides of each spatial axis (1 … rank − 2) in the channels-last layout.
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((p, d) => p * d, 1));
  for (let a = 1; a < shape.length - 1; a++) {
    const n = shape[a]!;
    const step = strides[a]!;
    const block = n * step;
    for (let i = 0; i < v.length; i++) {
      // Compare each voxel with its successor along axis a; a difference marks both.
      if ((i % block) + step >= block || v[i] === v[i + step]) continue;
      out[i] = 1;
      out[i + step] = 1;
    }
  }
  return tf.tensor(out, shape);
}
