/**
 * Slice, Concat and max pooling (2D and 3D, forward and gradient) on oneDNN. tfjs's cpu versions
 * walk every element through generic index arithmetic; in the U-Net step the concat gradient's
 * slices and the max-pool gradient dominated what was left after the convolutions went native
 * (the 2D gradient alone was half of a 2D U-Net step). 2D pooling is the 3D kernel at depth 1.
 */
import * as tf from '@tensorflow/tfjs';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { DnnlAddon } from './addon.js';
import { allocF32, cpuKernel, size, values, type KernelArgs } from './util.js';

function kernel(name: string, fn: (a: KernelArgs, b: MathBackendCPU) => tf.TensorInfo): tf.KernelConfig {
  return { kernelName: name, backendName: 'dnnl', kernelFunc: (a) => fn(a, a.backend as MathBackendCPU) };
}

export function shapeKernels(addon: DnnlAddon): tf.KernelConfig[] {
  return [
    {
      // The concat gradient splits; tfjs's SplitV calls the cpu slice directly, so it needs its own kernel.
      kernelName: tf.SplitV,
      backendName: 'dnnl',
      kernelFunc: (a) => {
        const b = a.backend as MathBackendCPU;
        const { x } = a.inputs as { x: tf.TensorInfo };
        const { numOrSizeSplits, axis } = a.attrs as unknown as tf.SplitVAttrs;
        if (x.dtype !== 'float32' || x.shape.length === 0) return cpuKernel(tf.SplitV, a);
        const ax = tf.util.parseAxisParam(axis, x.shape)[0]!;
        const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax);
        const begin = x.shape.map(() => 0);
        const xv = values(b, x);
        return sizes.map((s) => {
          const sz = [...x.shape];
          sz[ax] = s;
          const y = allocF32(size(sz));
          if (y.length > 0) addon.slice(xv, [...x.shape], [...begin], sz, y);
          begin[ax]! += s;
          return b.makeTensorInfo(sz, 'float32', y);
        });
      },
    },
    kernel(tf.Slice, (a, b) => {
      const { x } = a.inputs as { x: tf.TensorInfo };
      const { begin, size: sz } = a.attrs as unknown as tf.SliceAttrs;
      if (x.dtype !== 'float32' || x.shape.length === 0) return cpuKernel(tf.Slice, a) as tf.TensorInfo;
      const [bg, sizes] = tf.slice_util.parseSliceParams(x as tf.TensorInfo as tf.Tensor, begin, sz) as [
        number[],
        number[],
      ];
      if (sizes.some((d) => d === 0)) return cpuKernel(tf.Slice, a) as tf.TensorInfo;
      const y = allocF32(size(sizes));
      addon.slice(values(b, x), [...x.shape], bg, sizes, y);
      return b.makeTensorInfo(sizes, 'float32', y);
    }),
    kernel(tf.Concat, (a, b) => {
      const inputs = Object.values(a.inputs) as tf.TensorInfo[];
      const { axis } = a.attrs as unknown as tf.ConcatAttrs;
      const nonEmpty = inputs.filter((t) => size(t.shape) > 0);
      const rank = inputs[0]?.shape.length ?? 0;
      if (
        nonEmpty.length < 2 ||
        rank === 0 ||
        inputs.some((t) => t.dtype !== 'float32' || t.shape.length !== rank)
      ) {
        return cpuKernel(tf.Concat, a) as tf.TensorInfo;
      }
      const ax = tf.util.parseAxisParam(axis, inputs[0]!.shape)[0]!;
      const outShape = tf.backend_util.computeOutShape(
        nonEmpty.map((t) => t.shape),
        ax,
      );
      const y = allocF32(size(outShape));
      addon.concat(
        nonEmpty.map((t) => values(b, t)),
        nonEmpty.map((t) => [...t.shape]),
        ax,
        y,
        outShape,
      );
      return b.makeTensorInfo(outShape, 'float32', y);
    }),
    kernel(tf.MaxPool3D, (a, b) => {
      const { x } = a.inputs as { x: tf.TensorInfo };
      const { filterSize, strides, pad, dimRoundingMode, dataFormat } =
        a.attrs as unknown as tf.MaxPool3DAttrs;
      if (x.dtype !== 'float32' || dataFormat !== 'NDHWC') return cpuKernel(tf.MaxPool3D, a) as tf.TensorInfo;
      const c = pool3dInfo(x.shape, filterSize, strides, pad, dimRoundingMode);
      const y = allocF32(size(c.outShape));
      addon.maxPool3d(values(b, x), [...x.shape], y, c.outShape, ...poolGeometry(c));
      return b.makeTensorInfo(c.outShape, 'float32', y);
    }),
    kernel(tf.MaxPool3DGrad, (a, b) => {
      const { dy, input } = a.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
      const { filterSize, strides, pad, dimRoundingMode } = a.attrs as unknown as tf.MaxPool3DGradAttrs;
      const c = pool3dInfo(input.shape, filterSize, strides, pad, dimRoundingMode);
      const dx = allocF32(size(input.shape));
      addon.maxPool3dGrad(
        values(b, input),
        [...input.shape],
        values(b, dy),
        c.outShape,
        dx,
        ...poolGeometry(c),
      );
      return b.makeTensorInfo(input.shape, 'float32', dx);
    }),
    kernel(tf.MaxPool, (a, b) => {
      const { x } = a.inputs as { x: tf.TensorInfo };
      const { filterSize, strides, pad, dimRoundingMode } = a.attrs as unknown as tf.MaxPoolAttrs;
      if (x.dtype !== 'float32' || typeof pad === 'object') return cpuKernel(tf.MaxPool, a) as tf.TensorInfo;
      const x5 = depthOne(x.shape);
      const c = pool3dInfo(x5, window3(filterSize), window3(strides), pad, dimRoundingMode);
      const y = allocF32(size(c.outShape));
      addon.maxPool3d(values(b, x), x5, y, c.outShape, ...poolGeometry(c));
      return b.makeTensorInfo(dropDepth(c.outShape), 'float32', y);
    }),
    kernel(tf.MaxPoolGrad, (a, b) => {
      const { dy, input } = a.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
      const { filterSize, strides, pad, dimRoundingMode } = a.attrs as unknown as tf.MaxPoolGradAttrs;
      if (typeof pad === 'object') return cpuKernel(tf.MaxPoolGrad, a) as tf.TensorInfo;
      const x5 = depthOne(input.shape);
      const c = pool3dInfo(x5, window3(filterSize), window3(strides), pad, dimRoundingMode);
      const dx = allocF32(size(input.shape));
      addon.maxPool3dGrad(values(b, input), x5, values(b, dy), c.outShape, dx, ...poolGeometry(c));
      return b.makeTensorInfo(input.shape, 'float32', dx);
    }),
  ];
}

