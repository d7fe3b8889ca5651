/**
 * The model registry: one builder per config `type`. `buildModel(cfg, patchSize)` is the only way
 * the rest of kitseg makes a network, so a config's `model` block fully defines it.
 */
import type * as tf from '@tensorflow/tfjs';
import { registerConv3dBackpropInputGradient } from '../backend/gradients/conv3d-backprop-input.js';
import type { ModelConfig } from '../config/schema/model.js';
import { Registry } from '../registry/registry.js';
import type { Rng } from '../rng/rng.js';
import { withInitRng } from './blocks.js';
import { buildResUnet3d } from './resunet.js';
import { buildUnet } from './unet.js';
import { buildBoundaryAware } from './boundary-aware.js';
import { buildVnet, buildVnetPair } from './vnet.js';

export type ModelBuilder = (cfg: ModelConfig, patchSize: readonly number[]) => tf.LayersModel;

export const MODELS = new Registry<ModelBuilder>('model');
MODELS.register('unet2d', (c, p) => buildUnet(c as Extract<ModelConfig, { type: 'unet2d' }>, p));
MODELS.register('unet3d', (c, p) => buildUnet(c as Extract<ModelConfig, { type: 'unet3d' }>, p));
MODELS.register('resunet3d', (c, p) => buildResUnet3d(c as Extract<ModelConfig, { type: 'resunet3d' }>, p));
MODELS.register('vnet', (c, p) => buildVnet(c as Extract<ModelConfig, { type: 'vnet' }>, p));
MODELS.register('vnetPair', (c, p) => buildVnetPair(c as Extract<ModelConfig, { type: 'vnetPair' }>, p));
MODELS.register('boundaryAware', (c, p) =>
  buildBoundaryAware(c as Extract<ModelConfig, { type: 'boundaryAware' }>, p),
);

/** Builds the configured network for patches of `patchSize` voxels. */
export function buildModel(cfg: ModelConfig, patchSize: readonly number[]): tf.LayersModel {
  // Transposed 3D convolutions must be trainable on every backend.
  registerConv3dBackpropInputGradient();
  return MODELS.get(cfg.type)(cfg, patchSize);
}

/** Builds with every weight initialiser seeded from `rng` (same seed → same initial weights). */
export function withModelInit<T>(rng: Rng, build: () => T): T {
  return withInitRng(rng, build);
}
