/**
 * One trained stage ready for inference: its config, the preprocessing plan its run recorded
 * (`runs/<name>/plan.json`), and a `Predictor` over its checkpoints. `predictBox` preprocesses a
 * region of a volume exactly as training did (crop → resample → normalise, optional prior channel)
 * and returns stitched probabilities on the network's grid.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Config } from '../config/schema/index.js';
import { assertPrecision, useConvPrecision } from '../backend/precision.js';
import { isSliceModel, traitsOf, windowPatch } from '../config/traits.js';
import { IoError, UsageError } from '../core/errors.js';
import type { Shape3D } from '../core/types.js';
import type { Box } from '../ops/crop.js';
import { type GridPlan, preprocessRegion, type RegionSource } from '../preprocess/pipeline.js';
import { Predictor } from './predictor.js';
import type { OutputEncoding } from './resample-back.js';
import { slidingWindowInference } from './sliding-window.js';
import { predictSlices } from './slices.js';

/** What a stage needs of its run's plan. */
export type StagePlan = GridPlan;

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

/**
 * A stage from its parts, wherever they come from (a run folder, a bundle on disk, a bundle fetched
 * by the browser): `models` average into an ensemble, mirrored along `ttaAxes` (default: the
 * config's `inference.ttaAxes`).
 */
export function makeStage(
  cfg: Config,
  plan: StagePlan,
  models: readonly tf.LayersModel[],
  o: { readonly ttaAxes?: readonly number[]; readonly checkpoints: readonly string[] },
): Stage {
  if (traitsOf(cfg).task !== 'segmentation')
    throw new UsageError(
      `${cfg.name}: a ${cfg.model.type} config finds kidney boxes, it does not label voxels — evaluate it for box recall/precision, or predict with a config whose inference.cascade.stage1 names it`,
    );
  assertPrecision(cfg.inference.precision, 'inference.precision');
  const is2d = isSliceModel(cfg);
  // A 2D model cannot mirror along D (its windows are one slice thick).
  const axes = (o.ttaAxes ?? cfg.inference.ttaAxes).filter((a) => !(is2d && a === 0));
  return {
    cfg,
    plan,
    predictor: new Predictor([...models], axes),
    patch: windowPatch(cfg),
    encoding: cfg.model.outActivation,
    outChannels: cfg.model.outChannels,
    inChannels: cfg.model.inChannels,
    checkpoints: o.checkpoints,
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
  image: RegionSource,
  box: Box,
  prior?: ArrayLike<number>,
  onWindow?: (done: number, total: number) => void,
): BoxPrediction {
  // Detection cascade: the crop is resized to one fixed window instead of resampled to a spacing.
  const resize = (stage.cfg.inference.cascade?.resizeTo ?? null) as Shape3D | null;
  const C = stage.inChannels;
  if (C === 2 && prior === undefined)
    throw new IoError('this stage needs a spatial prior (run it through the cascade)', stage.cfg.name);
  const r = preprocessRegion(image, box, stage.plan, {
    interpolation: stage.cfg.preprocess.interpolation,
    resizeTo: resize,
    masks: C === 2 ? [prior!] : [],
  });
  const norm = r.image;
  const pad = r.pad;
  // Each stage at its own precision (a cascade's stages may differ; validation follows training).
  useConvPrecision(stage.cfg.inference.precision);
  let input = norm;
  if (C === 2) {
    const pr = r.masks[0]!;
    input = new Float32Array(norm.length * 2);
    for (let i = 0; i < norm.length; i++) {
      input[2 * i] = norm[i]!;
      input[2 * i + 1] = pr[i]!;
    }
  }
  const gridShape = r.shape;
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
