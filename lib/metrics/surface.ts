/**
 * Surface metrics in physical units: the 95th-percentile Hausdorff distance and the surface Dice
 * at a tolerance (Nikolov et al.), computed on boundary voxels with exact Euclidean distances on
 * the anisotropic grid; plus voxel sensitivity and precision.
 *
 * Conventions (documented in the README):
 * - a boundary voxel is a mask voxel with a 6-neighbour outside the mask or outside the volume;
 * - surface elements are boundary voxels, each counted once (not area-weighted);
 * - HD95 = max of the two directed 95th percentiles (as MONAI); null when exactly one mask is
 *   empty (undefined), 0 when both are;
 * - surface Dice: 1 when both are empty, 0 when exactly one is;
 * - sensitivity is null when the reference is empty, precision when the prediction is.
 */
import type { Shape3D, Spacing3D } from '../core/types.js';
import { squaredDistanceTo } from '../ops/edt.js';

/** Boundary voxel indices of `mask`. */
export function boundaryVoxels(mask: Uint8Array, shape: Shape3D): Int32Array {
  const [D, H, W] = shape;
  const out: number[] = [];
  for (let d = 0; d < D; d++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++) {
        const i = (d * H + h) * W + w;
        if (mask[i] === 0) continue;
        if (
          d === 0 ||
          d === D - 1 ||
          h === 0 ||
          h === H - 1 ||
          w === 0 ||
          w === W - 1 ||
          mask[i - H * W] === 0 ||
          mask[i + H * W] === 0 ||
          mask[i - W] === 0 ||
          mask[i + W] === 0 ||
          mask[i - 1] === 0 ||
          mask[i + 1] === 0
        )
          out.push(i);
      }
  return Int32Array.from(out);
}

/** Distances (mm) from each boundary voxel of `a` to the nearest boundary voxel of `b`. */
function directed(aSurf: Int32Array, bSurf: Int32Array, shape: Shape3D, spacingMm: Spacing3D): Float64Array {
  const isB = new Uint8Array(shape[0] * shape[1] * shape[2]);
  for (const i of bSurf) isB[i] = 1;
  const d2 = squaredDistanceTo((i) => isB[i] === 1, shape, spacingMm);
  return Float64Array.from(aSurf, (i) => Math.sqrt(d2[i]!));
}

/** The q-th percentile (0–100) with linear interpolation (numpy's default). */
export function percentile(values: Float64Array, q: number): number {
  const s = Float64Array.from(values).sort();
  if (s.length === 0) return NaN;
  const pos = ((s.length - 1) * q) / 100;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

export interface SurfaceMetrics {
  readonly hd95: number | null;
  readonly surfaceDice: number;
  readonly sensitivity: number | null;
  readonly precision: number | null;
}

/** HD95, surface Dice at `toleranceMm`, sensitivity and precision of binary masks. */
export function surfaceMetrics(
  pred: Uint8Array,
  ref: Uint8Array,
  shape: Shape3D,
  spacingMm: Spacing3D,
  toleranceMm: number,
): SurfaceMetrics {
  let tp = 0;
  let np = 0;
  let nr = 0;
  for (let i = 0; i < ref.length; i++) {
    np += pred[i]!;
    nr += ref[i]!;
    tp += pred[i]! & ref[i]!;
  }
  const sensitivity = nr === 0 ? null : tp / nr;
  const precision = np === 0 ? null : tp / np;
  if (np === 0 && nr === 0) return { hd95: 0, surfaceDice: 1, sensitivity, precision };
  if (np === 0 || nr === 0) return { hd95: null, surfaceDice: 0, sensitivity, precision };
  const sp = boundaryVoxels(pred, shape);
  const sr = boundaryVoxels(ref, shape);
  const dpr = directed(sp, sr, shape, spacingMm);
  const drp = directed(sr, sp, shape, spacingMm);
  const hd95 = Math.max(percentile(dpr, 95), percentile(drp, 95));
  let within = 0;
  for (const v of dpr) if (v <= toleranceMm) within++;
  for (const v of drp) if (v <= toleranceMm) within++;
  return { hd95, surfaceDice: within / (sp.length + sr.length), sensitivity, precision };
}
