/**
 * Full-case validation during training: the in-memory model runs through the same inference path
 * as `kitseg evaluate` (body crop, resampling, sliding window, back to the original grid, no
 * post-processing) on every val case; for a cascade stage 2, stage 1's trained run supplies the
 * boxes and prior.
 */
import { dirname } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema/index.js';
import { windowPatch } from '../config/traits.js';
import type { LoadedCase } from '../data/kits19.js';
import { Predictor } from '../inference/predictor.js';
import { segmentCase } from '../inference/segment.js';
import { loadLocalizer, type Localizer } from '../inference/localizer.js';
import type { Stage, StagePlan } from '../inference/stage.js';
import { kitsDice } from '../metrics/dice.js';
import { PostprocessSchema } from '../config/schema/inference.js';

/** A `Stage` over a model being trained (not disposed by the stage). */
export function stageOf(model: tf.LayersModel, cfg: Config, plan: StagePlan): Stage {
  const patch = windowPatch(cfg);
  return {
    cfg,
    plan,
    predictor: new Predictor([model], []),
    patch,
    encoding: cfg.model.outActivation,
    outChannels: cfg.model.outChannels,
    inChannels: cfg.model.inChannels,
    checkpoints: [],
    dispose: () => undefined,
  };
}

/** Mean KiTS Dice over `cases` on their original grids. */
export async function fullCaseValidation(
  model: tf.LayersModel,
  cfg: Config,
  plan: StagePlan,
  cases: readonly LoadedCase[],
  runDir: string,
): Promise<{ kidney: number; tumor: number; composite: number }> {
  const stage = stageOf(model, cfg, plan);
  let stage1: Localizer | null = null;
  if (cfg.inference.cascade !== null)
    stage1 = await loadLocalizer(loadConfig(cfg.inference.cascade.stage1), { runsDir: dirname(runDir) });
  const none = PostprocessSchema.parse({ largestPerCrop: cfg.postprocess.largestPerCrop });
  try {
    let kidney = 0;
    let tumor = 0;
    for (const c of cases) {
      const seg = segmentCase(stage, stage1, c.image, { probabilities: false, postprocess: none });
      const d = kitsDice(seg.raw, c.label!.data);
      kidney += d.kidney / cases.length;
      tumor += d.tumor / cases.length;
    }
    return { kidney, tumor, composite: (kidney + tumor) / 2 };
  } finally {
    stage1?.dispose();
  }
}