/** An NHWC shape as NDHWC with D = 1. */
const depthOne = (s: readonly number[]) => [s[0]!, 1, s[1]!, s[2]!, s[3]!];
/** A 2D window or stride as a 3D one of depth 1. */
const window3 = (v: number | readonly number[]): [number, number, number] =>
  typeof v === 'number' ? [1, v, v] : [1, v[0]!, v[1]!];

const dropDepth = (s: readonly number[]) => [s[0]!, ...s.slice(2)];

function pool3dInfo(
  shape: readonly number[],
  filterSize: tf.MaxPool3DAttrs['filterSize'],
  strides: tf.MaxPool3DAttrs['strides'],
  pad: tf.MaxPool3DAttrs['pad'],
  rounding: tf.MaxPool3DAttrs['dimRoundingMode'],
): tf.backend_util.Conv3DInfo {
  return tf.backend_util.computePool3DInfo(
    shape as [number, number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    rounding,
  );
}

function poolGeometry(c: tf.backend_util.Conv3DInfo): [number[], number[], number[], number[]] {
  return [
    [c.filterDepth, c.filterHeight, c.filterWidth],
    [c.strideDepth, c.strideHeight, c.strideWidth],
    [c.padInfo.front, c.padInfo.top, c.padInfo.left],
    [c.padInfo.back, c.padInfo.bottom, c.padInfo.right],
  ];
}
