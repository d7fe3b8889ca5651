/**
 * Gradient of Conv3DBackpropInputV2 (the kernel behind `tf.conv3dTranspose`), which tfjs-core
 * lacks, so transposed 3D convolutions train on every backend. As for Conv2DBackpropInput:
 * d/d(dy) = conv3d(ddx, filter) and d/d(filter) = Conv3DBackpropFilterV2(ddx, dy).
 */
import * as tf from '@tensorflow/tfjs';

export const conv3dBackpropInputGradConfig: tf.GradConfig = {
  kernelName: tf.Conv3DBackpropInputV2,
  inputsToSave: ['dy', 'filter'],
  gradFunc: (ddx, saved, attrs) => {
    const [dy, filter] = saved as [tf.Tensor5D, tf.Tensor5D];
    const { strides, pad } = attrs as unknown as tf.Conv3DBackpropInputV2Attrs;
    const g = ddx as tf.Tensor5D;
    return {
      dy: () => tf.conv3d(g, filter, strides, pad),
      filter: () =>
        tf.engine().runKernel(tf.Conv3DBackpropFilterV2, { x: g, dy }, {
          strides,
          pad,
          filterShape: filter.shape,
        } as unknown as tf.NamedAttrMap) as tf.Tensor,
    };
  },
};

let registered = false;

/** Registers the gradient once (idempotent). */
export function registerConv3dBackpropInputGradient(): void {
  if (registered || tf.getGradient(tf.Conv3DBackpropInputV2) !== undefined) return;
  tf.registerGradient(conv3dBackpropInputGradConfig);
  registered = true;
}
