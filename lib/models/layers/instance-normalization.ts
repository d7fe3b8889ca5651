/**
 * InstanceNormalization (tfjs-layers has none): per-sample, per-channel normalisation over the
 * spatial axes of a channels-last input, with learned γ, β, optionally fused with a following
 * LeakyReLU (`leakySlope`) so the dnnl backend does norm + activation in one pass.
 */
import * as tf from '@tensorflow/tfjs';
import { instanceNorm } from '../../backend/ops/instance-norm.js';

export interface InstanceNormalizationArgs {
  name?: string;
  epsilon?: number;
  /** Negative slope of a fused LeakyReLU (0: a ReLU); omitted: no activation. */
  leakySlope?: number | null;
  trainable?: boolean;
}

export class InstanceNormalization extends tf.layers.Layer {
  static readonly className = 'KitsegInstanceNormalization';
  readonly epsilon: number;
  readonly leakySlope: number | null;
  private gamma!: tf.LayerVariable;
  private beta!: tf.LayerVariable;

  constructor(args: InstanceNormalizationArgs = {}) {
    super(args);
    this.epsilon = args.epsilon ?? 1e-5;
    this.leakySlope = args.leakySlope ?? null;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const c = shape[shape.length - 1];
    if (typeof c !== 'number')
      throw new Error(`${this.name}: the channel axis must be known, got ${JSON.stringify(shape)}`);
    this.gamma = this.addWeight('gamma', [c], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [c], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    return instanceNorm(x, this.gamma.read(), this.beta.read(), this.epsilon, this.leakySlope ?? undefined);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon, leakySlope: this.leakySlope };
  }
}
tf.serialization.registerClass(InstanceNormalization);
