/**
 * The `dnnl` tfjs backend: the tfjs cpu backend (same tensor storage, same kernels) with its
 * heaviest kernels replaced by oneDNN ones from the `kitseg-native` addon.
 */
import * as tf from '@tensorflow/tfjs';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { DnnlAddon } from './addon.js';
import { convKernels } from './conv-kernels.js';
import { matMulKernel } from './matmul-kernel.js';

export const DNNL_BACKEND = 'dnnl';

let active: DnnlAddon | undefined;

/** Registers the backend and its kernels once. Returns the names of the native kernels. */
export function registerDnnlBackend(addon: DnnlAddon): string[] {
  const native = [...convKernels(addon), matMulKernel(addon)];
  if (active !== undefined) return native.map((k) => k.kernelName);
  const overridden = new Set(native.map((k) => k.kernelName));
  tf.registerBackend(DNNL_BACKEND, () => new MathBackendCPU(), 0);
  for (const k of tf.getKernelsForBackend('cpu')) {
    if (!overridden.has(k.kernelName)) tf.registerKernel({ ...k, backendName: DNNL_BACKEND });
  }
  for (const k of native) tf.registerKernel(k);
  active = addon;
  return native.map((k) => k.kernelName);
}

/** The loaded addon, when the backend is registered. */
export function dnnlAddon(): DnnlAddon | undefined {
  return active;
}
