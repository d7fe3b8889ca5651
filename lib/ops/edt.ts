/**
 * Exact squared Euclidean distance transform in mm² on `[D, H, W]` grids with anisotropic
 * spacing (Felzenszwalb & Huttenlocher: a lower envelope of parabolas per line, one pass per axis).
 * Used for surface distances, where the chamfer approximation in `distance.ts` is not exact enough.
 */
import type { Shape3D, Spacing3D } from '../core/types.js';

/** One line: `f` sampled at stride `stride` from `base`, `n` long, axis spacing `s` → in place. */
function line(
  a: Float64Array,
  base: number,
  stride: number,
  n: number,
  s2: number,
  f: Float64Array,
  v: Int32Array,
  z: Float64Array,
): void {
  for (let i = 0; i < n; i++) f[i] = a[base + i * stride]!;
  let k = -1;
  for (let q = 0; q < n; q++) {
    if (f[q] === Infinity) continue;
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = -Infinity;
      z[1] = Infinity;
      continue;
    }
    let sIntersect = 0;
    for (;;) {
      const p = v[k]!;
      sIntersect = (f[q]! + s2 * q * q - (f[p]! + s2 * p * p)) / (2 * s2 * (q - p));
      if (sIntersect <= z[k]! && k > 0) k--;
      else break;
    }
    if (sIntersect <= z[k]!) {
      // k === 0 and the new parabola dominates the only one kept.
      v[0] = q;
      z[0] = -Infinity;
      z[1] = Infinity;
      continue;
    }
    k++;
    v[k] = q;
    z[k] = sIntersect;
    z[k + 1] = Infinity;
  }
  if (k < 0) return; // no finite value on this line: stays infinite
  let j = 0;
  for (let q = 0; q < n; q++) {
    while (z[j + 1]! < q) j++;
    const p = v[j]!;
    a[base + q * stride] = s2 * (q - p) * (q - p) + f[p]!;
  }
}

/**
 * Squared distance (mm²) from every voxel to the nearest voxel where `seed(i)` holds; Infinity
 * everywhere when there is no seed.
 */
export function squaredDistanceTo(
  seed: (i: number) => boolean,
  shape: Shape3D,
  spacingMm: Spacing3D,
): Float64Array {
  const [D, H, W] = shape;
  const a = new Float64Array(D * H * W);
  for (let i = 0; i < a.length; i++) a[i] = seed(i) ? 0 : Infinity;
  const m = Math.max(D, H, W);
  const f = new Float64Array(m);
  const v = new Int32Array(m);
  const z = new Float64Array(m + 1);
  for (let d = 0; d < D; d++)
    for (let h = 0; h < H; h++) line(a, (d * H + h) * W, 1, W, spacingMm[2] ** 2, f, v, z);
  for (let d = 0; d < D; d++)
    for (let w = 0; w < W; w++) line(a, d * H * W + w, W, H, spacingMm[1] ** 2, f, v, z);
  for (let h = 0; h < H; h++)
    for (let w = 0; w < W; w++) line(a, h * W + w, H * W, D, spacingMm[0] ** 2, f, v, z);
  return a;
}
