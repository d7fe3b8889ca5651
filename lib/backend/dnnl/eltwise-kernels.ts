/**
 * Activations and softmax on oneDNN eltwise/softmax primitives, and a fused LeakyReLU gradient
 * kernel (tfjs computes it as Greater + Multiply + Select, three passes and two temporaries) and a
 * fused softmax gradient (tfjs: Multiply, Sum, Multiply, Sub).
 */
import * as tf from '@tensorflow/tfjs';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { DnnlAddon } from './addon.js';
import { allocF32, cpuKernel, size, values, type KernelArgs } from './util.js';

export const LEAKY_RELU_GRAD = 'KitsegLeakyReluGrad';
export const SOFTMAX_GRAD = 'KitsegSoftmaxGrad';

/** tfjs unary kernel → (addon algorithm code, alpha from attrs). */
const UNARY: [string, number, (attrs: Record<string, unknown>) => number][] = [
  [tf.Relu, 0, () => 0],
  [tf.LeakyRelu, 0, (a) => a['alpha'] as number],
  [tf.Exp, 1, () => 0],
  [tf.Log, 2, () => 0],
  [tf.Sqrt, 3, () => 0],
  [tf.Square, 4, () => 0],
  [tf.Abs, 5, () => 0],
  [tf.Tanh, 6, () => 0],
  [tf.Sigmoid, 7, () => 0],
  [tf.Elu, 8, () => 1],
];

export function eltwiseKernels(addon: DnnlAddon): tf.KernelConfig[] {
  const unary = UNARY.map(([name, alg, alpha]): tf.KernelConfig => ({
    kernelName: name,
    backendName: 'dnnl',
    kernelFunc: (args: KernelArgs) => {
      const b = args.backend as MathBackendCPU;
      const { x } = args.inputs as { x: tf.TensorInfo };
      if (x.dtype !== 'float32' || size(x.shape) === 0) return cpuKernel(name, args);
      const y = allocF32(size(x.shape));
      addon.eltwise(alg, values(b, x), y, y.length, alpha(args.attrs as Record<string, unknown>), 0);
      return b.makeTensorInfo(x.shape, 'float32', y);
    },
  }));
  const softmax: tf.KernelConfig = {
    kernelName: tf.Softmax,
    backendName: 'dnnl',
    kernelFunc: (args: KernelArgs) => {
      const b = args.backend as MathBackendCPU;
      const { logits } = args.inputs as { logits: tf.TensorInfo };
      const { dim } = args.attrs as unknown as tf.SoftmaxAttrs;
      const r = logits.shape.length;
      if (logits.dtype !== 'float32' || r === 0 || (dim !== -1 && dim !== r - 1))
        return cpuKernel(tf.Softmax, args);
      const C = logits.shape[r - 1]!;
      const y = allocF32(size(logits.shape));
      addon.softmax(values(b, logits), y, y.length / C, C);
      return b.makeTensorInfo(logits.shape, 'float32', y);
    },
  };
  const leakyGrad: tf.KernelConfig = {
    kernelName: LEAKY_RELU_GRAD,
    backendName: 'dnnl',
    kernelFunc: (args: KernelArgs) => {
      const b = args.backend as MathBackendCPU;
      const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const dx = allocF32(size(x.shape));
      addon.eltwiseBackward(
        0,
        values(b, x),
        values(b, dy),
        dx,
        dx.length,
        (args.attrs as { alpha: number }).alpha,
        0,
      );
      return b.makeTensorInfo(x.shape, 'float32', dx);
    },
  };
  const softmaxGrad: tf.KernelConfig = {
    kernelName: SOFTMAX_GRAD,
    backendName: 'dnnl',
    kernelFunc: (args: KernelArgs) => {
      const b = args.backend as MathBackendCPU;
      const { y, dy } = args.inputs as { y: tf.TensorInfo; dy: tf.TensorInfo };
      const C = y.shape[y.shape.length - 1]!;
      const dx = allocF32(size(y.shape));
      addon.softmaxGrad(values(b, y), values(b, dy), dx, dx.length / C, C);
      return b.makeTensorInfo(y.shape, 'float32', dx);
    },
  };
  return [...unary, softmax, leakyGrad, softmaxGrad];
}

/**
 * Softmax's gradient through the fused kernel where the backend has it and the axis is the last,
 * else tfjs's own formula dx = dy·y − Σ(dy·y)·y.
 */
export function registerSoftmaxGradient(): void {
  tf.registerGradient({
    kernelName: tf.Softmax,
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [y] = saved as [tf.Tensor];
      const { dim } = attrs as unknown as tf.SoftmaxAttrs;
      const g = dy as tf.Tensor;
      const last = dim === -1 || dim === y.rank - 1;
      return {
        logits: () => {
          if (last && tf.getKernel(SOFTMAX_GRAD, tf.getBackend()) !== undefined && g.dtype === 'float32')
            return tf.engine().runKernel(SOFTMAX_GRAD, { y, dy: g }) as tf.Tensor;
          const dyTimesY = tf.mul(g, y);
          return tf.sub(dyTimesY, tf.mul(tf.sum(dyTimesY, [dim], true), y));
        },
      };
    },
  });
}

/**
 * The gradients of LeakyReLU and ReLU (LeakyReLU at α = 0) through the fused kernel where the
 * backend has it (dnnl), else tfjs's own formulas; registered in place of tfjs's so the dnnl
 * backend's speed needs no model change. tfjs's ReLU gradient runs `Step`, a JS loop over every
 * element (38 % of a 2D U-Net step).
 */
export function registerReluGradients(): void {
  const fused = (
    kernelName: string,
    alphaOf: (attrs: tf.NamedAttrMap) => number,
    formula: (x: tf.Tensor, dy: tf.Tensor, alpha: number) => tf.Tensor,
  ) =>
    tf.registerGradient({
      kernelName,
      inputsToSave: ['x'],
      gradFunc: (dy, saved, attrs) => {
        const [x] = saved as [tf.Tensor];
        const alpha = alphaOf(attrs);
        const g = dy as tf.Tensor;
        return {
          x: () =>
            tf.getKernel(LEAKY_RELU_GRAD, tf.getBackend()) !== undefined && g.dtype === 'float32'
              ? (tf.engine().runKernel(LEAKY_RELU_GRAD, { x, dy: g }, { alpha }) as tf.Tensor)
              : formula(x, g, alpha),
        };
      },
    });
  fused(
    tf.LeakyRelu,
    (a) => (a as unknown as tf.LeakyReluAttrs).alpha,
    (x, g, alpha) => tf.where(tf.greater(x, 0), g, tf.mul(g, alpha)),
  );
  fused(
    tf.Relu,
    () => 0,
    (x, g) => tf.mul(g, tf.step(tf.cast(x, 'float32'))),
  );
}
