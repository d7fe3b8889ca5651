/**
 * BatchNormalization for any rank (tfjs-layers' version refuses rank-5 inputs at inference):
 * batch statistics over every axis but the channels while training, with moving averages
 * (momentum 0.99) used at inference (Ioffe & Szegedy 2015).
 */
import * as tf from '@tensorflow/tfjs';

export interface BatchNormalizationArgs {
  name?: string;
  momentum?: number;
  epsilon?: number;
  trainable?: boolean;
}

export class BatchNormalization extends tf.layers.Layer {
  static readonly className = 'KitsegBatchNormalization';
  readonly momentum: number;
  readonly epsilon: number;
  private gamma!: tf.LayerVariable;
  private beta!: tf.LayerVariable;
  private movingMean!: tf.LayerVariable;
  private movingVariance!: tf.LayerVariable;

  constructor(args: BatchNormalizationArgs = {}) {
    super(args);
    this.momentum = args.momentum ?? 0.99;
    this.epsilon = args.epsilon ?? 1e-3;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const c = shape[shape.length - 1];
    if (typeof c !== 'number') throw new Error(`${this.name}: the channel axis must be known`);
    this.gamma = this.addWeight('gamma', [c], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [c], 'float32', tf.initializers.zeros());
    this.movingMean = this.addWeight(
      'moving_mean',
      [c],
      'float32',
      tf.initializers.zeros(),
      undefined,
      false,
    );
    this.movingVariance = this.addWeight(
      'moving_variance',
      [c],
      'float32',
      tf.initializers.ones(),
      undefined,
      false,
    );
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    return tf.tidy(() => {
      if (kwargs['training'] !== true) {
        return tf.batchNorm(
          x,
          this.movingMean.read(),
          this.movingVariance.read(),
          this.beta.read(),
          this.gamma.read(),
          this.epsilon,
        );
      }
      const axes = x.shape.slice(0, -1).map((_, i) => i);
      const { mean, variance } = tf.moments(x, axes);
      const m = this.momentum;
      this.movingMean.write(
        tf.tidy(() =>
          this.movingMean
            .read()
            .mul(m)
            .add(mean.mul(1 - m)),
        ),
      );
      this.movingVariance.write(
        tf.tidy(() =>
          this.movingVariance
            .read()
            .mul(m)
            .add(variance.mul(1 - m)),
        ),
      );
      // Composed from ops: tfjs's FusedBatchNorm gradient assumes rank ≤ 4.
      return x
        .sub(mean)
        .mul(tf.rsqrt(variance.add(this.epsilon)))
        .mul(this.gamma.read())
        .add(this.beta.read());
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), momentum: this.momentum, epsilon: this.epsilon };
  }
}
tf.serialization.registerClass(BatchNormalization);
