/** Config schema: sliding-window inference, test-time augmentation, the cascade, post-processing. */
import { z } from 'zod';

const Axis = z.union([z.literal(0), z.literal(1), z.literal(2)]);
const Pos3 = z.tuple([z.number().nonnegative(), z.number().nonnegative(), z.number().nonnegative()]);

export const InferenceSchema = z.strictObject({
  /** Fraction of a window shared with its neighbour along each axis (nnU-Net: 0.5). */
  overlap: z.number().min(0).max(0.95).default(0.5),
  /** Windows per forward pass. */
  batchSize: z.number().int().positive().default(2),
  /** Gaussian importance weighting of each window (σ = patch/8); false: uniform. */
  gaussian: z.boolean().default(true),
  /**
   * Mirroring TTA: every combination of flips over these canonical axes (0 = D, 1 = H, 2 = W) is
   * predicted and averaged (2^n passes); empty: off. `kitseg predict --tta` sets all axes.
   */
  ttaAxes: z.array(Axis).max(3).default([]),
  /** Convolution precision of inference (and of validation), as `train.precision`. */
  precision: z.enum(['fp32', 'bf16']).default('fp32'),
  /** Which checkpoint of a run `predict`/`evaluate` use by default. */
  checkpoint: z.enum(['best', 'last']).default('best'),
  /**
   * Cascade: this config is stage 2; `stage1` is the stage-1 config file (its run supplies the
   * kidney boxes), `marginMm` is added around each box on every side — or, with `roiMm` `[D, H, W]`,
   * one fixed-size ROI centred on both kidneys (Wei et al.: 80 × 240 × 384 voxels at 3 × 0.78 ×
   * 0.78 mm = [240, 187.2, 299.5]).
   */
  cascade: z
    .strictObject({
      stage1: z.string(),
      marginMm: Pos3.default([10, 10, 10]),
      roiMm: z
        .tuple([z.number().positive(), z.number().positive(), z.number().positive()])
        .nullable()
        .default(null),
      /**
       * Detection cascade: every crop is resized to this `[D, H, W]` (the paper: 32 × 64 × 64) and
       * segmented in one window; `train.patchSize` must equal it. null: crops keep the plan spacing.
       */
      resizeTo: z
        .tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()])
        .nullable()
        .default(null),
      /** Training crops per kidney: the first uses `marginMm`, the others a margin jittered per side. */
      cropsPerKidney: z.number().int().positive().default(1),
      /** Uniform per-side jitter (mm) of the extra training crops' margins. */
      jitterMm: Pos3.default([0, 0, 0]),
    })
    .nullable()
    .default(null),
});

export const PostprocessSchema = z.strictObject({
  /** Connectivity of every component operation. */
  connectivity: z.union([z.literal(6), z.literal(18), z.literal(26)]).default(26),
  /**
   * Keep the two largest kidney+tumour components; drop the second when more than `maxRatio`
   * times smaller. null: off. 3× is the detection-cascade paper's bound; `kitseg stats` finds
   * 91.8 % of the 160 real KiTS19 patients within it.
   */
  kidneyComponents: z
    .strictObject({ maxRatio: z.number().positive().default(3) })
    .nullable()
    .default(null),
  /** Stage 2: keep the largest component inside each kidney crop. */
  largestPerCrop: z.boolean().default(false),
  /** Keep a tumour only when ≥ minFraction of it lies in a component with kidney tissue. */
  tumourInsideKidney: z
    .strictObject({ minFraction: z.number().min(0).max(1).default(0.95) })
    .nullable()
    .default(null),
  /** Wei et al.: tumour components with mean HU below minHu are cysts (→ kidney). */
  cystFilter: z
    .strictObject({ minHu: z.number().default(10) })
    .nullable()
    .default(null),
  /**
   * 2D U-Net paper: drop tumour components whose λ1/λ2 of voxel coordinates lies outside `range`
   * (the paper's 5th–95th percentiles, 1.07–2.8; `kitseg stats` on the 160 KiTS19 labels: 1.06–2.01).
   */
  eigenFilter: z
    .strictObject({
      range: z.tuple([z.number().positive(), z.number().positive()]).default([1.07, 2.8]),
    })
    .nullable()
    .default(null),
  fillHoles: z.boolean().default(false),
});

export const EvaluationSchema = z.strictObject({
  /**
   * Surface Dice tolerance in mm for every region; null: KiTS21/23's official per-region
   * tolerances for kits23 labels, 2 mm for kits19 (which has none).
   */
  surfaceToleranceMm: z.number().positive().nullable().default(null),
  /**
   * `area`: surface elements weighted by area, as the KiTS21/23 evaluation computes them;
   * `voxel`: boundary voxels counted once, each the same weight.
   */
  surface: z.enum(['area', 'voxel']).default('area'),
});

export type InferenceConfig = z.infer<typeof InferenceSchema>;
export type PostprocessConfig = z.infer<typeof PostprocessSchema>;
export type EvaluationConfig = z.infer<typeof EvaluationSchema>;
