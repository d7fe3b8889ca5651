/**
 * `resunet3d` — Zhang et al.'s cascade stage 2: a first 1×3×3 convolution, pre-activation residual
 * blocks (norm → act → conv, twice, plus identity), strided-convolution downsampling, a decoder of
 * transposed convolutions with additive skips and residual blocks with a 1×1×1 projection
 * shortcut, and deep-supervision heads at every decoder level but the lowest. The spatial prior
 * (stage-1 kidney mask) enters as a second input channel (`inChannels: 2`).
 */
import * as tf from '@tensorflow/tfjs';
import type { ResUnet3dConfig } from '../config/schema/model.js';
import { add, conv, filtersAt, head, normAct, residualBlock, upsample, type Sym } from './blocks.js';

export function buildResUnet3d(cfg: ResUnet3dConfig, patchSize: readonly number[]): tf.LayersModel {
  if (patchSize.length !== 3)
    throw new Error(`resunet3d: patch size must have 3 axes, got [${patchSize.join(', ')}]`);
  patchSize.forEach((s, a) => {
    const total = cfg.strideSchedule.reduce((p, f) => p * f[a]!, 1);
    if (s % total !== 0)
      throw new Error(`resunet3d: patch axis ${a} (${s}) must be divisible by the stride product ${total}`);
  });
  const input = tf.input({ shape: [...patchSize, cfg.inChannels], name: 'image' });
  const levels = cfg.strideSchedule.length + 1;
  let x = conv(input, cfg.baseFilters, [...cfg.firstKernel], [1, 1, 1], 'stem');
  const skips: Sym[] = [];
  for (let l = 0; l < levels; l++) {
    const f = filtersAt(cfg.baseFilters, cfg.maxFilters, l);
    for (let b = 0; b < cfg.blocksPerLevel; b++)
      x = residualBlock(
        x,
        f,
        [...cfg.kernelSize],
        cfg.norm,
        cfg.activation,
        `enc${l}_res${b}`,
        false,
        cfg.residual,
      );
    if (l < levels - 1) {
      skips.push(x);
      x = conv(
        x,
        filtersAt(cfg.baseFilters, cfg.maxFilters, l + 1),
        [...cfg.kernelSize],
        [...cfg.strideSchedule[l]!],
        `enc${l}_down`,
      );
    }
  }
  const outputs: Sym[] = [];
  for (let l = levels - 2; l >= 0; l--) {
    const f = filtersAt(cfg.baseFilters, cfg.maxFilters, l);
    x = upsample(x, f, [...cfg.strideSchedule[l]!], cfg.upsampling, `dec${l}_up`);
    x = add([skips[l]!, x], `dec${l}_skip`);
    x = residualBlock(
      x,
      f,
      [...cfg.kernelSize],
      cfg.norm,
      cfg.activation,
      `dec${l}_res`,
      cfg.residual,
      cfg.residual,
    );
    if (l === 0 || cfg.deepSupervision) {
      const y = normAct(x, cfg.norm, cfg.activation, `dec${l}_out`);
      outputs.push(head(y, cfg.outChannels, cfg.outActivation, l === 0 ? 'output' : `output_ds${l}`));
    }
  }
  // Highest resolution first (nnU-Net's deep-supervision order).
  outputs.reverse();
  return tf.model({
    inputs: input,
    outputs: outputs.length === 1 ? outputs[0]! : outputs,
    name: 'resunet3d',
  });
}
