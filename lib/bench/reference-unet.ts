/**
 * The reference 3D U-Net of `shared/bench/unet3d_torch.py`, layer for layer, as plain tfjs ops
 * (so the benchmark measures kernels, not the layers API): per level two [conv 3³ + bias →
 * instance norm (affine, ε 1e-5) → LeakyReLU 0.01], max-pool 2, transposed conv 2³ stride 2 up,
 * skip concatenation, a 1³ head; Dice + CE loss; Adam. Channels-last.
 */
import * as tf from '@tensorflow/tfjs';
import { conv3dBias } from '../backend/ops/conv-bias.js';
import { instanceNorm } from '../backend/ops/instance-norm.js';
import { diceCrossEntropy } from '../losses/losses.js';
import type { Rng } from '../rng/rng.js';

export interface ReferenceUnetOptions {
  readonly inChannels: number;
  readonly classes: number;
  readonly base: number;
  readonly levels: number;
}

type Params = Map<string, tf.Variable>;

/** He-uniform-like init in [−b, b], b = 1/√fan_in (PyTorch's default conv init bound). */
function init(params: Params, name: string, shape: number[], fanIn: number, rng: Rng): void {
  const b = 1 / Math.sqrt(fanIn);
  // In tidy: the initial value is a tensor of its own, which would outlive the benchmark.
  params.set(
    name,
    tf.tidy(() => tf.variable(tf.randomUniform(shape, -b, b, 'float32', rng.tfSeed()), true, name)),
  );
}

function conv3x3(params: Params, name: string, ci: number, co: number, rng: Rng): void {
  init(params, `${name}/w`, [3, 3, 3, ci, co], ci * 27, rng);
  init(params, `${name}/b`, [co], ci * 27, rng);
  params.set(
    `${name}/gamma`,
    tf.tidy(() => tf.variable(tf.ones([co]), true, `${name}/gamma`)),
  );
  params.set(
    `${name}/beta`,
    tf.tidy(() => tf.variable(tf.zeros([co]), true, `${name}/beta`)),
  );
}

/** Builds the parameters; returns them with a forward function `[N, D, H, W, C] → logits`. */
export function referenceUnet(opts: ReferenceUnetOptions, rng: Rng) {
  const ch = Array.from({ length: opts.levels }, (_, i) => opts.base * 2 ** i);
  const params: Params = new Map();
  const block = (name: string, ci: number, co: number) => {
    conv3x3(params, `${name}/c1`, ci, co, rng);
    conv3x3(params, `${name}/c2`, co, co, rng);
  };
  ch.forEach((c, i) => block(`down${i}`, i === 0 ? opts.inChannels : ch[i - 1]!, c));
  for (let i = 0; i < opts.levels - 1; i++) {
    init(params, `up${i}/w`, [2, 2, 2, ch[i]!, ch[i + 1]!], ch[i]! * 8, rng);
    init(params, `up${i}/b`, [ch[i]!], ch[i]! * 8, rng);
    block(`dec${i}`, 2 * ch[i]!, ch[i]!);
  }
  init(params, 'head/w', [1, 1, 1, ch[0]!, opts.classes], ch[0]!, rng);
  init(params, 'head/b', [opts.classes], ch[0]!, rng);
  const p = (n: string) => params.get(n)!;

  const convNormAct = (x: tf.Tensor5D, name: string): tf.Tensor5D => {
    // conv + bias and norm + LeakyReLU each run as one fused op where the backend has them.
    const y = conv3dBias(x, p(`${name}/w`) as tf.Tensor5D, p(`${name}/b`) as tf.Tensor1D);
    return instanceNorm(y, p(`${name}/gamma`), p(`${name}/beta`), 1e-5, 0.01) as tf.Tensor5D;
  };
  const blockFwd = (x: tf.Tensor5D, name: string) => convNormAct(convNormAct(x, `${name}/c1`), `${name}/c2`);

  const forward = (x: tf.Tensor5D): tf.Tensor5D => {
    const skips: tf.Tensor5D[] = [];
    let h = x;
    for (let i = 0; i < opts.levels; i++) {
      h = blockFwd(h, `down${i}`);
      if (i < opts.levels - 1) {
        skips.push(h);
        h = tf.maxPool3d(h, 2, 2, 'valid');
      }
    }
    for (let i = opts.levels - 2; i >= 0; i--) {
      const s = skips[i]!;
      const up = tf
        .conv3dTranspose(h, p(`up${i}/w`) as tf.Tensor5D, s.shape, 2, 'valid')
        .add(p(`up${i}/b`)) as tf.Tensor5D;
      h = blockFwd(tf.concat([s, up], 4), `dec${i}`);
    }
    return tf.conv3d(h, p('head/w') as tf.Tensor5D, 1, 'same').add(p('head/b')) as tf.Tensor5D;
  };

  /** Forward conv FLOPs (2·MAC) for an input of spatial size `patch`³ and batch `batch`. */
  const flops = (patch: number, batch: number): number => {
    let total = 0;
    const conv = (vox: number, ci: number, co: number, k: number) => (total += 2 * vox * ci * co * k);
    ch.forEach((c, i) => {
      const vox = (patch / 2 ** i) ** 3;
      conv(vox, i === 0 ? opts.inChannels : ch[i - 1]!, c, 27);
      conv(vox, c, c, 27);
    });
    for (let i = 0; i < opts.levels - 1; i++) {
      const vox = (patch / 2 ** i) ** 3;
      conv(vox / 8, ch[i + 1]!, ch[i]!, 8); // transposed conv: each input voxel scatters a 2³ kernel
      conv(vox, 2 * ch[i]!, ch[i]!, 27);
      conv(vox, ch[i]!, ch[i]!, 27);
    }
    conv(patch ** 3, ch[0]!, opts.classes, 1);
    return total * batch;
  };

  const paramCount = () => [...params.values()].reduce((s, v) => s + v.size, 0);
  const dispose = () => params.forEach((v) => v.dispose());
  return { params, forward, flops, paramCount, dispose };
}

/**
 * Dice + CE as the PyTorch peer computes it: CE mean over voxels + 1 − mean over classes of soft
 * Dice (batch Dice, smooth 1e-5, background included). CE is taken on the softmax probabilities
 * (kitseg's loss, clamped at 1e-7) rather than on the logits; the two differ only where a
 * probability falls below 1e-7.
 */
export function diceCeLoss(logits: tf.Tensor5D, labels: tf.Tensor4D, classes: number): tf.Scalar {
  return tf.tidy(() => {
    const oh = tf.oneHot(labels.toInt(), classes, 1, 0, 'float32');
    const o = { smooth: 1e-5, batchDice: true, includeBackground: true };
    return diceCrossEntropy(tf.softmax(logits), oh, o, 1, 1);
  });
}
