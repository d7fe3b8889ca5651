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

/** A box `[lo, lo + size)` of a `[D, H, W]` array of shape `full`. */
interface View {
  readonly full: Shape3D;
  readonly lo: readonly [number, number, number];
  readonly size: Shape3D;
}

const whole = (shape: Shape3D): View => ({ full: shape, lo: [0, 0, 0], size: shape });

/**
 * Resamples the box `v` of `src` along one axis (0 = D, 1 = H, 2 = W) into a new `[D, H, W]`
 * array; the other two axes keep the box's extent. Reading through the box lets the first pass
 * crop as it resamples, so no full-resolution copy of the region is made.
 */
function resampleAxis(
  src: ArrayLike<number>,
  v: View,
  axis: number,
  m: number,
  mode: Interpolation,
): { data: Float32Array; shape: Shape3D } {
  const n = v.size[axis]!;
  const out = [...v.size] as [number, number, number];
  out[axis] = m;
  const { idx, w, k } = taps(n, m, mode);
  const dst = new Float32Array(out[0] * out[1] * out[2]);
  const st = [v.full[1] * v.full[2], v.full[2], 1];
  const base = v.lo[0] * st[0]! + v.lo[1] * st[1]! + v.lo[2];
  const sa = st[axis]!;
  // Along `axis` the offset comes from the taps; the other axes step through the box.
  const s0 = axis === 0 ? 0 : st[0]!;
  const s1 = axis === 1 ? 0 : st[1]!;
  const s2 = axis === 2 ? 0 : 1;
  let p = 0;
  for (let x0 = 0; x0 < out[0]; x0++)
    for (let x1 = 0; x1 < out[1]; x1++) {
      const row = base + x0 * s0 + x1 * s1;
      for (let x2 = 0; x2 < out[2]; x2++, p++) {
        const j = axis === 0 ? x0 : axis === 1 ? x1 : x2;
        const off = row + x2 * s2;
        let acc = 0;
        for (let q = 0; q < k; q++) acc += w[j * k + q]! * src[off + idx[j * k + q]! * sa]!;
        dst[p] = acc;
      }
    }
  return { data: dst, shape: out };
}

/**
 * Resamples the box `v` of `src` to `target`, axis by axis (D, H, W); axes whose size is kept are
 * skipped. Always returns a new float32 array.
 */
function resampleView(
  src: ArrayLike<number>,
  v: View,
  target: Shape3D,
  mode: Interpolation,
): { data: Float32Array; shape: Shape3D } {
  let cur: { data: ArrayLike<number>; view: View } = { data: src, view: v };
  for (let a = 0; a < 3; a++) {
    if (target[a] === v.size[a]) continue;
    const r = resampleAxis(cur.data, cur.view, a, target[a]!, mode);
    cur = { data: r.data, view: whole(r.shape) };
  }
  if (cur.data === src) return { data: cropToFloat32(src, v), shape: v.size };
  return { data: cur.data as Float32Array, shape: cur.view.size };
}

function cropToFloat32(src: ArrayLike<number>, v: View): Float32Array {
  const [D, H, W] = v.size;
  const out = new Float32Array(D * H * W);
  let o = 0;
  for (let d = 0; d < D; d++)
    for (let h = 0; h < H; h++) {
      const row = ((v.lo[0] + d) * v.full[1] + v.lo[1] + h) * v.full[2] + v.lo[2];
      for (let w = 0; w < W; w++, o++) out[o] = src[row + w]!;
    }
  return out;
}

/**
 * Crops `[lo, hi)` of `[D, H, W]` data and resamples it to `target` in one go: equal to resampling
 * `cropBox(data, shape, box)`, without holding the crop.
 */
export function resampleBox(
  data: ArrayLike<number>,
  shape: Shape3D,
  box: { readonly lo: Shape3D; readonly hi: Shape3D },
  target: Shape3D,
  mode: Interpolation,
): { data: Float32Array; shape: Shape3D } {
  const size = [0, 1, 2].map((a) => box.hi[a]! - box.lo[a]!) as unknown as Shape3D;
  return resampleView(data, { full: shape, lo: box.lo, size }, target, mode);
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
  const target = [0, 1, 2].map((a) =>
    resampledSize(shape[a]!, spacingMm[a]!, targetMm[a]!),
  ) as unknown as Shape3D;
  return resampleView(data, whole(shape), target, mode);
}

/** Resamples `[D, H, W]` data to an explicit `target` shape (same extent-preserving positions). */
export function resampleToShape(
  data: ArrayLike<number>,
  shape: Shape3D,
  target: Shape3D,
  mode: Interpolation,
): { data: Float32Array; shape: Shape3D } {
  return resampleView(data, whole(shape), target, mode);
}
