/**
 * Config schema: data augmentation (nnU-Net's set). `train.augment: null` is off; `{}` turns on every
 * nnU-Net transform with its defaults (all but `fieldOfView`); each can be set to null or tuned.
 */
import { z } from 'zod';

const Range = z
  .tuple([z.number(), z.number()])
  .refine((r) => r[0] <= r[1], 'expected [low, high] with low ≤ high');
const Prob = z.number().min(0).max(1);
const Axes = z.array(z.union([z.literal(0), z.literal(1), z.literal(2)]));

export const AugmentSchema = z.strictObject({
  /** Mirror along each listed canonical axis with probability `prob`. */
  flip: z
    .strictObject({ prob: Prob.default(0.5), axes: Axes.default([0, 1, 2]) })
    .nullable()
    .prefault({}),
  /** Rotation about each axis (0 = D: in the axial plane; 1 = H; 2 = W), uniform in ±maxDeg. */
  rotation: z
    .strictObject({
      prob: Prob.default(0.2),
      maxDeg: z.tuple([z.number(), z.number(), z.number()]).default([30, 15, 15]),
    })
    .nullable()
    .prefault({}),
  /** Isotropic zoom (>1 enlarges), uniform in `range`. */
  scale: z
    .strictObject({ prob: Prob.default(0.2), range: Range.default([0.7, 1.4]) })
    .nullable()
    .prefault({}),
  /** Smooth random displacement: control points every `sigmaMm`, N(0, alphaMm) each, trilinear in between. */
  elastic: z
    .strictObject({
      prob: Prob.default(0.1),
      alphaMm: z.number().nonnegative().default(6),
      sigmaMm: z.number().positive().default(24),
    })
    .nullable()
    .prefault({}),
  /** x ↦ ((x − min)/(max − min))^γ · (max − min) + min over the patch. */
  gamma: z
    .strictObject({ prob: Prob.default(0.3), range: Range.default([0.7, 1.5]) })
    .nullable()
    .prefault({}),
  /** Multiply intensities. */
  brightness: z
    .strictObject({ prob: Prob.default(0.15), range: Range.default([0.75, 1.25]) })
    .nullable()
    .prefault({}),
  /** Scale around the patch mean, clipped to the patch's original range. */
  contrast: z
    .strictObject({ prob: Prob.default(0.15), range: Range.default([0.75, 1.25]) })
    .nullable()
    .prefault({}),
  /** Additive Gaussian noise, σ uniform in [0, maxStd]. */
  noise: z
    .strictObject({ prob: Prob.default(0.1), maxStd: z.number().nonnegative().default(0.1) })
    .nullable()
    .prefault({}),
  /** Gaussian blur, σ in voxels uniform in `sigma`. */
  blur: z
    .strictObject({ prob: Prob.default(0.2), sigma: Range.default([0.5, 1]) })
    .nullable()
    .prefault({}),
  /** Low-resolution simulation: down by a zoom in `zoom` (nearest), back up (linear). */
  lowres: z
    .strictObject({ prob: Prob.default(0.25), zoom: Range.default([0.5, 1]) })
    .nullable()
    .prefault({}),
  /**
   * A short scan: outside an axial slab of `extentMm` holding the patch centre, the image is the pad
   * value and the labels background. Off unless given (`{}` leaves it off).
   */
  fieldOfView: z
    .strictObject({
      prob: Prob.default(0.3),
      extentMm: Range.refine((r) => r[0] > 0, 'expected extents above 0 mm').default([60, 160]),
    })
    .nullable()
    .default(null),
});

export type AugmentConfig = z.infer<typeof AugmentSchema>;
