/** Config schema: resampling and intensity normalisation applied to every case before sampling. */
import { z } from 'zod';

const Pos3 = z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]);

export const NormalizationSchema = z.discriminatedUnion('type', [
  /** Clip to [lo, hi] HU and rescale to [0, 1] (e.g. [−60, 300], [−250, 250]). */
  z.strictObject({ type: z.literal('window'), lo: z.number().default(-250), hi: z.number().default(250) }),
  /** Divide and clip (Wei et al.: ÷1000, [−1, 1]). */
  z.strictObject({
    type: z.literal('scale'),
    divisor: z.number().positive().default(1000),
    lo: z.number().default(-1),
    hi: z.number().default(1),
  }),
  /** nnU-Net CT: clip to the fingerprint's 0.5/99.5 foreground percentiles, z-score with its mean/std. */
  z.strictObject({ type: z.literal('ctForeground') }),
  /** Per-case z-score. */
  z.strictObject({ type: z.literal('zscore') }),
]);

export const PreprocessSchema = z.strictObject({
  /** Target spacing `[D, H, W]` in mm; null derives it from the dataset fingerprint (nnU-Net rule). */
  spacing: Pos3.nullable().default(null),
  normalization: NormalizationSchema.prefault({ type: 'ctForeground' }),
  /** Image interpolation when resampling (labels always nearest). */
  interpolation: z.enum(['linear', 'cubic']).default('linear'),
  /** Where `kitseg preprocess` and training cache preprocessed cases; null: `<data root>/../preprocessed`. */
  cacheDir: z.string().nullable().default(null),
});
export type PreprocessConfig = z.infer<typeof PreprocessSchema>;
