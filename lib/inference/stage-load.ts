/** Loads a trained stage from disk: its run folder's plan and checkpoints, or those given. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { Config } from '../config/schema/index.js';
import { IoError } from '../core/errors.js';
import { loadModel } from '../io/checkpoint.js';
import { CHECKPOINT_FILES, runDirOf } from '../io/run-dir.js';
import { readPlan } from '../preprocess/plan.js';
import { makeStage, type Stage, type StagePlan } from './stage.js';

export interface StageOptions {
  readonly runsDir: string;
  /** Checkpoint folders; default: the run's `checkpoints/<inference.checkpoint>`. */
  readonly checkpoints?: readonly string[];
  /** Overrides `inference.ttaAxes`. */
  readonly ttaAxes?: readonly number[];
  /** The plan, when it does not come from the run folder (a bundle carries its own). */
  readonly plan?: StagePlan;
}

export async function loadStage(cfg: Config, opts: StageOptions): Promise<Stage> {
  const run = runDirOf(opts.runsDir, cfg.name);
  const plan = opts.plan ?? readPlan(run.plan);
  const dirs = opts.checkpoints ?? [run.checkpoint(cfg.inference.checkpoint)];
  const models: tf.LayersModel[] = [];
  for (const d of dirs) {
    if (!existsSync(join(d, CHECKPOINT_FILES.model)))
      throw new IoError('no model.json in this checkpoint folder', d);
    models.push(await loadModel(d));
  }
  return makeStage(cfg, plan, models, {
    checkpoints: dirs,
    ...(opts.ttaAxes === undefined ? {} : { ttaAxes: opts.ttaAxes }),
  });
}
