/**
 * Surface metrics in physical units: the 95th-percentile Hausdorff distance and the surface Dice
 * at a tolerance (Nikolov et al.), with exact Euclidean distances on the anisotropic grid; plus
 * voxel sensitivity and precision. Two definitions of the surface (documented in the README):
 *
 * - `area` (default; the KiTS21/23 evaluation, DeepMind's surface-distance): the surface elements
 *   are the marching-cubes triangles of every 2×2×2 neighbourhood that is neither all inside nor
 *   all outside, each weighted by its area in mm². Surface Dice is the area within tolerance over
 *   the total area; HD95 is the area-weighted 95th percentile of each direction, the larger kept.
 * - `voxel`: a surface element is a boundary voxel (a mask voxel with a 6-neighbour outside the
 *   mask or the volume), each counted once; HD95 is the max of the two directed 95th percentiles
 *   with linear interpolation (MONAI).
 *
 * Both: HD95 is null when exactly one mask is empty, 0 when both are; surface Dice is 1 when both
 * are empty, 0 when exactly one is; sensitivity is null when the reference is empty, precision when
 * the prediction is.
 */
import type { EvaluationConfig } from '../config/schema/inference.js';
import type { Shape3D, Spacing3D } from '../core/types.js';
import { squaredDistanceTo } from '../ops/edt.js';
import { SURFEL_NORMALS_X8 } from './surfel-table.js';

export type SurfaceDefinition = EvaluationConfig['surface'];

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

function overlapCounts(pred: Uint8Array, ref: Uint8Array): { tp: number; np: number; nr: number } {
  let tp = 0;
  let np = 0;
  let nr = 0;
  for (let i = 0; i < ref.length; i++) {
    np += pred[i]!;
    nr += ref[i]!;
    tp += pred[i]! & ref[i]!;
  }
  return { tp, np, nr };
}

/** HD95, surface Dice at `toleranceMm`, sensitivity and precision of binary masks. */
export function surfaceMetrics(
  pred: Uint8Array,
  ref: Uint8Array,
  shape: Shape3D,
  spacingMm: Spacing3D,
  toleranceMm: number,
  definition: SurfaceDefinition = 'area',
): SurfaceMetrics {
  const { tp, np, nr } = overlapCounts(pred, ref);
  const sensitivity = nr === 0 ? null : tp / nr;
  const precision = np === 0 ? null : tp / np;
  if (np === 0 && nr === 0) return { hd95: 0, surfaceDice: 1, sensitivity, precision };
  if (np === 0 || nr === 0) return { hd95: null, surfaceDice: 0, sensitivity, precision };
  const d =
    definition === 'area'
      ? areaSurface(pred, ref, shape, spacingMm, toleranceMm)
      : voxelSurface(pred, ref, shape, spacingMm, toleranceMm);
  return { ...d, sensitivity, precision };
}

function voxelSurface(
  pred: Uint8Array,
  ref: Uint8Array,
  shape: Shape3D,
  spacingMm: Spacing3D,
  toleranceMm: number,
): { hd95: number; surfaceDice: number } {
  const sp = boundaryVoxels(pred, shape);
  const sr = boundaryVoxels(ref, shape);
  const dpr = directed(sp, sr, shape, spacingMm);
  const drp = directed(sr, sp, shape, spacingMm);
  const hd95 = Math.max(percentile(dpr, 95), percentile(drp, 95));
  let within = 0;
  for (const v of dpr) if (v <= toleranceMm) within++;
  for (const v of drp) if (v <= toleranceMm) within++;
  return { hd95, surfaceDice: within / (sp.length + sr.length) };
}

/** Area (mm²) of each 2×2×2 configuration's surface triangles at `spacingMm`. */
export function surfelAreas(spacingMm: Spacing3D): Float64Array {
  const [s0, s1, s2] = spacingMm;
  // An area vector scales by the cofactors of diag(spacing): (s1·s2, s0·s2, s0·s1).
  const w0 = (s1 * s2) / 8;
  const w1 = (s0 * s2) / 8;
  const w2 = (s0 * s1) / 8;
  return Float64Array.from(SURFEL_NORMALS_X8, (tris) => {
    let a = 0;
    for (const [x, y, z] of tris) a += Math.sqrt((x * w0) ** 2 + (y * w1) ** 2 + (z * w2) ** 2);
    return a;
  });
}

