/**
 * PReLU with one slope per channel (V-Net, Wei et al.'s V-Net pair) as single native passes: tfjs's
 * cpu Prelu broadcasts through generic kernels, and its gradient takes Greater + Select + Multiply +
 * Sum passes — together more than half of a V-Net training step on the dnnl backend. The fused
 * gradient kernel returns dx and the slope gradient at once. Slopes must be one per channel
 * (channels last) or a single value; anything else falls back to tfjs's kernels.
 */
import * as tf from '@tensorflow/tfjs';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { DnnlAddon } from './addon.js';
import { allocF32, cpuKernel, size, values, type KernelArgs } from './util.js';

export const PRELU_GRAD = 'KitsegPreluGrad';

/** Slopes one per channel of `x` (or a single one): the layout the fused loops handle. */
function channelSlopes(x: tf.TensorInfo, alpha: tf.TensorInfo): boolean {
  const n = size(alpha.shape);
  const c = x.shape[x.shape.length - 1] ?? 1;
  return (
    x.dtype === 'float32' &&
    alpha.dtype === 'float32' &&
    (n === 1 || n === c) &&
    alpha.shape.length <= x.shape.length &&
    alpha.shape.slice(0, -1).every((d) => d === 1)
  );
}

export function preluKernels(addon: DnnlAddon): tf.KernelConfig[] {
  const forward: tf.KernelConfig = {
    kernelName: tf.Prelu,
    backendName: 'dnnl',
    kernelFunc: (args: KernelArgs) => {
      const b = args.backend as MathBackendCPU;
      const { x, alpha } = args.inputs as { x: tf.TensorInfo; alpha: tf.TensorInfo };
      if (!channelSlopes(x, alpha)) return cpuKernel(tf.Prelu, args);
      const xv = values(b, x);
      const a = values(b, alpha);
      const y = allocF32(xv.length);
      addon.prelu(xv, a, y, a.length);
      return b.makeTensorInfo(x.shape, 'float32', y);
    },
  };
  const grad: tf.KernelConfig = {
    kernelName: PRELU_GRAD,
    backendName: 'dnnl',
    kernelFunc: (args: KernelArgs) => {
      const b = args.backend as MathBackendCPU;
      const { x, alpha, dy } = args.inputs as { x: tf.TensorInfo; alpha: tf.TensorInfo; dy: tf.TensorInfo };
      const xv = values(b, x);
      const a = values(b, alpha);
      const g = values(b, dy);
      const dx = allocF32(xv.length);
      const da = new Float32Array(a.length);
      addon.preluGrad(xv, a, g, dx, da, a.length);
      return [b.makeTensorInfo(x.shape, 'float32', dx), b.makeTensorInfo(alpha.shape, 'float32', da)];
    },
  };
  return [forward, grad];
}

/**
 * PReLU's gradient through the fused kernel where the backend has it (dnnl) and the slopes are per
 * channel, else tfjs's own formula; registered in place of tfjs's, like the LeakyReLU one.
 */
export function registerPreluGradient(): void {
  tf.registerGradient({
    kernelName: tf.Prelu,
    inputsToSave: ['x', 'alpha'],
    gradFunc: (dy, saved) => {
      const [x, alpha] = saved as [tf.Tensor, tf.Tensor];
      const g = dy as tf.Tensor;
      if (
        tf.getKernel(PRELU_GRAD, tf.getBackend()) !== undefined &&
        channelSlopes(x, alpha) &&
        g.dtype === 'float32'
      ) {
        const [dx, da] = tf.engine().runKernel(PRELU_GRAD, { x, alpha, dy: g }, {}) as tf.Tensor[];
        return { x: () => dx!, alpha: () => da! };
      }
      const mask = tf.greater(x, 0);
      return {
        x: () => tf.where(mask, g, tf.mul(g, alpha)),
        alpha: () => {
          let res = tf.where(mask, tf.zerosLike(g), tf.mul(g, x));
          const axes = tf.backend_util.getReductionAxes(alpha.shape, g.shape);
          if (axes.length > 0) res = tf.sum(res, axes);
          return tf.reshape(res, alpha.shape);
        },
      };
    },
  });
}
