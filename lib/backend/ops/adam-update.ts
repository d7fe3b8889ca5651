/**
 * One fused Adam update per variable (`KitsegAdamUpdate`: w, g, m, v → w', m', v'), replacing the
 * dozen elementwise ops tfjs's Adam issues per variable. Same formula as `tf.train.adam`:
 * m' = β1·m + (1−β1)·g, v' = β2·v + (1−β2)·g², w' = w − lr·(m'/c1)/(√(v'/c2) + ε).
 */
import * as tf from '@tensorflow/tfjs';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

export const ADAM_UPDATE = 'KitsegAdamUpdate';

export interface AdamAttrs {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** 1 − β1^t and 1 − β2^t. */
  c1: number;
  c2: number;
}

type Update = (
  w: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  a: AdamAttrs,
) => Float32Array[];

function updateJs(
  w: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  a: AdamAttrs,
): Float32Array[] {
  const w2 = new Float32Array(w.length);
  const m2 = new Float32Array(w.length);
  const v2 = new Float32Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const mi = Math.fround(a.beta1 * m[i]! + (1 - a.beta1) * g[i]!);
    const vi = Math.fround(a.beta2 * v[i]! + (1 - a.beta2) * g[i]! * g[i]!);
    m2[i] = mi;
    v2[i] = vi;
    w2[i] = w[i]! - (a.lr * (mi / a.c1)) / (Math.sqrt(vi / a.c2) + a.epsilon);
  }
  return [w2, m2, v2];
}

export function adamUpdateKernel(backendName: string, update: Update = updateJs): tf.KernelConfig {
  return {
    kernelName: ADAM_UPDATE,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as MathBackendCPU;
      const t = inputs as Record<'w' | 'g' | 'm' | 'v', tf.TensorInfo>;
      const get = (x: tf.TensorInfo) => b.data.get(x.dataId).values as Float32Array;
      const out = update(get(t.w), get(t.g), get(t.m), get(t.v), attrs as unknown as AdamAttrs);
      return out.map((o) => b.makeTensorInfo(t.w.shape, 'float32', o));
    },
  };
}

let registered = false;

/** Registers the cpu (JS) kernel once. */
export function registerAdamUpdate(): void {
  if (registered) return;
  tf.registerKernel(adamUpdateKernel('cpu'));
  registered = true;
}

/** The updated (w, m, v); composed from tf ops on backends without the fused kernel. */
export function adamUpdate(
  w: tf.Tensor,
  g: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  a: AdamAttrs,
): tf.Tensor[] {
  registerAdamUpdate();
  if (tf.getKernel(ADAM_UPDATE, tf.getBackend()) !== undefined && g.dtype === 'float32') {
    return tf.engine().runKernel(ADAM_UPDATE, { w, g, m, v }, a as unknown as tf.NamedAttrMap) as tf.Tensor[];
  }
  return tf.tidy(() => {
    const m2 = m.mul(a.beta1).add(g.mul(1 - a.beta1));
    const v2 = v.mul(a.beta2).add(g.square().mul(1 - a.beta2));
    const w2 = w.sub(m2.div(a.c1).mul(a.lr).div(v2.div(a.c2).sqrt().add(a.epsilon)));
    return [w2, m2, v2];
  });
}
