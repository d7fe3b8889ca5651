/**
 * 3D upsampling layers tfjs-layers lacks: nearest-neighbour repetition (`UpSampling3D`) and
 * trilinear interpolation to an integer factor (`TrilinearUpSampling3D`, half-pixel centres like
 * PyTorch's `align_corners=False`). Trilinear is applied axis by axis as a product with a small
 * interpolation matrix, so it is exact, differentiable and runs on the matmul kernel.
 */
import * as tf from '@tensorflow/tfjs';

type Int3 = [number, number, number];

export interface UpSampling3DArgs {
  name?: string;
  /** Factors along D, H, W. */
  size: Int3;
  trainable?: boolean;
}

/** Upsampled static shape, or null entries where unknown. */
function upShape(shape: tf.Shape, size: Int3): tf.Shape {
  return [
    shape[0]!,
    ...[1, 2, 3].map((a) => (shape[a] == null ? null : shape[a]! * size[a - 1]!)),
    shape[4]!,
  ];
}

/** Shared by the upsampling layers: the integer factors, the output shape and the config. */
abstract class Upsampling3DBase extends tf.layers.Layer {
  readonly size: Int3;

  constructor(args: UpSampling3DArgs) {
    super(args);
    this.size = args.size;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return upShape((Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape, this.size);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), size: this.size };
  }
}

export class UpSampling3D extends Upsampling3DBase {
  static readonly className = 'KitsegUpSampling3D';

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor5D;
    return tf.tidy(() => {
      const [n, d, h, w, c] = x.shape;
      const [fd, fh, fw] = this.size;
      // [N, D, 1, H, 1, W, 1, C] tiled along the singleton axes, then merged.
      return x
        .reshape([n, d, 1, h, 1, w, 1, c])
        .tile([1, 1, fd, 1, fh, 1, fw, 1])
        .reshape([n, d * fd, h * fh, w * fw, c]);
    });
  }
}
tf.serialization.registerClass(UpSampling3D);

/** Interpolation matrix [out, in] for linear resizing with half-pixel centres (edge-clamped). */
export function linearResizeMatrix(inSize: number, outSize: number): Float32Array {
  const m = new Float32Array(outSize * inSize);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const src = Math.min(Math.max((o + 0.5) * scale - 0.5, 0), inSize - 1);
    const i0 = Math.floor(src);
    const i1 = Math.min(i0 + 1, inSize - 1);
    const t = src - i0;
    m[o * inSize + i0]! += 1 - t;
    m[o * inSize + i1]! += t;
  }
  return m;
}

/** Resizes axis `axis` (1, 2 or 3) of a 5D tensor by multiplying with the interpolation matrix. */
function resizeAxis(x: tf.Tensor5D, axis: number, outSize: number): tf.Tensor5D {
  const inSize = x.shape[axis]!;
  if (inSize === outSize) return x;
  const m = tf.tensor2d(linearResizeMatrix(inSize, outSize), [outSize, inSize]);
  const perm = [axis, ...[0, 1, 2, 3, 4].filter((a) => a !== axis)];
  const moved = x.transpose(perm);
  const rest = moved.shape.slice(1);
  const y = tf.matMul(m, moved.reshape([inSize, -1])).reshape([outSize, ...rest]);
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return y.transpose(inverse) as tf.Tensor5D;
}

export class TrilinearUpSampling3D extends Upsampling3DBase {
  static readonly className = 'KitsegTrilinearUpSampling3D';

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor5D;
    return tf.tidy(() => {
      let y = x;
      for (let a = 1; a <= 3; a++) y = resizeAxis(y, a, x.shape[a]! * this.size[a - 1]!);
      return y;
    });
  }
}
tf.serialization.registerClass(TrilinearUpSampling3D);
