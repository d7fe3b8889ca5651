/**
 * Resampling canonical `[D, H, W]` volumes to a new spacing, separably along each axis, keeping
 * the physical extent (new voxel j samples old continuous index (j + ½)·s_new/s_old − ½, edges
 * clamped). Images: linear or cubic (Keys, a = −½) interpolation; labels: nearest neighbour, so
 * label values stay exactly the given set.
 */
import type { Shape3D, Spacing3D } from '../core/types.js';

export type Interpolation = 'nearest' | 'linear' | 'cubic';

/** Output size along one axis for a spacing change. */
export function resampledSize(n: number, from: number, to: number): number {
  return Math.max(1, Math.round((n * from) / to));
}

/** Source sample positions (continuous old indices) of the `m` new voxels. */
function positions(n: number, m: number): Float64Array {
  const r = n / m;
  return Float64Array.from({ length: m }, (_, j) => Math.min(Math.max((j + 0.5) * r - 0.5, 0), n - 1));
}

/** Keys cubic kernel with a = −0.5 (Catmull–Rom). */
function cubicWeight(t: number): number {
  const a = -0.5;
  const x = Math.abs(t);
  if (x <= 1) return (a + 2) * x ** 3 - (a + 3) * x ** 2 + 1;
  if (x < 2) return a * x ** 3 - 5 * a * x ** 2 + 8 * a * x - 4 * a;
  return 0;
}

/** Taps (indices, weights) of each output position along one axis. */
function taps(n: number, m: number, mode: Interpolation): { idx: Int32Array; w: Float64Array; k: number } {
  const pos = positions(n, m);
  const k = mode === 'nearest' ? 1 : mode === 'linear' ? 2 : 4;
  const idx = new Int32Array(m * k);
  const w = new Float64Array(m * k);
  const clamp = (i: number) => Math.min(Math.max(i, 0), n - 1);
  for (let j = 0; j < m; j++) {
    const p = pos[j]!;
    if (mode === 'nearest') {
      idx[j] = clamp(Math.round(p));
      w[j] = 1;
    } else if (mode === 'linear') {
      const i0 = Math.floor(p);
      const t = p - i0;
      idx[2 * j] = clamp(i0);
      idx[2 * j + 1] = clamp(i0 + 1);
      w[2 * j] = 1 - t;
      w[2 * j + 1] = t;
    } else {
      const i0 = Math.floor(p);
      const t = p - i0;
      for (let q = 0; q < 4; q++) {
        idx[4 * j + q] = clamp(i0 - 1 + q);
        w[4 * j + q] = cubicWeight(t - (q - 1));
      }
    }
  }
  return { idx, w, k };
}

/** Resamples along one axis (0 = D, 1 = H, 2 = W) of a `[D, H, W]` array. */
function resampleAxis(
  src: Float32Array,
  shape: Shape3D,
  axis: number,
  m: number,
  mode: Interpolation,
): { data: Float32Array; shape: Shape3D } {
  const n = shape[axis]!;
  const out = [...shape] as [number, number, number];
  out[axis] = m;
  if (m === n) return { data: src, shape };
  const { idx, w, k } = taps(n, m, mode);
  const dst = new Float32Array(out[0] * out[1] * out[2]);
  const stride = axis === 0 ? shape[1] * shape[2] : axis === 1 ? shape[2] : 1;
  const outStride = axis === 0 ? out[1] * out[2] : axis === 1 ? out[2] : 1;
  // Iterate over all lines along `axis`: outer index o (before axis), inner index i (after axis).
  const outer = axis === 0 ? 1 : axis === 1 ? shape[0] : shape[0] * shape[1];
  const inner = stride;
  for (let o = 0; o < outer; o++) {
    const sBase = o * n * inner;
    const dBase = o * m * inner;
    for (let j = 0; j < m; j++) {
      const d = dBase + j * outStride;
      for (let i = 0; i < inner; i++) {
        let acc = 0;
        for (let q = 0; q < k; q++) acc += w[j * k + q]! * src[sBase + idx[j * k + q]! * stride + i]!;
        dst[d + i] = acc;
      }
    }
  }
  return { data: dst, shape: out };
}

/**
 * Resamples `[D, H, W]` data from `spacingMm` to `targetMm`.
 * @returns float32 data and the new shape.
 */
export function resampleVolume(
  data: ArrayLike<number>,
  shape: Shape3D,
  spacingMm: Spacing3D,
  targetMm: Spacing3D,
  mode: Interpolation,
): { data: Float32Array; shape: Shape3D } {
  let cur: { data: Float32Array; shape: Shape3D } = { data: Float32Array.from(data), shape };
  for (let a = 0; a < 3; a++) {
    cur = resampleAxis(cur.data, cur.shape, a, resampledSize(shape[a]!, spacingMm[a]!, targetMm[a]!), mode);
  }
  return cur;
}

/** Resamples `[D, H, W]` data to an explicit `target` shape (same extent-preserving positions). */
export function resampleToShape(
  data: ArrayLike<number>,
  shape: Shape3D,
  target: Shape3D,
  mode: Interpolation,
): { data: Float32Array; shape: Shape3D } {
  let cur: { data: Float32Array; shape: Shape3D } = { data: Float32Array.from(data), shape };
  for (let a = 0; a < 3; a++) cur = resampleAxis(cur.data, cur.shape, a, target[a]!, mode);
  return cur;
}
