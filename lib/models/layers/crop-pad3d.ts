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

export class Cropping3D extends tf.layers.Layer {
  static readonly className = 'KitsegCropping3D';
  readonly margins: Margins3D;

  constructor(args: CropPad3DArgs) {
    super(args);
    this.margins = args.margins;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = shapeOf(inputShape);
    return [
      s[0]!,
      ...[1, 2, 3].map((a) =>
        s[a] == null ? null : s[a]! - this.margins[a - 1]![0] - this.margins[a - 1]![1],
      ),
      s[4]!,
    ];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    const m = this.margins;
    return x.slice(
      [0, m[0][0], m[1][0], m[2][0], 0],
      [
        -1,
        x.shape[1]! - m[0][0] - m[0][1],
        x.shape[2]! - m[1][0] - m[1][1],
        x.shape[3]! - m[2][0] - m[2][1],
        -1,
      ],
    );
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), margins: this.margins };
  }
}
tf.serialization.registerClass(Cropping3D);

export class ZeroPadding3D extends tf.layers.Layer {
  static readonly className = 'KitsegZeroPadding3D';
  readonly margins: Margins3D;

  constructor(args: CropPad3DArgs) {
    super(args);
    this.margins = args.margins;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = shapeOf(inputShape);
    return [
      s[0]!,
      ...[1, 2, 3].map((a) =>
        s[a] == null ? null : s[a]! + this.margins[a - 1]![0] + this.margins[a - 1]![1],
      ),
      s[4]!,
    ];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    return tf.pad(x, [[0, 0], ...this.margins, [0, 0]]);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), margins: this.margins };
  }
}
tf.serialization.registerClass(ZeroPadding3D);
