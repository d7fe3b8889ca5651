/** BatchMatMul on oneDNN: equal batches or a batch of 1 broadcast; other broadcasts use the cpu kernel. */
import * as tf from '@tensorflow/tfjs';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { DnnlAddon } from './addon.js';
import { allocF32, cpuKernel, size, values } from './util.js';

export function matMulKernel(addon: DnnlAddon): tf.KernelConfig {
  return {
    kernelName: tf.BatchMatMul,
    backendName: 'dnnl',
    kernelFunc: (args) => {
      const b = args.backend as MathBackendCPU;
      const { a, b: bt } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
      const ra = a.shape.length;
      const rb = bt.shape.length;
      if (a.dtype !== 'float32' || bt.dtype !== 'float32' || ra < 2 || rb < 2)
        return cpuKernel(tf.BatchMatMul, args);
      const batchA = size(a.shape.slice(0, -2));
      const batchB = size(bt.shape.slice(0, -2));
      const sameBatch = ra === rb && a.shape.slice(0, -2).every((d, i) => d === bt.shape[i]);
      if (!sameBatch && batchA !== 1 && batchB !== 1) return cpuKernel(tf.BatchMatMul, args);
      const M = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
      const K = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
      const N = transposeB ? bt.shape[rb - 2]! : bt.shape[rb - 1]!;
      const batchShape = batchA >= batchB ? a.shape.slice(0, -2) : bt.shape.slice(0, -2);
      const outShape = [...batchShape, M, N];
      const out = allocF32(size(outShape));
      addon.matMul(values(b, a), values(b, bt), out, batchA, batchB, M, K, N, transposeA, transposeB);
      return b.makeTensorInfo(outShape, 'float32', out);
    },
  };
}
