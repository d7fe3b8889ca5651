/**
 * Differentiable trilinear sampling for registration with tfjs autodiff: values of a volume at
 * continuous voxel positions, with gradients flowing to the positions through the interpolation
 * weights. The corner indices and corner values are constants (computed in JS off the tape), so
 * the tracked work is seven same-shape lerps — no gather, no broadcasting (both slow in tfjs's
 * cpu kernels). Positions are clamped to the volume, so outside reads the border.
 */
import * as tf from '@tensorflow/tfjs';
import type { Shape3D } from '../core/types.js';

/**
 * @param vol the volume `[D, H, W]`, flat
 * @param z, y, x voxel positions `[N]` along D, H, W
 * @returns `[N]` interpolated values
 */
export function trilinear(
  vol: Float32Array,
  shape: Shape3D,
  z: tf.Tensor1D,
  y: tf.Tensor1D,
  x: tf.Tensor1D,
): tf.Tensor1D {
  return tf.tidy(() => {
    const [D, H, W] = shape;
    const n = z.shape[0];
    const axis = (p: tf.Tensor1D, size: number) => {
      const c = tf.clipByValue(p, 0, size - 1);
      const i0 = new Int32Array(n);
      const cv = c.dataSync();
      for (let k = 0; k < n; k++) i0[k] = Math.min(Math.floor(cv[k]!), Math.max(0, size - 2));
      return { i0, t: tf.sub(c, tf.tensor1d(Float32Array.from(i0))) as tf.Tensor1D, step: size > 1 ? 1 : 0 };
    };
    const az = axis(z, D);
    const ay = axis(y, H);
    const ax = axis(x, W);
    const corner = (dz: number, dy: number, dx: number) => {
      const v = new Float32Array(n);
      for (let k = 0; k < n; k++)
        v[k] =
          vol[((az.i0[k]! + dz * az.step) * H + ay.i0[k]! + dy * ay.step) * W + ax.i0[k]! + dx * ax.step]!;
      return v;
    };
    const lerp = (a: tf.Tensor1D, b: tf.Tensor1D, t: tf.Tensor1D) =>
      tf.add(a, tf.mul(t, tf.sub(b, a))) as tf.Tensor1D;
    const c = (dz: number, dy: number, dx: number) => tf.tensor1d(corner(dz, dy, dx));
    const x00 = lerp(c(0, 0, 0), c(0, 0, 1), ax.t);
    const x01 = lerp(c(0, 1, 0), c(0, 1, 1), ax.t);
    const x10 = lerp(c(1, 0, 0), c(1, 0, 1), ax.t);
    const x11 = lerp(c(1, 1, 0), c(1, 1, 1), ax.t);
    return lerp(lerp(x00, x01, ay.t), lerp(x10, x11, ay.t), az.t);
  });
}
