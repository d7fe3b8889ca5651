/**
 * Native oneDNN convolution kernels for the dnnl backend: Conv2D, Conv3D, their input and filter
 * gradients, and FusedConv2D (bias + activation fused as a oneDNN post-op). Geometry comes from
 * tfjs's own conv_util, so padding and output shapes agree with the cpu kernels exactly.
 */
import * as tf from '@tensorflow/tfjs';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { CONV3D_BIAS, CONV3D_BIAS_FILTER_GRAD } from '../ops/conv-bias.js';
import type { DnnlAddon } from './addon.js';
import { allocF32, cpuKernel, size, values, type KernelArgs } from './util.js';

type Conv2DInfo = tf.backend_util.Conv2DInfo;
type Conv3DInfo = tf.backend_util.Conv3DInfo;

function geometry3d(c: Conv3DInfo) {
  return {
    strides: [c.strideDepth, c.strideHeight, c.strideWidth],
    dilations: [c.dilationDepth, c.dilationHeight, c.dilationWidth],
    padL: [c.padInfo.front, c.padInfo.top, c.padInfo.left],
    padR: [c.padInfo.back, c.padInfo.bottom, c.padInfo.right],
  };
}

function geometry2d(c: Conv2DInfo) {
  return {
    strides: [c.strideHeight, c.strideWidth],
    dilations: [c.dilationHeight, c.dilationWidth],
    padL: [c.padInfo.top, c.padInfo.left],
    padR: [c.padInfo.bottom, c.padInfo.right],
  };
}

type Geometry = ReturnType<typeof geometry3d>;
type S5 = [number, number, number, number, number];

/** Geometry of a 3D convolution from shapes and attributes, via tfjs's own conv_util. */
function info3d(
  xShape: readonly number[],
  filterShape: readonly number[],
  strides: Strides3,
  dilations: Strides3,
  pad: Pad3,
): Geometry & { outShape: number[] } {
  const c = tf.backend_util.computeConv3DInfo(xShape as S5, filterShape as S5, strides, dilations, pad);
  return { ...geometry3d(c), outShape: c.outShape };
}
type Strides3 = number | [number, number, number];
type Pad3 = 'valid' | 'same';

function forward(
  addon: DnnlAddon,
  b: MathBackendCPU,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  outShape: number[],
  g: Geometry,
  bias: tf.TensorInfo | null = null,
  act = 0,
  alpha = 0,
): tf.TensorInfo {
  const y = allocF32(size(outShape));
  addon.convForward(
    values(b, x),
    [...x.shape],
    values(b, filter),
    [...filter.shape],
    bias === null ? null : values(b, bias),
    y,
    outShape,
    g.strides,
    g.dilations,
    g.padL,
    g.padR,
    act,
    alpha,
  );
  return b.makeTensorInfo(outShape, 'float32', y);
}

function backwardData(
  addon: DnnlAddon,
  b: MathBackendCPU,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  inShape: number[],
  g: Geometry,
): tf.TensorInfo {
  const dx = allocF32(size(inShape));
  addon.convBackwardData(
    values(b, dy),
    [...dy.shape],
    values(b, filter),
    [...filter.shape],
    dx,
    inShape,
    g.strides,
    g.dilations,
    g.padL,
    g.padR,
  );
  return b.makeTensorInfo(inShape, 'float32', dx);
}

function backwardWeightsBias(
  addon: DnnlAddon,
  b: MathBackendCPU,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  filterShape: number[],
  g: Geometry,
): tf.TensorInfo[] {
  const dw = allocF32(size(filterShape));
  const cout = filterShape[filterShape.length - 1]!;
  const db = allocF32(cout);
  addon.convBackwardWeights(
    values(b, x),
    [...x.shape],
    values(b, dy),
    [...dy.shape],
    dw,
    filterShape,
    g.strides,
    g.dilations,
    g.padL,
    g.padR,
    db,
  );
  return [b.makeTensorInfo(filterShape, 'float32', dw), b.makeTensorInfo([cout], 'float32', db)];
}

function backwardWeights(
  addon: DnnlAddon,
  b: MathBackendCPU,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  filterShape: number[],
  g: Geometry,
): tf.TensorInfo {
  const dw = allocF32(size(filterShape));
  addon.convBackwardWeights(
    values(b, x),
    [...x.shape],
    values(b, dy),
    [...dy.shape],
    dw,
    filterShape,
    g.strides,
    g.dilations,
    g.padL,
    g.padR,
  );
  return b.makeTensorInfo(filterShape, 'float32', dw);
}

const isNHWC = (f: unknown) => f === undefined || f === 'NHWC' || f === 'NDHWC' || f === 'channelsLast';

/** Activation codes of the addon's fused post-op; undefined = not fusable. */
const ACTIVATIONS: Record<string, number | undefined> = {
  linear: 0,
  relu: 1,
  leakyrelu: 2,
  elu: 3,
  relu6: 4,
};

