/**
 * Loads a cascade's first step from its config: a segmentation stage (Zhang et al.'s stage 1, Wei
 * et al.'s phase 1: its labels after its own post-processing) or the Faster R-CNN detector (the
 * detection-cascade paper: stacked per-slice boxes). The model's task picks which.
 */
import { existsSync } from 'node:fs';
import { assertPrecision, useConvPrecision } from '../backend/precision.js';
import type { Config } from '../config/schema/index.js';
import { modelTraits, type FasterRcnnConfig, type TaskName } from '../config/schema/model.js';
import { IoError } from '../core/errors.js';
import { loadDetector } from '../detection/checkpoint.js';
import { runDirOf } from '../io/run-dir.js';
import { readPlan } from '../preprocess/plan.js';
import { detectCase } from './detections.js';
import type { Localizer } from './localization.js';
import { stageLocalizer } from './stage-localizer.js';
import { loadStage, type StageOptions } from './stage-load.js';

export type { Localization, Localizer } from './localization.js';

/** The detector of a trained run as localizer (its run's `inference.checkpoint`). */
async function detectorLocalizer(cfg: Config, opts: StageOptions): Promise<Localizer> {
  assertPrecision(cfg.inference.precision, 'inference.precision');
  const run = runDirOf(opts.runsDir, cfg.name);
  const plan = opts.plan ?? readPlan(run.plan);
  const dir = opts.checkpoints?.[0] ?? run.checkpoint(cfg.inference.checkpoint);
  if (!existsSync(dir))
    throw new IoError('no detector checkpoint: train this config first (`kitseg train`)', dir);
  const det = await loadDetector(dir, cfg.model as FasterRcnnConfig);
  return {
    cfg,
    checkpoints: [dir],
    locate: (image, o = {}) => {
      // The detector at its own precision, whatever stage ran last.
      useConvPrecision(cfg.inference.precision);
      return detectCase(det, plan, image, {
        batchSize: cfg.inference.batchSize,
        interpolation: cfg.preprocess.interpolation,
        ...(o.reference === undefined ? {} : { reference: o.reference }),
      });
    },
    dispose: () => det.dispose(),
  };
}

const LOCALIZERS: { readonly [T in TaskName]: (cfg: Config, opts: StageOptions) => Promise<Localizer> } = {
  segmentation: async (cfg, opts) => stageLocalizer(await loadStage(cfg, opts)),
  detection: detectorLocalizer,
};

/** Loads the localizer a config describes. */
export function loadLocalizer(cfg: Config, opts: StageOptions): Promise<Localizer> {
  return LOCALIZERS[modelTraits(cfg.model).task](cfg, opts);
}
