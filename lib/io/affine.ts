/**
 * Affine helpers: NIfTI qform quaternions ↔ 4 × 4 matrices (the NIfTI-1 reference algorithm, as
 * nibabel implements it), voxel spacing from an affine, and comparisons.
 */
import type { Affine } from '../core/types.js';

export type Mat4 = [number, number, number, number][];

/** The 4 × 4 identity scaled by `spacing` on the diagonal, with `origin` as translation. */
export function diagonalAffine(spacing: readonly number[], origin: readonly number[] = [0, 0, 0]): Mat4 {
  return [
    [spacing[0]!, 0, 0, origin[0]!],
    [0, spacing[1]!, 0, origin[1]!],
    [0, 0, spacing[2]!, origin[2]!],
    [0, 0, 0, 1],
  ];
}

/** qform parameters → affine (NIfTI-1 `quatern_to_mat44`). */
export function quaternToAffine(
  b: number,
  c: number,
  d: number,
  offset: readonly [number, number, number],
  pixdim: readonly [number, number, number],
  qfac: number,
): Mat4 {
  let a = 1 - (b * b + c * c + d * d);
  if (a < 1e-7) {
    const s = 1 / Math.sqrt(b * b + c * c + d * d);
    b *= s;
    c *= s;
    d *= s;
    a = 0;
  } else a = Math.sqrt(a);
  const R = [
    [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
    [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
    [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
  ];
  const [dx, dy, dz] = pixdim;
  const zs = qfac < 0 ? -dz : dz;
  return [0, 1, 2]
    .map(
      (r) => [R[r]![0]! * dx, R[r]![1]! * dy, R[r]![2]! * zs, offset[r]!] as [number, number, number, number],
    )
    .concat([[0, 0, 0, 1]]);
}

/** Affine → qform parameters (NIfTI-1 `mat44_to_quatern`), for writing the qform beside the sform. */
export function affineToQuatern(m: Affine): {
  b: number;
  c: number;
  d: number;
  qfac: number;
  pixdim: [number, number, number];
} {
  const col = (j: number) => [m[0]![j]!, m[1]![j]!, m[2]![j]!];
  const norm = (v: number[]) => Math.hypot(v[0]!, v[1]!, v[2]!) || 1;
  const cols = [col(0), col(1), col(2)];
  const pixdim = cols.map(norm) as [number, number, number];
  const R = cols.map((v, j) => v.map((x) => x / pixdim[j]!));
  const det =
    R[0]![0]! * (R[1]![1]! * R[2]![2]! - R[1]![2]! * R[2]![1]!) -
    R[1]![0]! * (R[0]![1]! * R[2]![2]! - R[0]![2]! * R[2]![1]!) +
    R[2]![0]! * (R[0]![1]! * R[1]![2]! - R[0]![2]! * R[1]![1]!);
  const qfac = det < 0 ? -1 : 1;
  if (qfac < 0) R[2] = R[2]!.map((x) => -x);
  // r(i,j) = row i, column j of the rotation; R holds columns.
  const r = (i: number, j: number) => R[j - 1]![i - 1]!;
  let a = r(1, 1) + r(2, 2) + r(3, 3) + 1;
  let b: number, c: number, d: number;
  if (a > 0.5) {
    a = 0.5 * Math.sqrt(a);
    b = (0.25 * (r(3, 2) - r(2, 3))) / a;
    c = (0.25 * (r(1, 3) - r(3, 1))) / a;
    d = (0.25 * (r(2, 1) - r(1, 2))) / a;
  } else {
    const xd = 1 + r(1, 1) - (r(2, 2) + r(3, 3));
    const yd = 1 + r(2, 2) - (r(1, 1) + r(3, 3));
    const zd = 1 + r(3, 3) - (r(1, 1) + r(2, 2));
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd);
      c = (0.25 * (r(1, 2) + r(2, 1))) / b;
      d = (0.25 * (r(1, 3) + r(3, 1))) / b;
      a = (0.25 * (r(3, 2) - r(2, 3))) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd);
      b = (0.25 * (r(1, 2) + r(2, 1))) / c;
      d = (0.25 * (r(2, 3) + r(3, 2))) / c;
      a = (0.25 * (r(1, 3) - r(3, 1))) / c;
    } else {
      d = 0.5 * Math.sqrt(zd);
      b = (0.25 * (r(1, 3) + r(3, 1))) / d;
      c = (0.25 * (r(2, 3) + r(3, 2))) / d;
      a = (0.25 * (r(2, 1) - r(1, 2))) / d;
    }
    if (a < 0) {
      b = -b;
      c = -c;
      d = -d;
    }
  }
  return { b, c, d, qfac, pixdim };
}

/** Spacing of the three voxel axes in mm: the norms of the affine's first three columns. */
export function spacingFromAffine(m: Affine): [number, number, number] {
  return [0, 1, 2].map((j) => Math.hypot(m[0]![j]!, m[1]![j]!, m[2]![j]!)) as [number, number, number];
}

/** Whether two affines agree to `tol` mm in every entry (ITK's default direction tolerance scale). */
export function affinesClose(a: Affine, b: Affine, tol = 1e-4): boolean {
  for (let r = 0; r < 4; r++)
    // Written so that NaN compares as different.
    for (let c = 0; c < 4; c++) if (!(Math.abs(a[r]![c]! - b[r]![c]!) <= tol)) return false;
  return true;
}

/** Rounds every entry to float32, as a NIfTI header stores it. */
export function toFloat32Affine(m: Affine): Mat4 {
  return m.map((row) => row.map((v) => Math.fround(v))) as Mat4;
}