/** Kernel configs for the dnnl backend, keyed by tfjs kernel name. */
export function convKernels(addon: DnnlAddon): tf.KernelConfig[] {
  const k = (
    kernelName: string,
    fn: (a: KernelArgs, b: MathBackendCPU) => tf.TensorInfo,
  ): tf.KernelConfig => ({
    kernelName,
    backendName: 'dnnl',
    kernelFunc: (args) => fn(args, args.backend as MathBackendCPU),
  });
  /** Filter gradient of a 3D conv; with `bias` also the bias gradient (a second output). */
  const filterGrad3d = (kernelName: string, bias: boolean): tf.KernelConfig => ({
    kernelName,
    backendName: 'dnnl',
    kernelFunc: (a) => {
      const b = a.backend as MathBackendCPU;
      const { x, dy } = a.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const { strides, pad, filterShape } = a.attrs as unknown as tf.Conv3DBackpropFilterV2Attrs;
      const g = info3d(x.shape, filterShape, strides, 1, pad);
      return bias
        ? backwardWeightsBias(addon, b, x, dy, [...filterShape], g)
        : backwardWeights(addon, b, x, dy, [...filterShape], g);
    },
  });
  return [
    k(CONV3D_BIAS, (a, b) => {
      const { x, filter, bias } = a.inputs as {
        x: tf.TensorInfo;
        filter: tf.TensorInfo;
        bias: tf.TensorInfo;
      };
      const { strides, pad } = a.attrs as unknown as tf.Conv3DAttrs;
      const g = info3d(x.shape, filter.shape, strides, 1, pad);
      return forward(addon, b, x, filter, g.outShape, g, bias);
    }),
    filterGrad3d(CONV3D_BIAS_FILTER_GRAD, true),
    k(tf.Conv3D, (a, b) => {
      const { x, filter } = a.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
      const { strides, pad, dilations, dataFormat } = a.attrs as unknown as tf.Conv3DAttrs;
      if (!isNHWC(dataFormat)) return cpuKernel(tf.Conv3D, a) as tf.TensorInfo;
      const g = info3d(x.shape, filter.shape, strides, dilations, pad);
      return forward(addon, b, x, filter, g.outShape, g);
    }),
    k(tf.Conv3DBackpropInputV2, (a, b) => {
      const { dy, filter } = a.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
      const { strides, pad, inputShape } = a.attrs as unknown as tf.Conv3DBackpropInputV2Attrs;
      return backwardData(
        addon,
        b,
        dy,
        filter,
        [...inputShape],
        info3d(inputShape, filter.shape, strides, 1, pad),
      );
    }),
    filterGrad3d(tf.Conv3DBackpropFilterV2, false),
    k(tf.Conv2D, (a, b) => {
      const { x, filter } = a.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
      const { strides, pad, dataFormat, dilations, dimRoundingMode } = a.attrs as unknown as tf.Conv2DAttrs;
      if (!isNHWC(dataFormat)) return cpuKernel(tf.Conv2D, a) as tf.TensorInfo;
      const c = tf.backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number],
        filter.shape as [number, number, number, number],
        strides,
        dilations,
        pad,
        dimRoundingMode,
      );
      return forward(addon, b, x, filter, c.outShape, geometry2d(c));
    }),
    k(tf.Conv2DBackpropInput, (a, b) => {
      const { dy, filter } = a.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
      const { strides, pad, dataFormat, dimRoundingMode, inputShape } =
        a.attrs as unknown as tf.Conv2DBackpropInputAttrs;
      if (!isNHWC(dataFormat)) return cpuKernel(tf.Conv2DBackpropInput, a) as tf.TensorInfo;
      const c = tf.backend_util.computeConv2DInfo(
        inputShape,
        filter.shape as [number, number, number, number],
        strides,
        1,
        pad,
        dimRoundingMode,
      );
      return backwardData(addon, b, dy, filter, [...inputShape], geometry2d(c));
    }),
    k(tf.Conv2DBackpropFilter, (a, b) => {
      const { x, dy } = a.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const { strides, pad, dataFormat, dimRoundingMode, filterShape } =
        a.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
      if (!isNHWC(dataFormat)) return cpuKernel(tf.Conv2DBackpropFilter, a) as tf.TensorInfo;
      const c = tf.backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number],
        filterShape,
        strides,
        1,
        pad,
        dimRoundingMode,
      );
      return backwardWeights(addon, b, x, dy, [...filterShape], geometry2d(c));
    }),
    k(tf.FusedConv2D, (a, b) => {
      const { x, filter, bias, preluActivationWeights } = a.inputs as Record<
        string,
        tf.TensorInfo | undefined
      >;
      const { strides, pad, dataFormat, dilations, dimRoundingMode, activation, leakyreluAlpha } =
        a.attrs as unknown as tf.FusedConv2DAttrs;
      const act = ACTIVATIONS[activation];
      // 1-D bias only: a broadcast bias of another shape or PReLU weights go to the cpu kernel.
      const biasOk = bias === undefined || bias.shape.length === 1;
      if (!isNHWC(dataFormat) || act === undefined || preluActivationWeights !== undefined || !biasOk) {
        return cpuKernel(tf.FusedConv2D, a) as tf.TensorInfo;
      }
      const c = tf.backend_util.computeConv2DInfo(
        x!.shape as [number, number, number, number],
        filter!.shape as [number, number, number, number],
        strides,
        dilations,
        pad,
        dimRoundingMode,
      );
      return forward(
        addon,
        b,
        x!,
        filter!,
        c.outShape,
        geometry2d(c),
        bias ?? null,
        act,
        leakyreluAlpha ?? 0.2,
      );
    }),
  ];
}
