/**
 * The first step of a cascade: where are the kidneys? A localizer turns a case into a coarse
 * kidney mask on the original grid, from which the cascade cuts its crops — either a segmentation
 * stage (Zhang et al.'s stage 1, Wei et al.'s phase 1: its labels after its own post-processing)
 * or the Faster R-CNN detector (the detection-cascade paper: stacked per-slice boxes). Which one
 * follows from the stage-1 config's `model.type`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema/index.js';
import { IoError } from '../core/errors.js';
import { loadDetector } from '../detection/checkpoint.js';
import type { BoxCounts } from '../detection/metrics.js';
import { postprocess } from '../postprocess/index.js';
import { detectCase } from './detections.js';
import { segmentSingle, type CaseImage } from './segment.js';
import { loadStage, readPlan, runDirOf, type Stage, type StageOptions } from './stage.js';

export interface Localization {
  /** Nonzero where the kidneys are, on the original grid. */
  readonly mask: Uint8Array;
  /** Detector only, with a reference: per-slice box matches. */
  readonly counts: BoxCounts[] | null;
}

export interface Localizer {
  readonly cfg: Config;
  readonly checkpoints: readonly string[];
  locate(
    image: CaseImage,
    opts?: {
      readonly reference?: ArrayLike<number>;
      readonly onWindow?: (stage: string, done: number, total: number) => void;
    },
  ): Localization;
  dispose(): void;
}

/** A segmentation stage as localizer: its labels after its configured post-processing. */
export function stageLocalizer(stage: Stage): Localizer {
  return {
    cfg: stage.cfg,
    checkpoints: stage.checkpoints,
    locate: (image, o = {}) => {
      const mask = segmentSingle(stage, image, {
        probabilities: false,
        postprocess: stage.cfg.postprocess,
        ...(o.onWindow === undefined ? {} : { onWindow: o.onWindow }),
      });
      postprocess(mask, image.data, image.shape, image.spacingMm, stage.cfg.postprocess);
      return { mask, counts: null };
    },
    dispose: () => stage.dispose(),
  };
}

/** Loads the localizer a config describes (its run's `inference.checkpoint`). */
export async function loadLocalizer(cfg: Config, opts: StageOptions): Promise<Localizer> {
  if (cfg.model.type !== 'fasterRcnn') return stageLocalizer(await loadStage(cfg, opts));
  const runDir = runDirOf(cfg, opts.runsDir);
  const plan = readPlan(runDir);
  const dir = opts.checkpoints?.[0] ?? join(runDir, 'checkpoints', cfg.inference.checkpoint);
  if (!existsSync(dir))
    throw new IoError('no detector checkpoint: train this config first (`kitseg train`)', dir);
  const det = await loadDetector(dir, cfg.model);
  return {
    cfg,
    checkpoints: [dir],
    locate: (image, o = {}) =>
      detectCase(det, plan, image, {
        batchSize: cfg.inference.batchSize,
        interpolation: cfg.preprocess.interpolation,
        ...(o.reference === undefined ? {} : { reference: o.reference }),
      }),
    dispose: () => det.dispose(),
  };
}
