/**
 * Probabilities on the network's grid → the original grid, one output slice at a time (linear,
 * same extent-preserving sample positions as `transforms/resample.ts`), so a 512 × 512 × 600 case
 * never holds full-resolution probability maps: each voxel's K values go straight to a callback
 * (argmax into labels, or one region's probability).
 */
import type { Shape3D } from '../core/types.js';

interface Taps {
  readonly i0: Int32Array;
  readonly i1: Int32Array;
  readonly t: Float32Array;
}

function linearTaps(n: number, m: number): Taps {
  const i0 = new Int32Array(m);
  const i1 = new Int32Array(m);
  const t = new Float32Array(m);
  const r = n / m;
  for (let j = 0; j < m; j++) {
    const p = Math.min(Math.max((j + 0.5) * r - 0.5, 0), n - 1);
    i0[j] = Math.floor(p);
    i1[j] = Math.min(i0[j]! + 1, n - 1);
    t[j] = p - i0[j]!;
  }
  return { i0, i1, t };
}

/**
 * Visits every voxel of `dst` (shape `[D, H, W]`) with the K linearly interpolated values of `src`
 * (`[D', H', W', K]`, channels last); `visit(i, values)` gets the flat output index — of `dst`, or,
 * with `place`, of the larger volume `place.shape` in which `dst` starts at `place.lo`.
 */
export function resampleVisit(
  src: Float32Array,
  srcShape: Shape3D,
  K: number,
  dst: Shape3D,
  visit: (i: number, values: Float32Array) => void,
  place?: { readonly shape: Shape3D; readonly lo: Shape3D },
): void {
  const FH = place?.shape[1] ?? dst[1];
  const FW = place?.shape[2] ?? dst[2];
  const lo = place?.lo ?? [0, 0, 0];
  const [sd, sh, sw] = srcShape;
  const [D, H, W] = dst;
  const td = linearTaps(sd, D);
  const th = linearTaps(sh, H);
  const tw = linearTaps(sw, W);
  const slab = new Float32Array(sh * sw * K);
  const rows = new Float32Array(H * sw * K);
  const vals = new Float32Array(K);
  for (let d = 0; d < D; d++) {
    const a = td.i0[d]! * sh * sw * K;
    const b = td.i1[d]! * sh * sw * K;
    const t = td.t[d]!;
    for (let i = 0; i < slab.length; i++) slab[i] = (1 - t) * src[a + i]! + t * src[b + i]!;
    for (let h = 0; h < H; h++) {
      const a2 = th.i0[h]! * sw * K;
      const b2 = th.i1[h]! * sw * K;
      const t2 = th.t[h]!;
      const o = h * sw * K;
      for (let i = 0; i < sw * K; i++) rows[o + i] = (1 - t2) * slab[a2 + i]! + t2 * slab[b2 + i]!;
    }
    for (let h = 0; h < H; h++) {
      const row = ((d + lo[0]) * FH + h + lo[1]) * FW + lo[2];
      for (let w = 0; w < W; w++) {
        const a3 = (h * sw + tw.i0[w]!) * K;
        const b3 = (h * sw + tw.i1[w]!) * K;
        const t3 = tw.t[w]!;
        for (let k = 0; k < K; k++) vals[k] = (1 - t3) * rows[a3 + k]! + t3 * rows[b3 + k]!;
        visit(row + w, vals);
      }
    }
  }
}

export type OutputEncoding = 'softmax' | 'sigmoid';

/**
 * Label of one voxel's probabilities: argmax (softmax classes), or the nested sigmoid regions
 * (KiTS19 kidney+tumour ⊇ tumour; with three channels KiTS21/23 kidney+masses ⊇ masses ⊇ tumour,
 * a mass that is not tumour being a cyst).
 */
export function labelOf(vals: Float32Array, enc: OutputEncoding): number {
  if (enc === 'sigmoid') {
    if (!(vals[0]! > 0.5)) return 0;
    if (vals.length === 3) return vals[1]! > 0.5 ? (vals[2]! > 0.5 ? 2 : 3) : 1;
    return vals.length > 1 && vals[1]! > 0.5 ? 2 : 1;
  }
  let best = 0;
  for (let k = 1; k < vals.length; k++) if (vals[k]! > vals[best]!) best = k;
  return best;
}

/** Probability of a KiTS region: kidney = label > 0, tumour = label 2 (innermost sigmoid region). */
export function regionProbability(
  vals: Float32Array,
  enc: OutputEncoding,
  region: 'kidney' | 'tumor',
): number {
  if (enc === 'sigmoid') {
    if (region === 'kidney') return vals[0]!;
    let p = vals[0]!;
    for (let k = 1; k < vals.length; k++) p = Math.min(p, vals[k]!);
    return vals.length > 1 ? p : 0;
  }
  return region === 'kidney' ? 1 - vals[0]! : (vals[2] ?? 0);
}
