/**
 * The canonical voxel order. kitseg works internally on arrays `[D, H, W]` (W fastest) whose axes
 * run along world +z (superior), +y (anterior) and +x (right) — the RAS+ orientation of nibabel's
 * `as_closest_canonical`, laid out so that D is the axial slice axis. A file is brought there by an
 * axis permutation plus flips (no resampling), and any array on the canonical grid goes back to
 * exactly the file's shape and affine with `fromCanonical`. Spacing follows the axes.
 *
 * KiTS19's original files (slice axis first, e.g. 611 × 512 × 512 with a permuted affine), its
 * "interpolated" variant and ordinary RAS/LPS files all land on the same canonical layout.
 */
import { ShapeError } from '../core/errors.js';
import type { Affine, Shape3D, Spacing3D } from '../core/types.js';
import type { Mat4 } from './affine.js';
import { spacingFromAffine } from './affine.js';
import type { VoxelArray } from './voxels.js';

/** How file voxel axes map onto the canonical world axes x, y, z. */
export interface Orientation {
  /** `fileAxis[c]`: the file voxel axis (0 = i, 1 = j, 2 = k) that runs along world axis c (0 = x, 1 = y, 2 = z). */
  readonly fileAxis: readonly [number, number, number];
  /** `flip[c]`: whether that file axis points along −c (so it is reversed). */
  readonly flip: readonly [boolean, boolean, boolean];
  /** File shape `[ni, nj, nk]`. */
  readonly fileShape: readonly [number, number, number];
}

/** Orientation code of an affine, one letter per voxel axis (nibabel `aff2axcodes`): e.g. "RAS", "LPS". */
export function axisCodes(affine: Affine): string {
  const letters = [
    ['L', 'R'],
    ['P', 'A'],
    ['I', 'S'],
  ];
  return orientationOf(affine, [1, 1, 1])
    .fileAxisToWorld.map(([w, sign]) => letters[w]![sign > 0 ? 1 : 0])
    .join('');
}

/**
 * For each file axis, the world axis it runs closest to and the direction, choosing a permutation
 * (greedily by the largest remaining component) so that every world axis is used exactly once.
 */
function orientationOf(
  affine: Affine,
  fileShape: readonly [number, number, number],
): { fileAxisToWorld: [number, number][]; orientation: Orientation } {
  const cells: { f: number; w: number; v: number }[] = [];
  for (let f = 0; f < 3; f++) for (let w = 0; w < 3; w++) cells.push({ f, w, v: affine[w]![f]! });
  cells.sort((a, b) => Math.abs(b.v) - Math.abs(a.v));
  const fileAxisToWorld: [number, number][] = [
    [-1, 1],
    [-1, 1],
    [-1, 1],
  ];
  const usedW = new Set<number>();
  const usedF = new Set<number>();
  for (const { f, w, v } of cells) {
    if (usedF.has(f) || usedW.has(w)) continue;
    fileAxisToWorld[f] = [w, v < 0 ? -1 : 1];
    usedF.add(f);
    usedW.add(w);
  }
  const fileAxis = [0, 0, 0] as [number, number, number];
  const flip = [false, false, false] as [boolean, boolean, boolean];
  fileAxisToWorld.forEach(([w, sign], f) => {
    fileAxis[w] = f;
    flip[w] = sign < 0;
  });
  return { fileAxisToWorld, orientation: { fileAxis, flip, fileShape } };
}

/** The orientation that brings a file with this affine and shape to canonical order. */
export function orientationFor(affine: Affine, fileShape: readonly [number, number, number]): Orientation {
  return orientationOf(affine, fileShape).orientation;
}

/** Canonical shape `[D, H, W]` (= world z, y, x extents) of an oriented file. */
export function canonicalShape(o: Orientation): Shape3D {
  const n = (c: number) => o.fileShape[o.fileAxis[c]!]!;
  return [n(2), n(1), n(0)];
}

/** Canonical spacing `[D, H, W]` in mm. */
export function canonicalSpacing(o: Orientation, affine: Affine): Spacing3D {
  const s = spacingFromAffine(affine);
  return [s[o.fileAxis[2]!]!, s[o.fileAxis[1]!]!, s[o.fileAxis[0]!]!];
}

/**
 * The affine of the canonical grid: canonical voxel (x, y, z) = (w, h, d) maps to the same world
 * point as the file voxel it came from.
 */
