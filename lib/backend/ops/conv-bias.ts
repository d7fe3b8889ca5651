/**
 * 3D convolution with bias, fused where the backend has the kernels (dnnl: bias added inside the
 * oneDNN convolution, its gradient computed by the backward-weights primitive), composed from
 * `conv3d` + `add` elsewhere. Same values either way.
 */
import * as tf from '@tensorflow/tfjs';

export const CONV3D_BIAS = 'KitsegConv3DBias';
export const CONV3D_BIAS_FILTER_GRAD = 'KitsegConv3DBiasFilterGrad';

type Pad = 'same' | 'valid';
type Strides = [number, number, number] | number;

/**
 * The fused kernel's gradient. A registered gradient (not `tf.customGrad`) so that the input
 * gradient is computed only when the tape needs it: the first layer's input is the image, and its
 * gradient would be a full-resolution convolution thrown away. The filter and bias gradients come
 * from one kernel, so both are computed as soon as the node is reached; if neither is needed, the
 * engine's backward scope disposes them.
 */
export const conv3dBiasGradConfig: tf.GradConfig = {
  kernelName: CONV3D_BIAS,
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved as [tf.Tensor, tf.Tensor];
    const { strides, pad } = attrs as unknown as { strides: Strides; pad: Pad };
    const [dw, db] = tf.engine().runKernel(CONV3D_BIAS_FILTER_GRAD, { x, dy: dy as tf.Tensor }, {
      strides,
      pad,
      filterShape: filter.shape,
    } as unknown as tf.NamedAttrMap) as [tf.Tensor, tf.Tensor];
    return {
      x: () =>
        tf.engine().runKernel(tf.Conv3DBackpropInputV2, { dy: dy as tf.Tensor, filter }, {
          strides,
          pad,
          inputShape: x.shape,
        } as unknown as tf.NamedAttrMap) as tf.Tensor,
      filter: () => dw,
      bias: () => db,
    };
  },
};

/** Registers the fused kernel's gradient (idempotent: the registry is keyed by kernel name). */
export function registerConv3dBiasGradient(): void {
  tf.registerGradient(conv3dBiasGradConfig);
}

/**
 * `conv3d(x, filter) + bias` for channels-last `x` `[N, D, H, W, Cin]`, `filter`
 * `[kD, kH, kW, Cin, Cout]`, `bias` `[Cout]`.
 */
export function conv3dBias(
  x: tf.Tensor5D,
  filter: tf.Tensor5D,
  bias: tf.Tensor1D,
  strides: Strides = 1,
  pad: Pad = 'same',
): tf.Tensor5D {
  if (tf.getKernel(CONV3D_BIAS, tf.getBackend()) !== undefined && x.dtype === 'float32') {
    return tf.engine().runKernel(CONV3D_BIAS, { x, filter, bias }, {
      strides,
      pad,
    } as unknown as tf.NamedAttrMap) as tf.Tensor5D;
  }
  return tf.tidy(() => tf.conv3d(x, filter, strides, pad).add(bias));
}
