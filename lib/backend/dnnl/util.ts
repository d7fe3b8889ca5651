/** Helpers shared by the dnnl kernels: reading cpu-backend buffers, delegating to cpu kernels. */
import * as tf from '@tensorflow/tfjs';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { bufferPool } from './pool.js';

export type KernelArgs = Parameters<tf.KernelFunc>[0];

/**
 * The float32 values of a tensor held by the cpu-style backend: no copy when stored as float32;
 * the cpu backend's Cast may keep int32 storage under a float32 dtype, which is converted.
 */
export function values(backend: MathBackendCPU, t: tf.TensorInfo): Float32Array {
  const v = backend.data.get(t.dataId).values;
  if (v instanceof Float32Array) return v;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView))
    return Float32Array.from(v as unknown as ArrayLike<number>);
  throw new TypeError(
    `dnnl backend: expected numeric data for a ${t.dtype} tensor of shape [${t.shape.join(', ')}]`,
  );
}

/** The raw typed array of a tensor (float32 or int32). */
export function rawValues(backend: MathBackendCPU, t: tf.TensorInfo): Float32Array | Int32Array | undefined {
  const v = backend.data.get(t.dataId).values;
  return v instanceof Float32Array || v instanceof Int32Array ? v : undefined;
}

/** Runs the tfjs cpu kernel for cases the native kernel does not cover (e.g. NCHW layout). */
export function cpuKernel(name: string, args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const k = tf.getKernel(name, 'cpu');
  if (k === undefined) throw new Error(`dnnl backend: no cpu kernel ${name} to delegate to`);
  return k.kernelFunc(args) as tf.TensorInfo | tf.TensorInfo[];
}

export const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * An output buffer the native kernel will overwrite completely: uninitialised memory for large
 * sizes (skipping a zero-fill pass over tens of MB per kernel; recycled through the buffer pool when
 * it is on), zeroed for small ones.
 */
export function allocF32(n: number): Float32Array<ArrayBuffer> {
  return n < 4096 ? new Float32Array(n) : bufferPool.take(n);
}
