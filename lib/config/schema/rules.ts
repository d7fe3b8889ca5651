/**
 * Rules about what a config file sets, not only what it resolves to: a key that does nothing for
 * the config's task, set to anything but its default, is an error; the default stays in the resolved
 * config, inert (so a resolved config written by kitseg validates again). `validateConfig` applies
 * them to the merged YAML before anything is read or written.
 */
import type { ConfigIssue } from '../../core/errors.js';
import type { Config } from './index.js';
import { DataSchema } from './data.js';
import { LossSchema } from './loss.js';
import { modelTraits, type TaskName } from './model.js';
import { TrainSchema } from './train.js';

/** What each inert key resolves to when a config leaves it out. */
const DEFAULTS = {
  data: DataSchema.parse({}),
  loss: LossSchema.parse({ type: 'diceCe' }),
  train: TrainSchema.parse({}),
};

function at(v: unknown, path: readonly string[]): unknown {
  for (const k of path)
    v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Keys a task ignores, with why; setting one to anything but its default is a config error. */
const INERT_KEYS: { readonly [T in TaskName]: readonly (readonly [path: readonly string[], why: string])[] } =
  {
    segmentation: [],
    detection: [
      [['loss'], 'a detector trains with its own RPN and box-head loss'],
      [['train', 'prefetch'], 'detector slice batches are drawn in the training thread'],
      [['train', 'augment'], 'the detector has no augmentation'],
      [['train', 'valMode'], 'a detector validates box recall and precision on every val slice'],
      [['train', 'valPatches'], 'a detector validates on every val slice, not on patches'],
      [['train', 'valSampling'], 'a detector validates on every val slice, not on patches'],
      [['train', 'priorCorruption'], 'only a cascade stage 2 has a prior channel'],
      [['train', 'cascadeInput'], "a detector is a cascade's first step, not its stage 2"],
      [['data', 'render'], 'detector slices are drawn from the stored images, never re-shaded'],
    ],
  };

function given(raw: unknown, path: readonly string[]): boolean {
  let v: unknown = raw;
  for (const k of path) {
    if (typeof v !== 'object' || v === null || !(k in v)) return false;
    v = (v as Record<string, unknown>)[k];
  }
  return v !== null && v !== undefined;
}

/** Issues for keys `raw` (the merged YAML) sets that `cfg`'s model cannot use. */
export function explicitKeyIssues(raw: unknown, cfg: Config): ConfigIssue[] {
  const task = modelTraits(cfg.model).task;
  const out: ConfigIssue[] = [];
  for (const [path, why] of INERT_KEYS[task])
    if (given(raw, path) && !same(at(cfg, path), at(DEFAULTS, path)))
      out.push({
        path: [...path],
        message: `not used by the ${task} task (${cfg.model.type}): ${why}; remove it`,
      });
  const corruption = ['train', 'priorCorruption'];
  if (
    task === 'segmentation' &&
    given(raw, corruption) &&
    !same(at(cfg, corruption), at(DEFAULTS, corruption)) &&
    cfg.model.inChannels !== 2
  )
    out.push({
      path: ['train', 'priorCorruption'],
      message:
        'only a cascade stage 2 with the prior channel (model.inChannels 2) corrupts a prior; remove it',
    });
  return out;
}
