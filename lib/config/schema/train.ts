/** Config schema: optimiser and the training loop. */
import { z } from 'zod';
import { AugmentSchema } from './augment.js';

const Int3 = z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]);

export const OptimSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('adam'),
    lr: z.number().positive().default(3e-4),
    beta1: z.number().min(0).max(1).default(0.9),
    beta2: z.number().min(0).max(1).default(0.999),
    epsilon: z.number().positive().default(1e-8),
  }),
  z.strictObject({
    type: z.literal('sgd'),
    lr: z.number().positive().default(1e-2),
    momentum: z.number().min(0).max(1).default(0.99),
    nesterov: z.boolean().default(true),
  }),
]);

/** Patch-centre rule: class probabilities, or nnU-Net's one-third forced foreground. */
const Sampling = z.union([
  z.literal('nnunet'),
  z.strictObject({
    tumor: z.number().nonnegative(),
    foreground: z.number().nonnegative(),
    random: z.number().nonnegative(),
  }),
]);

export const TrainSchema = z.strictObject({
  epochs: z.number().int().positive().default(50),
  iterationsPerEpoch: z.number().int().positive().default(50),
  batchSize: z.number().int().positive().default(2),
  /** Patch size `[D, H, W]` in voxels. */
  patchSize: Int3.default([48, 64, 64]),
  /** Validate every this many epochs. */
  valEvery: z.number().int().positive().default(5),
  /**
   * Learning rate per epoch: `poly` α0·(1 − e/N)^0.9 (nnU-Net), `constant`, `step` (× factor every k
   * epochs; halving: factor 0.5), or `plateau` (× factor after `patience` validations without a
   * better composite val Dice, not below `minLr`).
   */
  lrSchedule: z
    .union([
      z.literal('poly'),
      z.literal('constant'),
      z.strictObject({
        type: z.literal('step'),
        every: z.number().int().positive(),
        factor: z.number().positive().max(1).default(0.5),
      }),
      z.strictObject({
        type: z.literal('plateau'),
        patience: z.number().int().positive().default(2),
        factor: z.number().positive().max(1).default(0.5),
        minLr: z.number().nonnegative().default(1e-6),
      }),
    ])
    .default('poly'),
  /**
   * Keep the checkpoints of the K best validations as `checkpoints/epoch-<n>/` (0: none) — e.g. Wei
   * et al.'s top-5 checkpoint ensemble: `kitseg evaluate --checkpoint runs/x/checkpoints/epoch-* …`.
   */
  keepTopK: z.number().int().nonnegative().default(0),
  /** Stop after this many validations without a better composite val Dice; null: never. */
  earlyStoppingPatience: z.number().int().positive().nullable().default(null),
  /**
   * `patch`: Dice on a fixed set of val patches (fast); `fullCase`: each val case through the
   * inference path on its original grid, as `kitseg evaluate` scores it (a cascade stage 2 needs
   * its stage 1 trained). The chosen one selects `best` and drives plateau/early stopping.
   */
  valMode: z.enum(['patch', 'fullCase']).default('patch'),
  /**
   * Convolution precision of the training step: `bf16` reads convolution inputs as bfloat16 with
   * float32 accumulation (dnnl backend, AVX512_BF16 CPUs); weights, Adam state and the loss stay f32.
   */
  precision: z.enum(['fp32', 'bf16']).default('fp32'),
  /** Patches drawn from the val cases for the patch-Dice validation. */
  valPatches: z.number().int().positive().default(8),
  sampling: Sampling.default('nnunet'),
  /**
   * The val patches' centre rule; null: the training's `sampling`. A tumour-heavy training sampler
   * (0.8 tumour-centred) makes val patches that never show the background a model may mislabel.
   */
  valSampling: Sampling.nullable().default(null),
  /**
   * 2D models: sample whole axial slices instead of patches — all, or `foregroundOnly`, optionally
   * the posterior `lowerHalf` — resized to `patchSize[1..2]` (patchSize[0] must be 1). null: patches.
   */
  slices: z
    .strictObject({ foregroundOnly: z.boolean().default(false), lowerHalf: z.boolean().default(false) })
    .nullable()
    .default(null),
  /** Batches a background worker keeps ready (0: sample in the training thread). Same batches either way. */
  prefetch: z.number().int().nonnegative().default(2),
  /** Data augmentation of training patches; null: off, `{}`: every transform with its defaults. */
  augment: AugmentSchema.nullable().default(null),
  /**
   * Cascade stage 2: where its training crops and prior channel come from — the `reference` labels,
   * or `stage1`'s predictions on each train and val case, as the cascade papers train (stage 1 must
   * be trained; its masks are written to `runs/<name>/stage1/`).
   */
  cascadeInput: z.enum(['reference', 'stage1']).default('reference'),
  /** Cascade stage 2: how the prior channel is corrupted per training patch. */
  priorCorruption: z
    .strictObject({
      morphProb: z.number().min(0).max(1).default(0.2),
      maxRadius: z.number().int().nonnegative().default(2),
      dropProb: z.number().min(0).max(1).default(0.1),
    })
    .prefault({}),
});
export type OptimConfig = z.infer<typeof OptimSchema>;
export type TrainConfig = z.infer<typeof TrainSchema>;
