/**
 * Cropping3D and ZeroPadding3D (tfjs-layers has only the 2D versions): crop or zero-pad the D, H,
 * W axes by `[[front, back], [top, bottom], [left, right]]` voxels, e.g. to match a skip
 * connection's shape after pooling an odd size.
 */
import * as tf from '@tensorflow/tfjs';

export type Margins3D = [[number, number], [number, number], [number, number]];

export interface CropPad3DArgs {
  name?: string;
  margins: Margins3D;
  trainable?: boolean;
}

function shapeOf(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
  return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
}

/** Shared by crop and pad: the margins, the output shape (sign +1 pads, −1 crops) and the config. */
abstract class Margins3DLayer extends tf.layers.Layer {
  readonly margins: Margins3D;
  protected abstract readonly sign: 1 | -1;

  constructor(args: CropPad3DArgs) {
    super(args);
    this.margins = args.margins;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = shapeOf(inputShape);
    const m = this.margins;
    return [
      s[0]!,
      ...[1, 2, 3].map((a) => (s[a] == null ? null : s[a]! + this.sign * (m[a - 1]![0] + m[a - 1]![1]))),
      s[4]!,
    ];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), margins: this.margins };
  }
}

export class Cropping3D extends Margins3DLayer {
  static readonly className = 'KitsegCropping3D';
  protected readonly sign = -1;

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    const m = this.margins;
    const size = [1, 2, 3].map((a) => x.shape[a]! - m[a - 1]![0] - m[a - 1]![1]);
    return x.slice([0, m[0][0], m[1][0], m[2][0], 0], [-1, ...size, -1]);
  }
}
tf.serialization.registerClass(Cropping3D);

export class ZeroPadding3D extends Margins3DLayer {
  static readonly className = 'KitsegZeroPadding3D';
  protected readonly sign = 1;

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    return tf.pad(x, [[0, 0], ...this.margins, [0, 0]]);
  }
}
tf.serialization.registerClass(ZeroPadding3D);
