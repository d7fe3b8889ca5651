/**
 * Instance normalisation over the spatial axes of a channels-last tensor `[N, …spatial, C]`,
 * with per-channel affine γ, β (Ulyanov et al. 2016; nnU-Net's default norm):
 *   y = γ · (x − μ_nc) / √(σ²_nc + ε) + β.
 * On the cpu and dnnl backends it is one fused kernel (`KitsegInstanceNorm`, two passes over
 * memory) with a fused gradient kernel; elsewhere (tfjs-node) it is composed from tf ops.
 */
import * as tf from '@tensorflow/tfjs';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

export const INSTANCE_NORM = 'KitsegInstanceNorm';
export const INSTANCE_NORM_GRAD = 'KitsegInstanceNormGrad';

/** [N, S, C] view sizes of a channels-last tensor. */
function nsc(shape: readonly number[]): [number, number, number] {
  const N = shape[0]!;
  const C = shape[shape.length - 1]!;
  return [N, shape.slice(1, -1).reduce((a, b) => a * b, 1), C];
}

const f32 = (b: MathBackendCPU, t: tf.TensorInfo) => b.data.get(t.dataId).values as Float32Array;

/** Plain-JS forward, used by the cpu backend; `slope` ≠ 1 fuses a LeakyReLU. */
function forwardJs(
  x: Float32Array,
  N: number,
  S: number,
  C: number,
  g: Float32Array,
  be: Float32Array,
  eps: number,
  slope: number,
) {
  const y = new Float32Array(x.length);
  const mean = new Float32Array(N * C);
  const rstd = new Float32Array(N * C);
  const sum = new Float64Array(C);
  const sq = new Float64Array(C);
  for (let n = 0; n < N; n++) {
    sum.fill(0);
    sq.fill(0);
    const o = n * S * C;
    for (let s = 0; s < S; s++)
      for (let c = 0, i = o + s * C; c < C; c++, i++) {
        const v = x[i]!;
        sum[c]! += v;
        sq[c]! += v * v;
      }
    for (let c = 0; c < C; c++) {
      const m = sum[c]! / S;
      mean[n * C + c] = m;
      rstd[n * C + c] = 1 / Math.sqrt(Math.max(0, sq[c]! / S - m * m) + eps);
    }
    for (let s = 0; s < S; s++)
      for (let c = 0, i = o + s * C; c < C; c++, i++) {
        const r = rstd[n * C + c]!;
        const v = g[c]! * r * (x[i]! - mean[n * C + c]!) + be[c]!;
        y[i] = v > 0 ? v : v * slope;
      }
  }
  return { y, mean, rstd };
}

/** Plain-JS backward, used by the cpu backend; a fused LeakyReLU scales dy where γ·x̂ + β ≤ 0. */
function backwardJs(
  x: Float32Array,
  dyIn: Float32Array,
  N: number,
  S: number,
  C: number,
  mean: Float32Array,
  rstd: Float32Array,
  g: Float32Array,
  be: Float32Array,
  slope: number,
) {
  let dy = dyIn;
  if (slope !== 1) {
    dy = new Float32Array(dyIn.length);
    for (let i = 0; i < dy.length; i++) {
      const c = i % C;
      const n = Math.floor(i / (S * C));
      const v = g[c]! * (x[i]! - mean[n * C + c]!) * rstd[n * C + c]! + be[c]!;
      dy[i] = v > 0 ? dyIn[i]! : dyIn[i]! * slope;
    }
  }
  const dx = new Float32Array(x.length);
  const dgamma = new Float32Array(C);
  const dbeta = new Float32Array(C);
  const sdy = new Float64Array(C);
  const sdyx = new Float64Array(C);
  for (let n = 0; n < N; n++) {
    sdy.fill(0);
    sdyx.fill(0);
    const o = n * S * C;
    for (let s = 0; s < S; s++)
      for (let c = 0, i = o + s * C; c < C; c++, i++) {
        sdy[c]! += dy[i]!;
        sdyx[c]! += dy[i]! * (x[i]! - mean[n * C + c]!) * rstd[n * C + c]!;
      }
    for (let c = 0; c < C; c++) {
      dgamma[c]! += sdyx[c]!;
      dbeta[c]! += sdy[c]!;
    }
    for (let s = 0; s < S; s++)
      for (let c = 0, i = o + s * C; c < C; c++, i++) {
        const r = rstd[n * C + c]!;
        const xh = (x[i]! - mean[n * C + c]!) * r;
        dx[i] = g[c]! * r * (dy[i]! - sdy[c]! / S - (xh * sdyx[c]!) / S);
      }
  }
  return { dx, dgamma, dbeta };
}

