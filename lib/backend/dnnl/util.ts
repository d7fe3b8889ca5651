/** Helpers shared by the dnnl kernels: reading cpu-backend buffers, delegating to cpu kernels. */
import * as tf from '@tensorflow/tfjs';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

export type KernelArgs = Parameters<tf.KernelFunc>[0];

/** The float32 values of a tensor held by the cpu-style backend (no copy). */
export function values(backend: MathBackendCPU, t: tf.TensorInfo): Float32Array {
  const v = backend.data.get(t.dataId).values;
  if (!(v instanceof Float32Array))
    throw new TypeError(`dnnl backend: expected float32 data, got ${t.dtype}`);
  return v;
}

/** Runs the tfjs cpu kernel for cases the native kernel does not cover (e.g. NCHW layout). */
export function cpuKernel(name: string, args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const k = tf.getKernel(name, 'cpu');
  if (k === undefined) throw new Error(`dnnl backend: no cpu kernel ${name} to delegate to`);
  return k.kernelFunc(args) as tf.TensorInfo | tf.TensorInfo[];
}

export const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
