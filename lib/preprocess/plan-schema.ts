/** The plan's schema and type, apart from its file I/O so that a browser can validate a bundle's plans. */
import { z } from 'zod';
import type { Shape3D, Spacing3D } from '../core/types.js';
import type { Fingerprint } from '../data/fingerprint.js';
import type { Normalization } from '../transforms/intensity.js';

const Pos3 = z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]);
const Int3 = z.tuple([z.number().int(), z.number().int(), z.number().int()]);
const Num3 = z.tuple([z.number(), z.number(), z.number()]);

/** The normalisation with its statistics resolved (what `normalize` applies). */
export const ResolvedNormalizationSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('window'), lo: z.number(), hi: z.number() }),
  z.strictObject({
    type: z.literal('scale'),
    divisor: z.number().positive(),
    lo: z.number(),
    hi: z.number(),
  }),
  z.strictObject({
    type: z.literal('ctForeground'),
    p005: z.number(),
    p995: z.number(),
    mean: z.number(),
    std: z.number().positive(),
  }),
  z.strictObject({ type: z.literal('zscore') }),
]);

const Stats = z.strictObject({
  mean: z.number(),
  std: z.number(),
  p005: z.number(),
  p995: z.number(),
  min: z.number(),
  max: z.number(),
  samples: z.number().int().nonnegative(),
});

/** The dataset fingerprint; the run's copy leaves out the per-case spacings and shapes. */
export const FingerprintSchema = z.strictObject({
  cases: z.number().int().nonnegative(),
  spacings: z.array(Pos3).optional(),
  shapes: z.array(Int3).optional(),
  medianSpacing: Pos3,
  medianShape: Num3,
  foreground: Stats,
});

export const PlanSchema = z.strictObject({
  /** Target spacing `[D, H, W]` in mm. */
  spacingMm: Pos3,
  normalization: ResolvedNormalizationSchema,
  fingerprint: FingerprintSchema,
});

/** A validated plan. */
export interface Plan {
  readonly spacingMm: Spacing3D;
  readonly normalization: Normalization;
  readonly fingerprint: Fingerprint | RunFingerprint;
}

/** The fingerprint as a run folder keeps it: without the per-case spacings and shapes. */
export type RunFingerprint = Omit<Fingerprint, 'spacings' | 'shapes'>;

// The schema's type must stay assignable to the plan the code uses (checked at compile time).
const _assignable = (p: z.infer<typeof PlanSchema>): Plan => ({
  spacingMm: p.spacingMm,
  normalization: p.normalization,
  fingerprint: { ...p.fingerprint, medianShape: p.fingerprint.medianShape as Shape3D },
});
void _assignable;
