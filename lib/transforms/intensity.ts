/**
 * CT intensity normalisation schemes of the seed papers, as pure functions over voxel arrays:
 * - `window`: clip to [lo, hi] HU and rescale to [0, 1] (e.g. [−60, 300], [−250, 250]);
 * - `scale`: divide by a constant and clip (Wei et al.: ÷1000, clip to [−1, 1]);
 * - `ctForeground`: nnU-Net's CTNormalization — clip to the dataset's 0.5/99.5 foreground
 *   percentiles, then z-score with the dataset's foreground mean and std (from the fingerprint);
 * - `zscore`: per-case mean/std.
 */

export type Normalization =
  | { readonly type: 'window'; readonly lo: number; readonly hi: number }
  | { readonly type: 'scale'; readonly divisor: number; readonly lo: number; readonly hi: number }
  | {
      readonly type: 'ctForeground';
      readonly p005: number;
      readonly p995: number;
      readonly mean: number;
      readonly std: number;
    }
  | { readonly type: 'zscore' };

export function normalize(data: ArrayLike<number>, n: Normalization): Float32Array {
  const out = new Float32Array(data.length);
  switch (n.type) {
    case 'window': {
      const s = 1 / (n.hi - n.lo);
      for (let i = 0; i < data.length; i++) out[i] = (Math.min(Math.max(data[i]!, n.lo), n.hi) - n.lo) * s;
      return out;
    }
    case 'scale':
      for (let i = 0; i < data.length; i++) out[i] = Math.min(Math.max(data[i]! / n.divisor, n.lo), n.hi);
      return out;
    case 'ctForeground': {
      const inv = 1 / Math.max(n.std, 1e-8);
      for (let i = 0; i < data.length; i++)
        out[i] = (Math.min(Math.max(data[i]!, n.p005), n.p995) - n.mean) * inv;
      return out;
    }
    case 'zscore': {
      let s = 0;
      let q = 0;
      for (let i = 0; i < data.length; i++) {
        s += data[i]!;
        q += data[i]! * data[i]!;
      }
      const mean = s / data.length;
      const inv = 1 / Math.max(Math.sqrt(Math.max(q / data.length - mean * mean, 0)), 1e-8);
      for (let i = 0; i < data.length; i++) out[i] = (data[i]! - mean) * inv;
      return out;
    }
  }
}