/** The union's bounding box [lo, hi) of two masks; both are non-empty here. */
function unionBox(a: Uint8Array, b: Uint8Array, shape: Shape3D): { lo: number[]; hi: number[] } {
  const [, H, W] = shape;
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-1, -1, -1];
  for (let i = 0; i < a.length; i++) {
    if ((a[i]! | b[i]!) === 0) continue;
    const p = [Math.floor(i / (H * W)), Math.floor(i / W) % H, i % W];
    for (let k = 0; k < 3; k++) {
      lo[k] = Math.min(lo[k]!, p[k]!);
      hi[k] = Math.max(hi[k]!, p[k]! + 1);
    }
  }
  return { lo, hi };
}

/**
 * Configuration code of every 2×2×2 neighbourhood on the lattice `L = hi − lo + 1`: lattice point
 * (i, j, k) covers voxels lo + (i−1 … i, j−1 … j, k−1 … k), voxels outside the box or the volume
 * counting as outside. Corner (a, b, c) carries bit 128 >> (4a + 2b + c).
 */
function neighbourCodes(mask: Uint8Array, shape: Shape3D, lo: number[], L: Shape3D): Uint8Array {
  const [, H, W] = shape;
  const [L0, L1, L2] = L;
  const codes = new Uint8Array(L0 * L1 * L2);
  for (let v0 = 0; v0 < L0 - 1; v0++)
    for (let v1 = 0; v1 < L1 - 1; v1++)
      for (let v2 = 0; v2 < L2 - 1; v2++) {
        if (mask[((lo[0]! + v0) * H + lo[1]! + v1) * W + lo[2]! + v2] === 0) continue;
        // Voxel v is corner (a, b, c) of lattice point v + 1 − (a, b, c).
        for (let a = 0; a < 2; a++)
          for (let b = 0; b < 2; b++)
            for (let c = 0; c < 2; c++) {
              const j = ((v0 + 1 - a) * L1 + v1 + 1 - b) * L2 + v2 + 1 - c;
              codes[j] = codes[j]! | (128 >> (4 * a + 2 * b + c));
            }
      }
  return codes;
}

/** The lattice points whose neighbourhood holds surface, and its area there. */
function surfels(codes: Uint8Array, areas: Float64Array): { index: Int32Array; area: Float64Array } {
  const index: number[] = [];
  for (let i = 0; i < codes.length; i++) if (codes[i] !== 0 && codes[i] !== 255) index.push(i);
  return { index: Int32Array.from(index), area: Float64Array.from(index, (i) => areas[codes[i]!]!) };
}

/** The area-weighted q-th percentile: the smallest distance whose cumulative area share reaches q. */
export function weightedPercentile(dist: Float64Array, area: Float64Array, q: number): number {
  const order = Array.from(dist.keys()).sort((x, y) => dist[x]! - dist[y]!);
  let total = 0;
  for (const a of area) total += a;
  let cum = 0;
  for (const i of order) {
    cum += area[i]!;
    if (cum / total >= q / 100) return dist[i]!;
  }
  return dist[order[order.length - 1]!]!;
}

function areaSurface(
  pred: Uint8Array,
  ref: Uint8Array,
  shape: Shape3D,
  spacingMm: Spacing3D,
  toleranceMm: number,
): { hd95: number; surfaceDice: number } {
  const { lo, hi } = unionBox(pred, ref, shape);
  const L: Shape3D = [hi[0]! - lo[0]! + 1, hi[1]! - lo[1]! + 1, hi[2]! - lo[2]! + 1];
  const areas = surfelAreas(spacingMm);
  const cp = neighbourCodes(pred, shape, lo, L);
  const cr = neighbourCodes(ref, shape, lo, L);
  const sp = surfels(cp, areas);
  const sr = surfels(cr, areas);
  const isSurface = (c: Uint8Array) => (i: number) => c[i] !== 0 && c[i] !== 255;
  const toRef = squaredDistanceTo(isSurface(cr), L, spacingMm);
  const toPred = squaredDistanceTo(isSurface(cp), L, spacingMm);
  const dpr = Float64Array.from(sp.index, (i) => Math.sqrt(toRef[i]!));
  const drp = Float64Array.from(sr.index, (i) => Math.sqrt(toPred[i]!));
  let within = 0;
  let total = 0;
  for (const [d, s] of [
    [dpr, sp],
    [drp, sr],
  ] as const)
    for (let k = 0; k < d.length; k++) {
      total += s.area[k]!;
      if (d[k]! <= toleranceMm) within += s.area[k]!;
    }
  const hd95 = Math.max(weightedPercentile(dpr, sp.area, 95), weightedPercentile(drp, sr.area, 95));
  return { hd95, surfaceDice: within / total };
}
