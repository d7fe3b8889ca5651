/**
 * The `dnnl` tfjs backend: the tfjs cpu backend (same tensor storage, same kernels) with its
 * heaviest kernels replaced by oneDNN ones from the `kitseg-native` addon.
 */
import * as tf from '@tensorflow/tfjs';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { DnnlAddon } from './addon.js';
import { allocF32 } from './util.js';
import { bufferPool, type PoolStats } from './pool.js';
import { convKernels } from './conv-kernels.js';
import { matMulKernel } from './matmul-kernel.js';
import { registerConv3dBiasGradient } from '../ops/conv-bias.js';
import { registerSegStats, segStatsKernels } from '../ops/seg-stats.js';
import { eltwiseKernels, registerReluGradients, registerSoftmaxGradient } from './eltwise-kernels.js';
import { preluKernels, registerPreluGradient } from './prelu-kernels.js';
import { memopsKernels } from './memops-kernels.js';
import { shapeKernels } from './shape-kernels.js';
import { adamUpdateKernel, registerAdamUpdate } from '../ops/adam-update.js';
import { instanceNormKernels, registerInstanceNorm } from '../ops/instance-norm.js';

export const DNNL_BACKEND = 'dnnl';

let active: DnnlAddon | undefined;

type DataId = Parameters<MathBackendCPU['readSync']>[0];
type Values = Parameters<MathBackendCPU['write']>[0];

/**
 * The cpu backend with its tensor storage reporting to the buffer pool: which arrays tensors hold,
 * which ones user code has read, and when the last tensor holding one is gone.
 */
class DnnlBackend extends MathBackendCPU {
  override write(values: Values, shape: number[], dtype: tf.DataType): DataId {
    bufferPool.hold(values);
    return super.write(values, shape, dtype);
  }

  override move(dataId: DataId, values: Values, shape: number[], dtype: tf.DataType, refCount: number): void {
    bufferPool.hold(values);
    super.move(dataId, values, shape, dtype, refCount);
  }

  override readSync(dataId: DataId): tf.backend_util.BackendValues {
    const v = super.readSync(dataId);
    bufferPool.escape(v);
    return v;
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const values: unknown = this.data.has(dataId) ? this.data.get(dataId).values : undefined;
    const done = super.disposeData(dataId, force);
    if (values !== undefined && !this.data.has(dataId)) bufferPool.drop(values);
    return done;
  }

  /** The pool this backend's kernels allocate from (one per loaded copy of this module). */
  poolStats(): PoolStats {
    return bufferPool.stats();
  }
}

/** Registers the backend and its kernels once. Returns the names of the native kernels. */
export function registerDnnlBackend(addon: DnnlAddon): string[] {
  const native = [
    ...convKernels(addon),
    matMulKernel(addon),
    ...memopsKernels(addon),
    ...shapeKernels(addon),
    ...eltwiseKernels(addon),
    ...preluKernels(addon),
  ];
  if (active !== undefined) return native.map((k) => k.kernelName);
  const overridden = new Set(native.map((k) => k.kernelName));
  tf.registerBackend(DNNL_BACKEND, () => new DnnlBackend(), 0);
  for (const k of tf.getKernelsForBackend('cpu')) {
    if (!overridden.has(k.kernelName) && !k.kernelName.startsWith('Kitseg')) {
      tf.registerKernel({ ...k, backendName: DNNL_BACKEND });
    }
  }
  for (const k of native) tf.registerKernel(k);
  registerReluGradients();
  registerConv3dBiasGradient();
  registerSoftmaxGradient();
  registerPreluGradient();
  registerAdamUpdate();
  tf.registerKernel(
    adamUpdateKernel(DNNL_BACKEND, (w, g, m, v, a) => {
      const out = [allocF32(w.length), allocF32(w.length), allocF32(w.length)];
      addon.adamUpdate(w, g, m, v, out[0]!, out[1]!, out[2]!, a.lr, a.beta1, a.beta2, a.epsilon, a.c1, a.c2);
      return out;
    }),
  );
  // Fused instance norm: native loops instead of the cpu backend's JS ones.
  registerInstanceNorm();
  for (const k of instanceNormKernels(DNNL_BACKEND, {
    forward: (x, N, S, C, g, b, eps, slope) => {
      const y = allocF32(x.length);
      const mean = allocF32(N * C);
      const rstd = allocF32(N * C);
      addon.instanceNormForward(x, N, S, C, g, b, eps, y, mean, rstd, slope);
      return { y, mean, rstd };
    },
    backward: (x, dy, N, S, C, mean, rstd, g, b, slope) => {
      const dx = allocF32(x.length);
      const dgamma = allocF32(C);
      const dbeta = allocF32(C);
      addon.instanceNormBackward(x, dy, N, S, C, mean, rstd, g, dx, dgamma, dbeta, b, slope);
      return { dx, dgamma, dbeta };
    },
  })) {
    tf.registerKernel(k);
  }
  // Dice/CE sums: native loops instead of the cpu backend's JS ones.
  registerSegStats();
  for (const k of segStatsKernels(DNNL_BACKEND, {
    stats: (p, y, G, S, C, withCe, eps) => {
      const out = allocF32(G * 4 * C);
      addon.segStats(p, y, G, S, C, withCe, eps, out);
      return out;
    },
    grad: (p, y, d, G, S, C, eps) => {
      const dp = allocF32(p.length);
      addon.segStatsGrad(p, y, d, G, S, C, eps, dp);
      return dp;
    },
  })) {
    tf.registerKernel(k);
  }
  active = addon;
  return native.map((k) => k.kernelName);
}

/** The loaded addon, when the backend is registered. */
export function dnnlAddon(): DnnlAddon | undefined {
  return active;
}
