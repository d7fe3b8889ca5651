/**
 * The per-class sums behind soft Dice and cross-entropy, in one pass over the probabilities `p`
 * and targets `y` (`[N, …spatial, C]`, channels-last): per group (each sample, or the whole batch)
 * and class, Σ p·y, Σ p, Σ y and Σ y·log(clamp(p, ε, 1 − ε)). The losses are small tensor maths on
 * these [G, 4, C] sums, so a Dice + CE loss reads its full-size inputs once forward and once
 * backward. Fused kernels on the cpu (JS loops) and dnnl (native) backends, each with a one-pass
 * gradient kernel; composed from tf ops elsewhere. Same values either way.
 */
import * as tf from '@tensorflow/tfjs';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

export const SEG_STATS = 'KitsegSegStats';
export const SEG_STATS_GRAD = 'KitsegSegStatsGrad';

/** Rows of the stats tensor's second axis. */
export const STAT = { inter: 0, pSum: 1, ySum: 2, logSum: 3 } as const;

export interface SegStatsAttrs {
  /** Groups: N (per-sample sums) or 1 (the whole batch). */
  readonly groups: number;
  /** Compute the log row (cross-entropy); zeros otherwise. */
  readonly withCe: boolean;
  /** Clamp of p inside the log. */
  readonly epsilon: number;
}

/** [G, S, C] view of a channels-last tensor split into `groups` equal groups of voxels. */
function gsc(shape: readonly number[], groups: number): [number, number, number] {
  const C = shape[shape.length - 1]!;
  const total = shape.reduce((a, b) => a * b, 1);
  return [groups, total / C / groups, C];
}

/** A float32 tensor's values as a Float32Array (a cast may leave another typed array underneath). */
const f32 = (b: MathBackendCPU, t: tf.TensorInfo): Float32Array => {
  const v = b.data.get(t.dataId).values;
  return v instanceof Float32Array ? v : Float32Array.from(v as ArrayLike<number>);
};

/** The clamp of p inside the log, as float32 values (what tf.clipByValue compares against). */
const clampBounds = (eps: number) => [Math.fround(eps), Math.fround(1 - eps)] as const;

function statsJs(
  p: Float32Array,
  y: Float32Array,
  G: number,
  S: number,
  C: number,
  withCe: boolean,
  eps: number,
) {
  const [lo, hi] = clampBounds(eps);
  const acc = new Float64Array(G * 4 * C);
  for (let g = 0; g < G; g++) {
    const o = g * 4 * C;
    for (let s = 0; s < S; s++)
      for (let c = 0, i = (g * S + s) * C; c < C; c++, i++) {
        const u = p[i]!;
        const t = y[i]!;
        acc[o + c]! += u * t;
        acc[o + C + c]! += u;
        acc[o + 2 * C + c]! += t;
        if (withCe && t !== 0)
          acc[o + 3 * C + c]! += t * Math.log(Math.fround(Math.min(Math.max(u, lo), hi)));
      }
  }
  return Float32Array.from(acc);
}

function gradJs(
  p: Float32Array,
  y: Float32Array,
  d: Float32Array,
  G: number,
  S: number,
  C: number,
  eps: number,
) {
  const [lo, hi] = clampBounds(eps);
  const dp = new Float32Array(p.length);
  for (let g = 0; g < G; g++) {
    const o = g * 4 * C;
    for (let s = 0; s < S; s++)
      for (let c = 0, i = (g * S + s) * C; c < C; c++, i++) {
        const u = p[i]!;
        const t = y[i]!;
        let v = d[o + c]! * t + d[o + C + c]!;
        if (t !== 0 && u >= lo && u <= hi) v += (d[o + 3 * C + c]! * t) / u;
        dp[i] = v;
      }
  }
  return dp;
}

/** The two loops a backend supplies (the dnnl backend plugs in native ones). */
export interface SegStatsImpl {
  stats: typeof statsJs;
  grad: typeof gradJs;
}

const JS_IMPL: SegStatsImpl = { stats: statsJs, grad: gradJs };

/** Kernel configs for one backend. */
export function segStatsKernels(backendName: string, impl: SegStatsImpl = JS_IMPL): tf.KernelConfig[] {
  return [
    {
      kernelName: SEG_STATS,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const b = backend as MathBackendCPU;
        const { p, y } = inputs as { p: tf.TensorInfo; y: tf.TensorInfo };
        const { groups, withCe, epsilon } = attrs as unknown as SegStatsAttrs;
        const [G, S, C] = gsc(p.shape, groups);
        return b.makeTensorInfo(
          [G, 4, C],
          'float32',
          impl.stats(f32(b, p), f32(b, y), G, S, C, withCe, epsilon),
        );
      },
    },
    {
      kernelName: SEG_STATS_GRAD,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const b = backend as MathBackendCPU;
        const { p, y, dStats } = inputs as Record<'p' | 'y' | 'dStats', tf.TensorInfo>;
        const { groups, epsilon } = attrs as unknown as SegStatsAttrs;
        const [G, S, C] = gsc(p.shape, groups);
        return b.makeTensorInfo(
          p.shape,
          'float32',
          impl.grad(f32(b, p), f32(b, y), f32(b, dStats), G, S, C, epsilon),
        );
      },
    },
  ];
}

export const segStatsGradConfig: tf.GradConfig = {
  kernelName: SEG_STATS,
  inputsToSave: ['p', 'y'],
  gradFunc: (dStats, saved, attrs) => {
    const [p, y] = saved as [tf.Tensor, tf.Tensor];
    return {
      p: () =>
        tf.engine().runKernel(SEG_STATS_GRAD, { p, y, dStats: dStats as tf.Tensor }, attrs) as tf.Tensor,
      y: () => {
        throw new Error('segStats: the targets y have no gradient (they are labels, not a model output)');
      },
    };
  },
};

let registered = false;

/** Registers the cpu kernels and the gradient once. */
export function registerSegStats(): void {
  if (registered) return;
  for (const k of segStatsKernels('cpu')) tf.registerKernel(k);
  tf.registerGradient(segStatsGradConfig);
  registered = true;
}

/** The same sums from tf ops, for backends without the fused kernels. */
export function composedSegStats(p: tf.Tensor, y: tf.Tensor, a: SegStatsAttrs): tf.Tensor {
  const [G, S, C] = gsc(p.shape, a.groups);
  const pg = p.reshape([G, S, C]);
  const yg = y.reshape([G, S, C]);
  const logs = a.withCe ? yg.mul(pg.clipByValue(a.epsilon, 1 - a.epsilon).log()).sum(1) : tf.zeros([G, C]);
  return tf.stack([pg.mul(yg).sum(1), pg.sum(1), yg.sum(1), logs], 1);
}

/**
 * Per-class sums of `p` and `y` (equal shapes `[N, …spatial, C]`), per sample (`perSample`) or over
 * the whole batch: a `[G, 4, C]` tensor with rows {@link STAT}.
 */
export function segStats(
  p: tf.Tensor,
  y: tf.Tensor,
  perSample: boolean,
  withCe: boolean,
  epsilon: number,
): tf.Tensor {
  registerSegStats();
  const attrs: SegStatsAttrs = { groups: perSample ? p.shape[0]! : 1, withCe, epsilon };
  return tf.tidy(() => {
    const yf = y.dtype === 'float32' ? y : y.toFloat();
    if (tf.getKernel(SEG_STATS, tf.getBackend()) !== undefined && p.dtype === 'float32')
      return tf.engine().runKernel(SEG_STATS, { p, y: yf }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
    return composedSegStats(p, yf, attrs);
  });
}
