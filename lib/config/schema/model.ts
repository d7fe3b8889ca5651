/**
 * Config schema: the network. One discriminated union keyed by `type`, which equals the model
 * registry key. Architecture is stored as data, so a run folder fully describes its network.
 * Defaults are each paper's values (see configs/models/); every structural choice is a key.
 */
import { z } from 'zod';

const Pos = z.number().int().positive();
const Int3 = z.tuple([Pos, Pos, Pos]);
const Int2 = z.tuple([Pos, Pos]);

const Common = {
  /** Input channels: 1 for CT, 2 with a spatial-prior channel (stage-1 mask). */
  inChannels: Pos.default(1),
  baseFilters: Pos.default(30),
  /** Filters double per level up to this cap (nnU-Net: 320). */
  maxFilters: Pos.default(320),
  norm: z.enum(['none', 'batch', 'instance']).default('instance'),
  activation: z.enum(['relu', 'leaky', 'prelu', 'elu']).default('leaky'),
  upsampling: z.enum(['transposed', 'nearestConv', 'trilinear']).default('transposed'),
  /** `softmax` over {background, kidney, tumour}, or `sigmoid` over regions {kidney+tumour, tumour}. */
  outActivation: z.enum(['softmax', 'sigmoid']).default('softmax'),
  /** Output channels: 3 for softmax classes, 2 for sigmoid regions, 1 for a single-region model. */
  outChannels: Pos.default(3),
};

export const Unet3dSchema = z.strictObject({
  type: z.literal('unet3d'),
  ...Common,
  /** Per-level pooling factors [D, H, W]; levels = length + 1. Zhang et al.: (4, 5, 5) poolings of 80×160×160. */
  poolSchedule: z
    .array(Int3)
    .min(1)
    .default([
      [1, 2, 2],
      [2, 2, 2],
      [2, 2, 2],
      [2, 2, 2],
      [2, 2, 2],
    ]),
  kernelSize: Int3.default([3, 3, 3]),
  convsPerLevel: Pos.default(2),
});

export const Unet2dSchema = z.strictObject({
  type: z.literal('unet2d'),
  ...Common,
  baseFilters: Pos.default(64),
  maxFilters: Pos.default(1024),
  norm: z.enum(['none', 'batch', 'instance']).default('batch'),
  activation: z.enum(['relu', 'leaky', 'prelu', 'elu']).default('relu'),
  outActivation: z.enum(['softmax', 'sigmoid']).default('sigmoid'),
  outChannels: Pos.default(1),
  /** Per-level pooling factors [H, W]; the original U-Net pools 2×2 four times. */
  poolSchedule: z
    .array(Int2)
    .min(1)
    .default([
      [2, 2],
      [2, 2],
      [2, 2],
      [2, 2],
    ]),
  kernelSize: Int2.default([3, 3]),
  convsPerLevel: Pos.default(2),
});

export const ResUnet3dSchema = z.strictObject({
  type: z.literal('resunet3d'),
  ...Common,
  activation: z.enum(['relu', 'leaky', 'prelu', 'elu']).default('relu'),
  /** Strided-conv downsampling factors; Zhang et al. stage 2: (3, 5, 5) per axis. */
  strideSchedule: z
    .array(Int3)
    .min(1)
    .default([
      [1, 2, 2],
      [1, 2, 2],
      [2, 2, 2],
      [2, 2, 2],
      [2, 2, 2],
    ]),
  firstKernel: Int3.default([1, 3, 3]),
  kernelSize: Int3.default([3, 3, 3]),
  /** Residual blocks per encoder level. */
  blocksPerLevel: Pos.default(1),
  /** Extra outputs at every lower decoder resolution, lowest excluded (nnU-Net). */
  deepSupervision: z.boolean().default(true),
});

/** V-Net options (Milletari et al.): convolutions per stage finest first, the last is the bottom stage. */
const VnetShape = {
  ...Common,
  baseFilters: Pos.default(16),
  maxFilters: Pos.default(256),
  norm: z.enum(['none', 'batch', 'instance']).default('none'),
  activation: z.enum(['relu', 'leaky', 'prelu', 'elu']).default('prelu'),
  convsPerStage: z.array(Pos).min(2).default([1, 2, 3, 3, 3]),
  kernelSize: Int3.default([5, 5, 5]),
  downFactor: Int3.default([2, 2, 2]),
};

export const VnetSchema = z.strictObject({ type: z.literal('vnet'), ...VnetShape });

/** Wei et al.'s phase-2 pair: two V-Nets of the same shape, decoder features of the first added into the second. */
export const VnetPairSchema = z.strictObject({ type: z.literal('vnetPair'), ...VnetShape });

export const BoundaryAwareSchema = z.strictObject({
  type: z.literal('boundaryAware'),
  ...Common,
  baseFilters: Pos.default(16),
  maxFilters: Pos.default(256),
  activation: z.enum(['relu', 'leaky', 'prelu', 'elu']).default('relu'),
  upsampling: z.enum(['transposed', 'nearestConv', 'trilinear']).default('trilinear'),
  outActivation: z.enum(['softmax', 'sigmoid']).default('sigmoid'),
  /** Two sigmoid regions: kidney+tumour and tumour. */
  outChannels: Pos.default(2),
  /** Strided 3×3×3 downsamplings (each doubles the features); 176³ crops → 11³ at the bottom. */
  downsamplings: Pos.default(4),
  bottomBlocks: Pos.default(4),
  /** Switch the boundary stream off for the ablation (plain encoder–decoder, one output). */
  boundaryStream: z.boolean().default(true),
});

export const ModelSchema = z.discriminatedUnion('type', [
  Unet3dSchema,
  Unet2dSchema,
  ResUnet3dSchema,
  VnetSchema,
  VnetPairSchema,
  BoundaryAwareSchema,
]);
export type ModelConfig = z.infer<typeof ModelSchema>;
export type Unet3dConfig = z.infer<typeof Unet3dSchema>;
export type Unet2dConfig = z.infer<typeof Unet2dSchema>;
export type ResUnet3dConfig = z.infer<typeof ResUnet3dSchema>;
export type VnetConfig = z.infer<typeof VnetSchema>;
export type VnetPairConfig = z.infer<typeof VnetPairSchema>;
export type BoundaryAwareConfig = z.infer<typeof BoundaryAwareSchema>;
