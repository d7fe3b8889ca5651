/**
 * Config schema: the network. One discriminated union keyed by `type`, which equals the model
 * registry key. Architecture is stored as data so a run folder fully describes its network.
 */
import { z } from 'zod';

const Int3 = z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]);

const Common = {
  /** Input channels: 1 for CT, 2 with a spatial-prior channel. */
  inChannels: z.number().int().positive().default(1),
  baseFilters: z.number().int().positive().default(16),
  norm: z.enum(['none', 'batch', 'instance']).default('instance'),
  activation: z.enum(['relu', 'leaky', 'prelu', 'elu']).default('leaky'),
  upsampling: z.enum(['transposed', 'nearestConv', 'trilinear']).default('transposed'),
  /** `softmax` over {background, kidney, tumour} or `sigmoid` over regions {kidney+tumour, tumour}. */
  outActivation: z.enum(['softmax', 'sigmoid']).default('softmax'),
};

export const Unet3dSchema = z.strictObject({
  type: z.literal('unet3d'),
  ...Common,
  /** Per-level pooling factors `[D, H, W]`; its length + 1 is the number of levels. */
  poolSchedule: z
    .array(Int3)
    .min(1)
    .default([
      [2, 2, 2],
      [2, 2, 2],
      [2, 2, 2],
    ]),
  kernelSize: Int3.default([3, 3, 3]),
  maxFilters: z.number().int().positive().default(320),
});

export const ModelSchema = z.discriminatedUnion('type', [Unet3dSchema]);
export type ModelConfig = z.infer<typeof ModelSchema>;
