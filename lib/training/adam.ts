/**
 * Adam (Kingma & Ba 2015) with tfjs's exact update rule, one fused kernel per variable on the cpu
 * and dnnl backends. State (step, first and second moments) is exposed through
 * `getWeights`/`setWeights` in tfjs's optimizer format, so a run can resume bit-exactly.
 */
import * as tf from '@tensorflow/tfjs';
import { adamUpdate } from '../backend/ops/adam-update.js';

/** A named tensor, as tfjs optimizers exchange state. */
interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

export interface AdamOptions {
  readonly lr: number;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
}

export class FusedAdam extends tf.Optimizer {
  static readonly className = 'KitsegAdam';
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  private step = 0;
  private readonly moments = new Map<string, { m: tf.Variable; v: tf.Variable }>();

  constructor(opts: AdamOptions) {
    super();
    this.lr = opts.lr;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.epsilon = opts.epsilon ?? 1e-7; // tfjs's default
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const list = Array.isArray(variableGradients)
      ? variableGradients
      : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
    this.step++;
    const attrs = {
      lr: this.lr,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      c1: 1 - this.beta1 ** this.step,
      c2: 1 - this.beta2 ** this.step,
    };
    tf.tidy(() => {
      for (const { name, tensor: g } of list) {
        const w = tf.engine().registeredVariables[name];
        if (w === undefined || g == null) continue;
        let s = this.moments.get(name);
        if (s === undefined) {
          s = { m: tf.variable(tf.zerosLike(w), false), v: tf.variable(tf.zerosLike(w), false) };
          this.moments.set(name, s);
        }
        const [w2, m2, v2] = adamUpdate(w, g, s.m, s.v, attrs);
        w.assign(w2!);
        s.m.assign(m2!);
        s.v.assign(v2!);
      }
    });
    this.incrementIterations();
  }

  override dispose(): void {
    for (const s of this.moments.values()) tf.dispose([s.m, s.v]);
    this.moments.clear();
    super.dispose();
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const out: NamedTensor[] = [{ name: 'iter', tensor: tf.scalar(this.step, 'int32') }];
    for (const [name, s] of this.moments) {
      out.push({ name: `${name}/m`, tensor: s.m.clone() }, { name: `${name}/v`, tensor: s.v.clone() });
    }
    return out;
  }

  override async setWeights(weights: NamedTensor[]): Promise<void> {
    for (const s of this.moments.values()) tf.dispose([s.m, s.v]);
    this.moments.clear();
    for (const { name, tensor } of weights) {
      if (name === 'iter') this.step = (await tensor.data())[0]!;
      else {
        const base = name.slice(0, -2);
        const s = this.moments.get(base) ?? {
          m: undefined as unknown as tf.Variable,
          v: undefined as unknown as tf.Variable,
        };
        if (name.endsWith('/m')) s.m = tf.variable(tensor.clone(), false);
        else s.v = tf.variable(tensor.clone(), false);
        this.moments.set(base, s);
      }
    }
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { lr: this.lr, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}
