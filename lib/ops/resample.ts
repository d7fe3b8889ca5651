/**
 * Nearest-neighbour resampling of canonical `[D, H, W]` volumes to a new spacing, keeping the
 * physical extent: new voxel j samples old continuous index (j + ½)·s_new/s_old − ½. Labels stay
 * exactly the given label values.
 */
import type { Affine, Shape3D, Spacing3D } from '../core/types.js';
import type { Mat4 } from '../io/affine.js';
import type { VoxelArray } from '../io/voxels.js';

export interface Resampled<T extends VoxelArray> {
  readonly data: T;
  readonly shape: Shape3D;
  /** Canonical affine of the new grid (same world extent). */
  readonly affine: Mat4;
}

export function resampleNearest<T extends VoxelArray>(
  data: T,
  shape: Shape3D,
  spacingMm: Spacing3D,
  affine: Affine,
  newSpacingMm: Spacing3D,
): Resampled<T> {
  const ratio = [0, 1, 2].map((a) => newSpacingMm[a]! / spacingMm[a]!);
  const ns = [0, 1, 2].map((a) => Math.max(1, Math.round(shape[a]! / ratio[a]!))) as [number, number, number];
  const maps = [0, 1, 2].map((a) =>
    Int32Array.from({ length: ns[a]! }, (_, j) =>
      Math.min(shape[a]! - 1, Math.max(0, Math.round((j + 0.5) * ratio[a]! - 0.5))),
    ),
  );
  const [, H, W] = shape;
  const out = new (data.constructor as new (n: number) => T)(ns[0] * ns[1] * ns[2]);
  let o = 0;
  for (let d = 0; d < ns[0]; d++) {
    const zd = maps[0]![d]! * H;
    for (let h = 0; h < ns[1]; h++) {
      const row = (zd + maps[1]![h]!) * W;
      for (let w = 0; w < ns[2]; w++) out[o++] = data[row + maps[2]![w]!]!;
    }
  }
  // Canonical affine column c scales axis W, H, D for c = 0, 1, 2; the first centre moves by (r − 1)/2 voxels.
  const scale = [ratio[2]!, ratio[1]!, ratio[0]!];
  const m = affine.map((r) => [...r]) as Mat4;
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) {
      m[r]![3] = m[r]![3]! + affine[r]![c]! * ((scale[c]! - 1) / 2);
      m[r]![c] = affine[r]![c]! * scale[c]!;
    }
  }
  return { data: out, shape: ns, affine: m };
}
