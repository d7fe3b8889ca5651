/**
 * One trained stage ready for inference: its config, the preprocessing plan its run recorded
 * (`runs/<name>/plan.json`), and a `Predictor` over its checkpoints. `predictBox` preprocesses a
 * region of a volume exactly as training did (crop → resample → normalise, optional prior channel)
 * and returns stitched probabilities on the network's grid.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { Config } from '../config/schema/index.js';
import { IoError, UsageError } from '../core/errors.js';
import type { Shape3D, Spacing3D } from '../core/types.js';
import { loadModel } from '../io/checkpoint.js';
import { boxShape, cropBox, type Box } from '../ops/crop.js';
import { normalize, type Normalization } from '../transforms/intensity.js';
import {
  resampledSize,
  resampleToShape,
  resampleVolume,
  type Interpolation,
} from '../transforms/resample.js';
import { Predictor } from './predictor.js';
import type { OutputEncoding } from './resample-back.js';
import { slidingWindowInference } from './sliding-window.js';
import { predictSlices } from './slices.js';

export interface StagePlan {
  readonly spacingMm: Spacing3D;
  readonly normalization: Normalization;
}

export interface Stage {
  readonly cfg: Config;
  readonly plan: StagePlan;
  readonly predictor: Predictor;
  /** Window size `[D, H, W]` (D = 1 for 2D models). */
  readonly patch: Shape3D;
  readonly encoding: OutputEncoding;
  readonly outChannels: number;
  readonly inChannels: number;
  readonly checkpoints: readonly string[];
  dispose(): void;
}

export interface StageOptions {
  readonly runsDir: string;
  /** Checkpoint folders; default: the run's `checkpoints/<inference.checkpoint>`. */
  readonly checkpoints?: readonly string[];
  /** Overrides `inference.ttaAxes`. */
  readonly ttaAxes?: readonly number[];
}

export function runDirOf(cfg: Config, runsDir: string): string {
  return join(runsDir, cfg.name);
}

/** Reads a run's preprocessing plan. */
export function readPlan(runDir: string): StagePlan {
  const p = join(runDir, 'plan.json');
  if (!existsSync(p)) throw new IoError('no plan.json: train this config first (`kitseg train`)', p);
  const raw = JSON.parse(readFileSync(p, 'utf8')) as StagePlan;
  return { spacingMm: raw.spacingMm, normalization: raw.normalization };
}

export async function loadStage(cfg: Config, opts: StageOptions): Promise<Stage> {
  if (cfg.model.type === 'fasterRcnn')
    throw new UsageError(
      `${cfg.name}: a fasterRcnn config finds kidney boxes, it does not label voxels — evaluate it for box recall/precision, or predict with a config whose inference.cascade.stage1 names it`,
    );
  const runDir = runDirOf(cfg, opts.runsDir);
  const plan = readPlan(runDir);
  const dirs = opts.checkpoints ?? [join(runDir, 'checkpoints', cfg.inference.checkpoint)];
  const models: tf.LayersModel[] = [];
  for (const d of dirs) {
    if (!existsSync(join(d, 'model.json'))) throw new IoError('no model.json in this checkpoint folder', d);
    models.push(await loadModel(d));
  }
  const is2d = cfg.model.type === 'unet2d';
  const p = cfg.train.patchSize;
  const patch: Shape3D = is2d ? [1, p[1], p[2]] : p;
  // A 2D model cannot mirror along D (its windows are one slice thick).
  const axes = (opts.ttaAxes ?? cfg.inference.ttaAxes).filter((a) => !(is2d && a === 0));
  return {
    cfg,
    plan,
    predictor: new Predictor(models, axes),
    patch,
    encoding: cfg.model.outActivation,
    outChannels: cfg.model.outChannels,
    inChannels: cfg.model.inChannels,
    checkpoints: dirs,
    dispose: () => models.forEach((m) => m.dispose()),
  };
}

/** An image region on the original grid, as the network sees it. */
export interface BoxPrediction {
  readonly box: Box;
  /** Probabilities `[D', H', W', K]` on the network's grid. */
  readonly probs: Float32Array;
  readonly gridShape: Shape3D;
}

/**
 * Predicts the region `box` of `image` (HU, canonical grid): crop, resample to the stage's spacing,
 * normalise, add `prior` (a 0/1 mask on the same grid) as the second channel when given, and run
 * the sliding window.
 */
export function predictBox(
  stage: Stage,
  image: { readonly data: ArrayLike<number>; readonly shape: Shape3D; readonly spacingMm: Spacing3D },
  box: Box,
  prior?: ArrayLike<number>,
  onWindow?: (done: number, total: number) => void,
): BoxPrediction {
  const shape = boxShape(box);
  const target = stage.plan.spacingMm;
  // Detection cascade: the crop is resized to one fixed window instead of resampled to a spacing.
  const resize = (stage.cfg.inference.cascade?.resizeTo ?? null) as Shape3D | null;
  const toGrid = (data: Float32Array, mode: Interpolation) =>
    resize === null
      ? resampleVolume(data, shape, image.spacingMm, target, mode)
      : resampleToShape(data, shape, resize, mode);
  const img = toGrid(cropBox(image.data, image.shape, box), stage.cfg.preprocess.interpolation);
  const norm = normalize(img.data, stage.plan.normalization);
  let pad = Infinity;
  for (let i = 0; i < norm.length; i++) if (norm[i]! < pad) pad = norm[i]!;
  const C = stage.inChannels;
  let input = norm;
  if (C === 2) {
    if (prior === undefined)
      throw new IoError('this stage needs a spatial prior (run it through the cascade)', stage.cfg.name);
    const pr = toGrid(cropBox(prior, image.shape, box), 'nearest');
    input = new Float32Array(norm.length * 2);
    for (let i = 0; i < norm.length; i++) {
      input[2 * i] = norm[i]!;
      input[2 * i + 1] = pr.data[i]!;
    }
  }
  const gridShape: Shape3D =
    resize ??
    ([0, 1, 2].map((a) => resampledSize(shape[a]!, image.spacingMm[a]!, target[a]!)) as unknown as Shape3D);
  const slices = stage.cfg.train.slices;
  if (slices !== null && C === 1) {
    const p = stage.cfg.train.patchSize;
    const probs = predictSlices(
      input,
      gridShape,
      slices,
      [p[1], p[2]],
      stage.predictor.predict,
      stage.outChannels,
      stage.encoding,
      stage.cfg.inference.batchSize,
    );
    return { box, probs, gridShape };
  }
  const probs = slidingWindowInference(input, gridShape, stage.predictor.predict, {
    patch: stage.patch,
    outChannels: stage.outChannels,
    overlap: stage.cfg.inference.overlap,
    batchSize: stage.cfg.inference.batchSize,
    gaussian: stage.cfg.inference.gaussian,
    padValue: C === 2 ? [pad, 0] : [pad],
    ...(onWindow === undefined ? {} : { onWindow }),
  });
  return { box, probs, gridShape };
}