export function canonicalAffine(o: Orientation, affine: Affine): Mat4 {
  const out: Mat4 = [
    [0, 0, 0, affine[0]![3]!],
    [0, 0, 0, affine[1]![3]!],
    [0, 0, 0, affine[2]![3]!],
    [0, 0, 0, 1],
  ];
  for (let c = 0; c < 3; c++) {
    const f = o.fileAxis[c]!;
    const sign = o.flip[c] ? -1 : 1;
    const last = o.fileShape[f]! - 1;
    for (let r = 0; r < 3; r++) {
      out[r]![c] = sign * affine[r]![f]!;
      if (o.flip[c]) out[r]![3] = out[r]![3]! + affine[r]![f]! * last;
    }
  }
  return out;
}

/** File-order offsets: start index and step along each canonical axis x, y, z. */
function strides(o: Orientation): { start: number; step: [number, number, number] } {
  const [ni, nj] = o.fileShape;
  const fileStride = [1, ni, ni * nj];
  let start = 0;
  const step = [0, 0, 0] as [number, number, number];
  for (let c = 0; c < 3; c++) {
    const f = o.fileAxis[c]!;
    step[c] = o.flip[c] ? -fileStride[f]! : fileStride[f]!;
    if (o.flip[c]) start += fileStride[f]! * (o.fileShape[f]! - 1);
  }
  return { start, step };
}

function permute<T extends VoxelArray>(src: T, o: Orientation, toCanonical: boolean): T {
  const n = src.length;
  const expected = o.fileShape[0] * o.fileShape[1] * o.fileShape[2];
  if (n !== expected) {
    throw new ShapeError(toCanonical ? 'toCanonical' : 'fromCanonical', `${expected} voxels`, `${n}`);
  }
  const { start, step } = strides(o);
  if (start === 0 && step[0] === 1 && step[1] === o.fileShape[0]) return src.slice() as T;
  const out = new (src.constructor as new (n: number) => T)(n);
  const [D, H, W] = canonicalShape(o);
  let c = 0;
  for (let z = 0; z < D; z++) {
    const fz = start + z * step[2];
    for (let y = 0; y < H; y++) {
      let f = fz + y * step[1];
      if (toCanonical) for (let x = 0; x < W; x++, f += step[0]) out[c++] = src[f]!;
      else for (let x = 0; x < W; x++, f += step[0]) out[f] = src[c++]!;
    }
  }
  return out;
}

/** The file-order index of canonical voxel `i`, for writing straight into a file-order array. */
export function canonicalToFileIndex(o: Orientation): (i: number) => number {
  const { start, step } = strides(o);
  const [, H, W] = canonicalShape(o);
  const HW = H * W;
  return (i) => {
    const z = Math.floor(i / HW);
    const r = i - z * HW;
    const y = Math.floor(r / W);
    return start + (r - y * W) * step[0] + y * step[1] + z * step[2];
  };
}

/** File-order voxels → canonical `[D, H, W]` voxels (a new array). */
export function toCanonical<T extends VoxelArray>(fileData: T, o: Orientation): T {
  return permute(fileData, o, true);
}

/** Canonical `[D, H, W]` voxels → file-order voxels of the original file's shape (a new array). */
export function fromCanonical<T extends VoxelArray>(canonical: T, o: Orientation): T {
  return permute(canonical, o, false);
}

/**
 * The file affine for a given orientation, inverse of `canonicalAffine`: writing canonical data
 * with `fromCanonical(data, o)` and this affine describes the same world grid.
 */
export function fileAffineFor(o: Orientation, canonical: Affine): Mat4 {
  const out: Mat4 = [
    [0, 0, 0, canonical[0]![3]!],
    [0, 0, 0, canonical[1]![3]!],
    [0, 0, 0, canonical[2]![3]!],
    [0, 0, 0, 1],
  ];
  for (let c = 0; c < 3; c++) {
    const f = o.fileAxis[c]!;
    const n = o.fileShape[f]!;
    for (let r = 0; r < 3; r++) {
      out[r]![f] = o.flip[c] ? -canonical[r]![c]! : canonical[r]![c]!;
      if (o.flip[c]) out[r]![3] = out[r]![3]! + canonical[r]![c]! * (n - 1);
    }
  }
  return out;
}
