/**
 * The loss registry: `buildLoss(cfg, coding)` turns the config's `loss` block into a function of
 * the model's outputs and the label map. Deep-supervision outputs are scored against targets
 * downsampled by nearest neighbour (every k-th voxel) and weighted 1/2^i with the lowest
 * resolution at 0, normalised (nnU-Net).
 */
import * as tf from '@tensorflow/tfjs';
import type { LossConfig } from '../config/schema/loss.js';
import { ShapeError } from '../core/errors.js';
import { Registry } from '../registry/registry.js';
import {
  binaryCrossEntropy,
  crossEntropy,
  diceCrossEntropy,
  softDice,
  weightedEdgeBce,
  type DiceOptions,
} from './losses.js';
import { edgeTargets, encodeTargets, type Encoding, type OutputCoding } from './targets.js';

/** (probabilities, targets) → scalar, for one output. */
type Term = (p: tf.Tensor, y: tf.Tensor) => tf.Scalar;
/** (model outputs, label map `[N, ...spatial]`) → scalar. */
export type LossFn = (outputs: tf.Tensor | tf.Tensor[], labels: tf.Tensor) => tf.Scalar;

function ceFor(encoding: Encoding): Term {
  return encoding === 'softmax' ? crossEntropy : (p, y) => binaryCrossEntropy(p, y);
}

/** Deep-supervision weights for `n` outputs, highest resolution first. */
export function deepSupervisionWeights(n: number): number[] {
  if (n === 1) return [1];
  const raw = Array.from({ length: n }, (_, i) => (i === n - 1 ? 0 : 1 / 2 ** i));
  const total = raw.reduce((a, b) => a + b, 0);
  return raw.map((w) => w / total);
}

/** Nearest-neighbour downsampling of targets `[N, ...spatial, C]` to `shape` (integer factors). */
export function downsampleTargets(y: tf.Tensor, shape: readonly number[]): tf.Tensor {
  const strides = y.shape.map((d, i) => {
    const f = d / shape[i]!;
    if (!Number.isInteger(f))
      throw new ShapeError(
        'deep supervision',
        `integer factors from [${y.shape.join(', ')}]`,
        `[${shape.join(', ')}]`,
      );
    return f;
  });
  if (strides.every((s) => s === 1)) return y;
  return tf.stridedSlice(
    y,
    y.shape.map(() => 0),
    y.shape,
    strides,
  );
}

function supervise(term: Term, deepSupervision: boolean): (outs: tf.Tensor[], y: tf.Tensor) => tf.Scalar {
  return (outs, y) =>
    tf.tidy(() => {
      if (!deepSupervision) return term(outs[0]!, y);
      const w = deepSupervisionWeights(outs.length);
      return outs
        .map((o, i) => (w[i] === 0 ? tf.scalar(0) : term(o, downsampleTargets(y, o.shape)).mul(w[i]!)))
        .reduce((a, b) => a.add(b)) as tf.Scalar;
    });
}

type Builder = (cfg: LossConfig, coding: OutputCoding) => LossFn;

export const LOSSES = new Registry<Builder>('loss');

function simple(make: (cfg: LossConfig, encoding: Encoding) => Term): Builder {
  return (cfg, coding) => {
    const ds = 'deepSupervision' in cfg && cfg.deepSupervision;
    const run = supervise(make(cfg, coding.encoding), ds);
    return (outputs, labels) =>
      tf.tidy(() => run(Array.isArray(outputs) ? outputs : [outputs], encodeTargets(labels, coding)));
  };
}

/** Sigmoid regions have no background channel: every channel is scored (the schema allows no other value). */
const diceOptions = (cfg: LossConfig, encoding: Encoding): DiceOptions => {
  const c = cfg as Extract<LossConfig, { type: 'dice' }>;
  return { ...c, includeBackground: encoding === 'sigmoid' || c.includeBackground === true };
};
const diceOf = (cfg: LossConfig, encoding: Encoding): Term => {
  const o = diceOptions(cfg, encoding);
  return (p, y) => softDice(p, y, o);
};

LOSSES.register(
  'dice',
  simple((cfg, enc) => diceOf(cfg, enc)),
);
LOSSES.register(
  'ce',
  simple((_cfg, enc) => {
    if (enc !== 'softmax') throw new Error('loss "ce" needs a softmax model; use "bce" for sigmoid outputs');
    return crossEntropy;
  }),
);
LOSSES.register(
  'bce',
  simple(() => (p, y) => binaryCrossEntropy(p, y)),
);
LOSSES.register(
  'diceCe',
  simple((cfg, enc) => {
    const c = cfg as Extract<LossConfig, { type: 'diceCe' }>;
    // Softmax: both terms from one pass over the sums (segStats).
    if (enc === 'softmax')
      return (p, y) => diceCrossEntropy(p, y, diceOptions(cfg, enc), c.diceWeight, c.ceWeight);
    const dice = diceOf(cfg, enc);
    const ce = ceFor(enc);
    return (p, y) => tf.tidy(() => dice(p, y).mul(c.diceWeight).add(ce(p, y).mul(c.ceWeight)) as tf.Scalar);
  }),
);
LOSSES.register(
  'bceDice',
  simple((cfg, enc) => {
    const c = cfg as Extract<LossConfig, { type: 'bceDice' }>;
    const dice = diceOf(cfg, enc);
    return (p, y) =>
      tf.tidy(
        () =>
          binaryCrossEntropy(p, y)
            .mul(1 - c.lambda)
            .add(dice(p, y).mul(c.lambda)) as tf.Scalar,
      );
  }),
);
LOSSES.register('boundaryAware', (cfg, coding) => {
  const c = cfg as Extract<LossConfig, { type: 'boundaryAware' }>;
  const dice = diceOf(cfg, coding.encoding);
  return (outputs, labels) =>
    tf.tidy(() => {
      const outs = Array.isArray(outputs) ? outputs : [outputs];
      if (outs.length !== 2)
        throw new ShapeError('boundaryAware loss', '2 outputs [regions, boundary]', `${outs.length}`);
      const y = encodeTargets(labels, coding);
      return dice(outs[0]!, y).add(weightedEdgeBce(outs[1]!, edgeTargets(y)).mul(c.edgeWeight)) as tf.Scalar;
    });
});

/** The configured loss for a model whose outputs are coded as `coding`. */
export function buildLoss(cfg: LossConfig, coding: OutputCoding): LossFn {
  return LOSSES.get(cfg.type)(cfg, coding);
}