/** Native implementations the dnnl backend plugs in. */
export interface InstanceNormImpl {
  forward: typeof forwardJs;
  backward: typeof backwardJs;
}

const JS_IMPL: InstanceNormImpl = { forward: forwardJs, backward: backwardJs };

/** Kernel configs for one backend (the cpu backend uses the JS loops). */
export function instanceNormKernels(
  backendName: string,
  impl: InstanceNormImpl = JS_IMPL,
): tf.KernelConfig[] {
  return [
    {
      kernelName: INSTANCE_NORM,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const b = backend as MathBackendCPU;
        const { x, gamma, beta } = inputs as { x: tf.TensorInfo; gamma: tf.TensorInfo; beta: tf.TensorInfo };
        const { epsilon, slope } = attrs as { epsilon: number; slope: number };
        const [N, S, C] = nsc(x.shape);
        const r = impl.forward(f32(b, x), N, S, C, f32(b, gamma), f32(b, beta), epsilon, slope);
        return [
          b.makeTensorInfo(x.shape, 'float32', r.y),
          b.makeTensorInfo([N, C], 'float32', r.mean),
          b.makeTensorInfo([N, C], 'float32', r.rstd),
        ];
      },
    },
    {
      kernelName: INSTANCE_NORM_GRAD,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const b = backend as MathBackendCPU;
        const t = inputs as Record<'x' | 'dy' | 'mean' | 'rstd' | 'gamma' | 'beta', tf.TensorInfo>;
        const [N, S, C] = nsc(t.x.shape);
        const { slope } = attrs as { slope: number };
        const [x, dy, mean, rstd, g, be] = [t.x, t.dy, t.mean, t.rstd, t.gamma, t.beta].map((v) =>
          f32(b, v),
        ) as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
        const r = impl.backward(x, dy, N, S, C, mean, rstd, g, be, slope);
        return [
          b.makeTensorInfo(t.x.shape, 'float32', r.dx),
          b.makeTensorInfo([C], 'float32', r.dgamma),
          b.makeTensorInfo([C], 'float32', r.dbeta),
        ];
      },
    },
  ];
}

let registered = false;

/** Registers the cpu kernels once. */
export function registerInstanceNorm(): void {
  if (registered) return;
  for (const k of instanceNormKernels('cpu')) tf.registerKernel(k);
  registered = true;
}

/**
 * The fused path: one forward kernel, and one backward kernel that yields dx, dγ and dβ together
 * (customGrad hands all three to the tape at once, so none is computed twice).
 */
function fusedInstanceNorm(epsilon: number, slope: number) {
  const f = (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, save: tf.GradSaveFunc) => {
    const [y, mean, rstd] = tf
      .engine()
      .runKernel(INSTANCE_NORM, { x, gamma, beta }, { epsilon, slope }) as tf.Tensor[];
    save([x, gamma, mean!, rstd!, beta]);
    return {
      value: y!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sg, sm, sr, sb] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const inputs = { x: sx, dy, mean: sm, rstd: sr, gamma: sg, beta: sb };
        return tf.engine().runKernel(INSTANCE_NORM_GRAD, inputs, { slope }) as tf.Tensor[];
      },
    };
  };
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]);
}

/**
 * Instance normalisation of `x` `[N, …spatial, C]` with γ, β of shape `[C]`, optionally followed
 * by a fused LeakyReLU with negative slope `leakySlope` (one pass instead of three, same result).
 * @returns a tensor of x's shape.
 */
export function instanceNorm(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon = 1e-5,
  leakySlope?: number,
): tf.Tensor {
  registerInstanceNorm();
  if (tf.getKernel(INSTANCE_NORM, tf.getBackend()) !== undefined && x.dtype === 'float32') {
    return tf.tidy(() => fusedInstanceNorm(epsilon, leakySlope ?? 1)(x, gamma, beta));
  }
  return tf.tidy(() => {
    const axes = x.shape.slice(1, -1).map((_, i) => i + 1);
    const { mean, variance } = tf.moments(x, axes, true);
    const y = x
      .sub(mean)
      .mul(tf.rsqrt(variance.add(epsilon)))
      .mul(gamma)
      .add(beta);
    return leakySlope === undefined ? y : tf.leakyRelu(y, leakySlope);
  });
}
