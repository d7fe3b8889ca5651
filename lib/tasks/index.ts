/**
 * The tasks layer: which training task each model type trains with, chosen through its registry
 * traits (`MODEL_TRAITS[type].task`), never by naming model types. `kitseg train` and
 * `kitseg experiment run` both train through `trainConfig`.
 */
import { describeChanges, savedConfigChanges } from '../config/compare.js';
import type { Config } from '../config/schema/index.js';
import { UsageError } from '../core/errors.js';
import { traitsOf } from '../config/traits.js';
import type { BoxScores } from '../detection/metrics.js';
import { readTrainState } from '../training/checkpoint.js';
import { runTraining, type TrainOptions, type TrainSummary } from '../training/loop.js';
import { runDir } from '../io/run-dir.js';
import { DETECTION_TASK } from './detection.js';
import { SEGMENTATION_TASK, type DiceScores } from './segmentation.js';

export { DETECTION_TASK, validateDetector } from './detection.js';
export { SEGMENTATION_TASK, type DiceScores } from './segmentation.js';

export type TrainResult =
  | { readonly task: 'segmentation'; readonly summary: TrainSummary<DiceScores> }
  | { readonly task: 'detection'; readonly summary: TrainSummary<BoxScores> };

/** Trains `cfg` with the task its model type names. */
export async function trainConfig(cfg: Config, opts: TrainOptions): Promise<TrainResult> {
  const task = traitsOf(cfg).task;
  switch (task) {
    case 'segmentation':
      return { task, summary: await runTraining(cfg, SEGMENTATION_TASK, opts) };
    case 'detection':
      return { task, summary: await runTraining(cfg, DETECTION_TASK, opts) };
  }
}

/**
 * True when the run folder `dir` holds a `last` checkpoint at or past `cfg.train.epochs`. A finished
 * run trained from another config is an error: scoring it would report the old config's model.
 */
export function isTrained(cfg: Config, dir: string): boolean {
  const run = runDir(dir);
  const st = readTrainState(run.checkpoint('last'));
  if (st === null || st.epoch < cfg.train.epochs) return false;
  const changed = savedConfigChanges(run.config, cfg);
  if (changed.length > 0)
    throw new UsageError(
      `${dir}: trained from another config (changed: ${describeChanges(changed)}); delete the run folder to train it again`,
    );
  return true;
}

/** True when the run folder `dir` holds a complete `last` checkpoint (something to resume). */
export function hasLastCheckpoint(dir: string): boolean {
  return readTrainState(runDir(dir).checkpoint('last')) !== null;
}
