/**
 * One preprocessing pipeline for every consumer: a region of a case (the body box for training and
 * stage 1, a kidney box for a cascade stage 2) is cropped, brought to the plan's grid (resampled to
 * its spacing, or resized to a fixed shape for the detection cascade), and normalised; masks that
 * travel with it (labels, a spatial prior, a reference) are cropped and resampled nearest. Training,
 * inference, detection and export all call `preprocessRegion`, so they cannot drift apart.
 */
import type { Shape3D, Spacing3D } from '../core/types.js';
import { boxShape, type Box } from '../ops/crop.js';
import { normalize, type Normalization } from '../transforms/intensity.js';
import { resampleBox, resampledSize, type Interpolation } from '../transforms/resample.js';

/** A canonical `[D, H, W]` image in HU with its spacing. */
export interface RegionSource {
  readonly data: ArrayLike<number>;
  readonly shape: Shape3D;
  readonly spacingMm: Spacing3D;
}

/** What the pipeline needs of a plan. */
export interface GridPlan {
  readonly spacingMm: Spacing3D;
  readonly normalization: Normalization;
}

export interface RegionOptions {
  readonly interpolation: Interpolation;
  /** Resize the region to this shape instead of resampling it to the plan's spacing. */
  readonly resizeTo?: Shape3D | null;
  /** Label maps or masks on the source grid, resampled nearest along with the image. */
  readonly masks?: readonly ArrayLike<number>[];
}

export interface PreprocessedRegion {
  /** Normalised image on the network's grid. */
  readonly image: Float32Array;
  readonly shape: Shape3D;
  /** The normalised image's minimum: the value patches are padded with beyond the region. */
  readonly pad: number;
  /** `opts.masks`, in order, on the same grid. */
  readonly masks: Float32Array[];
}

/** The shape `box` of a `spacingMm` image takes on the plan's grid. */
export function regionGrid(
  box: Box,
  spacingMm: Spacing3D,
  plan: GridPlan,
  resizeTo: Shape3D | null = null,
): Shape3D {
  const shape = boxShape(box);
  if (resizeTo !== null) return resizeTo;
  return [0, 1, 2].map((a) =>
    resampledSize(shape[a]!, spacingMm[a]!, plan.spacingMm[a]!),
  ) as unknown as Shape3D;
}

/** A mask on `src`'s grid brought to the grid `preprocessRegion` gives `box` (nearest). */
export function regionMask(
  src: Omit<RegionSource, 'data'>,
  box: Box,
  plan: GridPlan,
  mask: ArrayLike<number>,
): Float32Array {
  return resampleBox(mask, src.shape, box, regionGrid(box, src.spacingMm, plan), 'nearest').data;
}

/** Crops `box` of `src`, brings it to the plan's grid and normalises it. */
export function preprocessRegion(
  src: RegionSource,
  box: Box,
  plan: GridPlan,
  opts: RegionOptions,
): PreprocessedRegion {
  const grid = regionGrid(box, src.spacingMm, plan, opts.resizeTo ?? null);
  // Cropped while resampled: a body box of a 600-slice CT is never copied at full resolution.
  const toGrid = (data: ArrayLike<number>, mode: Interpolation) =>
    resampleBox(data, src.shape, box, grid, mode).data;
  const image = normalize(toGrid(src.data, opts.interpolation), plan.normalization);
  let pad = Infinity;
  for (let i = 0; i < image.length; i++) if (image[i]! < pad) pad = image[i]!;
  const masks = (opts.masks ?? []).map((m) => toGrid(m, 'nearest'));
  return { image, shape: grid, pad, masks };
}
