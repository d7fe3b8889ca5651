/**
 * A 3D convolution whose bias is added inside the convolution (`conv3dBias`). tfjs-layers' Conv3D
 * adds the bias as a separate op and sums it back out in the backward pass: two more sweeps over
 * every activation, about 6 % of a stage-2 bf16 train step on the dnnl backend. The weights are named,
 * shaped and initialised as tfjs's Conv3D (`kernel`, then `bias`), so a seed builds the same
 * weights, and checkpoints saved with tfjs's Conv3D still load (as that class).
 */
import * as tf from '@tensorflow/tfjs';
import { conv3dBias } from '../../backend/ops/conv-bias.js';

type Triple = [number, number, number];
type Padding = 'same' | 'valid';

export interface Conv3DBiasArgs {
  filters: number;
  kernelSize: number[];
  strides: number[];
  padding: Padding;
  name?: string;
  /** Defaults to He normal (unseeded): a loaded model's weights replace it. */
  kernelInitializer?: ReturnType<typeof tf.initializers.heNormal>;
  trainable?: boolean;
}

function triple(v: readonly number[], what: string, layer: string): Triple {
  if (v.length !== 3 || v.some((x) => !Number.isInteger(x) || x < 1))
    throw new Error(`${layer}: ${what} must be 3 positive integers, got [${v.join(', ')}]`);
  return [v[0]!, v[1]!, v[2]!];
}

/** tfjs's output length of one spatial axis. */
function outLength(n: number | null, k: number, s: number, padding: Padding): number | null {
  if (n === null) return null;
  return Math.ceil((padding === 'same' ? n : n - k + 1) / s);
}

export class Conv3DBias extends tf.layers.Layer {
  static readonly className = 'KitsegConv3DBias';
  readonly filters: number;
  readonly kernelSize: Triple;
  readonly strides: Triple;
  readonly padding: Padding;
  private readonly kernelInitializer: ReturnType<typeof tf.initializers.heNormal>;
  private kernel!: tf.LayerVariable;
  private bias!: tf.LayerVariable;

  constructor(args: Conv3DBiasArgs) {
    super(args);
    this.filters = args.filters;
    this.kernelSize = triple(args.kernelSize, 'kernelSize', this.name);
    this.strides = triple(args.strides, 'strides', this.name);
    this.padding = args.padding;
    this.kernelInitializer = args.kernelInitializer ?? tf.initializers.heNormal({});
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const c = shape[4];
    if (shape.length !== 5 || typeof c !== 'number')
      throw new Error(
        `${this.name}: expected a [N, D, H, W, C] input with known C, got ${JSON.stringify(shape)}`,
      );
    this.kernel = this.addWeight(
      'kernel',
      [...this.kernelSize, c, this.filters],
      'float32',
      this.kernelInitializer,
    );
    this.bias = this.addWeight('bias', [this.filters], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const spatial = [1, 2, 3].map((a) =>
      outLength(s[a] ?? null, this.kernelSize[a - 1]!, this.strides[a - 1]!, this.padding),
    );
    return [s[0] ?? null, ...spatial, this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor5D;
    return conv3dBias(
      x,
      this.kernel.read() as tf.Tensor5D,
      this.bias.read() as tf.Tensor1D,
      this.strides,
      this.padding,
    );
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
    };
  }
}
tf.serialization.registerClass(Conv3DBias);
