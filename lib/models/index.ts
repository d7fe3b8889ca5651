/**
 * The model registry: one entry per config `type`, holding the builder and the type's traits (its
 * task, whether it sees slices or patches, its patch rule). `buildModel(cfg, patchSize)` is the
 * only way the rest of kitseg makes a segmentation network, so a config's `model` block fully
 * defines it. A detector (two networks around RoI selection) is built by `buildFasterRcnn`.
 */
import type * as tf from '@tensorflow/tfjs';
import { registerConv3dBackpropInputGradient } from '../backend/gradients/conv3d-backprop-input.js';
import { MODEL_TRAITS, type ModelConfig, type ModelTraits } from '../config/schema/model.js';
import { UsageError } from '../core/errors.js';
import { Registry } from '../registry/registry.js';
import type { Rng } from '../rng/rng.js';
import { withInitRng } from './blocks.js';
import { buildResUnet3d } from './resunet.js';
import { buildUnet } from './unet.js';
import { buildBoundaryAware } from './boundary-aware.js';
import { buildVnet, buildVnetPair } from './vnet.js';

export type ModelBuilder = (cfg: ModelConfig, patchSize: readonly number[]) => tf.LayersModel;

export interface ModelEntry {
  readonly traits: ModelTraits;
  /** null: not one LayersModel (the detector); its task builds it. */
  readonly build: ModelBuilder | null;
}

type Of<K extends ModelConfig['type']> = Extract<ModelConfig, { type: K }>;

export const MODELS = new Registry<ModelEntry>('model');
const register = <K extends ModelConfig['type']>(
  type: K,
  build: ((cfg: Of<K>, patchSize: readonly number[]) => tf.LayersModel) | null,
) =>
  MODELS.register(type, {
    traits: MODEL_TRAITS[type] as ModelTraits,
    build: build === null ? null : (c, p) => build(c as Of<K>, p),
  });
register('unet2d', buildUnet);
register('unet3d', buildUnet);
register('resunet3d', buildResUnet3d);
register('vnet', buildVnet);
register('vnetPair', buildVnetPair);
register('boundaryAware', buildBoundaryAware);
register('fasterRcnn', null);

/**
 * Builds the configured network for patches of `patchSize` voxels.
 * @throws UsageError for a model type that is not one LayersModel (the detector).
 */
export function buildModel(cfg: ModelConfig, patchSize: readonly number[]): tf.LayersModel {
  // Transposed 3D convolutions must be trainable on every backend.
  registerConv3dBackpropInputGradient();
  const entry = MODELS.get(cfg.type);
  if (entry.build === null)
    throw new UsageError(`${cfg.type}: a ${entry.traits.task} model is built by its task, not buildModel`);
  return entry.build(cfg, patchSize);
}

/** Builds with every weight initialiser seeded from `rng` (same seed → same initial weights). */
export function withModelInit<T>(rng: Rng, build: () => T): T {
  return withInitRng(rng, build);
}
