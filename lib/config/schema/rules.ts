/**
 * Rules about what a config file sets, not only what it resolves to: a key that does nothing for
 * the config's task is an error, though its schema default stays in the resolved config (inert).
 * `validateConfig` applies them to the merged YAML before anything is read or written.
 */
import type { ConfigIssue } from '../../core/errors.js';
import type { Config } from './index.js';
import { modelTraits, type TaskName } from './model.js';

/** Keys a task ignores, with why; setting one (to anything but `null`) is a config error. */
const INERT_KEYS: { readonly [T in TaskName]: readonly (readonly [path: readonly string[], why: string])[] } =
  {
    segmentation: [],
    detection: [
      [['loss'], 'a detector trains with its own RPN and box-head loss'],
      [['train', 'prefetch'], 'detector slice batches are drawn in the training thread'],
      [['train', 'augment'], 'the detector has no augmentation'],
      [['train', 'valMode'], 'a detector validates box recall and precision on every val slice'],
      [['train', 'valPatches'], 'a detector validates on every val slice, not on patches'],
      [['train', 'priorCorruption'], 'only a cascade stage 2 has a prior channel'],
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
    if (given(raw, path))
      out.push({
        path: [...path],
        message: `not used by the ${task} task (${cfg.model.type}): ${why}; remove it`,
      });
  if (task === 'segmentation' && given(raw, ['train', 'priorCorruption']) && cfg.model.inChannels !== 2)
    out.push({
      path: ['train', 'priorCorruption'],
      message:
        'only a cascade stage 2 with the prior channel (model.inChannels 2) corrupts a prior; remove it',
    });
  // Sigmoid outputs are regions with no background channel: every channel is always scored.
  if (cfg.model.outActivation === 'sigmoid' && given(raw, ['loss', 'includeBackground']))
    out.push({
      path: ['loss', 'includeBackground'],
      message: `applies to softmax models only; a sigmoid ${cfg.model.type} has no background channel and every region channel is scored`,
    });
  return out;
}
