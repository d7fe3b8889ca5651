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

function fused(strides: Strides, pad: Pad) {
  const f = (x: tf.Tensor, filter: tf.Tensor, bias: tf.Tensor, save: tf.GradSaveFunc) => {
    const y = tf.engine().runKernel(CONV3D_BIAS, { x, filter, bias }, { strides, pad }) as tf.Tensor;
    save([x, filter]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sf] = saved as [tf.Tensor, tf.Tensor];
        const dx = tf.engine().runKernel(tf.Conv3DBackpropInputV2, { dy, filter: sf }, {
          strides,
          pad,
          inputShape: sx.shape,
        } as unknown as tf.NamedAttrMap) as tf.Tensor;
        const [dw, db] = tf.engine().runKernel(CONV3D_BIAS_FILTER_GRAD, { x: sx, dy }, {
          strides,
          pad,
          filterShape: sf.shape,
        } as unknown as tf.NamedAttrMap) as tf.Tensor[];
        return [dx, dw!, db!];
      },
    };
  };
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]);
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
    return tf.tidy(() => fused(strides, pad)(x, filter, bias)) as tf.Tensor5D;
  }
  return tf.tidy(() => tf.conv3d(x, filter, strides, pad).add(bias));
}
