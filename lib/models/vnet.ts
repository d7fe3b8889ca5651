/**
 * `vnet` — Milletari et al.: 5×5×5 convolutions in residual stages of 1–3 convolutions with
 * PReLU, 2×2×2 stride-2 down-convolutions that double the features, transposed up-convolutions,
 * skip concatenation, and a 1×1×1 softmax head (used on 64×64×32 crops by the detection-cascade
 * paper and by Wei et al.). The first stage's residual adds the input replicated across channels,
 * as in the original.
 */
import * as tf from '@tensorflow/tfjs';
import type { VnetConfig } from '../config/schema/model.js';
import { activation, add, concat, conv, filtersAt, head, normAct, upsample, type Sym } from './blocks.js';

function stage(x: Sym, filters: number, n: number, cfg: VnetConfig, name: string): Sym {
  let y = x;
  for (let i = 0; i < n; i++) {
    y = conv(y, filters, [...cfg.kernelSize], [1, 1, 1], `${name}_conv${i}`);
    // The last activation comes after the residual sum.
    y = i < n - 1 ? normAct(y, cfg.norm, cfg.activation, `${name}_${i}`) : y;
  }
  return y;
}

function residualOut(x: Sym, y: Sym, cfg: VnetConfig, name: string): Sym {
  const sum = add([x, y], `${name}_add`);
  return normAct(sum, cfg.norm, cfg.activation, `${name}_out`);
}

export function buildVnet(cfg: VnetConfig, patchSize: readonly number[]): tf.LayersModel {
  if (patchSize.length !== 3)
    throw new Error(`vnet: patch size must have 3 axes, got [${patchSize.join(', ')}]`);
  const downs = cfg.convsPerStage.length - 1;
  patchSize.forEach((s, a) => {
    const total = cfg.downFactor[a]! ** downs;
    if (s % total !== 0) throw new Error(`vnet: patch axis ${a} (${s}) must be divisible by ${total}`);
  });
  const input = tf.input({ shape: [...patchSize, cfg.inChannels], name: 'image' });
  const f0 = cfg.baseFilters;
  // Stage 0: the input, replicated to f0 channels, is the residual.
  if (f0 % cfg.inChannels !== 0)
    throw new Error(`vnet: baseFilters (${f0}) must be a multiple of inChannels (${cfg.inChannels})`);
  const replicated =
    f0 === cfg.inChannels
      ? input
      : concat(
          Array.from({ length: f0 / cfg.inChannels }, () => input),
          'stage0_replicate',
        );
  let x = residualOut(replicated, stage(input, f0, cfg.convsPerStage[0]!, cfg, 'stage0'), cfg, 'stage0');
  const skips: Sym[] = [x];
  for (let s = 1; s <= downs; s++) {
    const f = filtersAt(f0, cfg.maxFilters, s);
    const down = activation(
      conv(x, f, [...cfg.downFactor], [...cfg.downFactor], `down${s}`),
      cfg.activation,
      `down${s}_act`,
    );
    x = residualOut(down, stage(down, f, cfg.convsPerStage[s]!, cfg, `stage${s}`), cfg, `stage${s}`);
    if (s < downs) skips.push(x);
  }
  for (let s = downs - 1; s >= 0; s--) {
    const f = filtersAt(f0, cfg.maxFilters, s);
    const up = activation(
      upsample(x, f, [...cfg.downFactor], cfg.upsampling, `up${s}`),
      cfg.activation,
      `up${s}_act`,
    );
    const merged = concat([skips[s]!, up], `up${s}_concat`);
    x = residualOut(
      merged,
      stage(merged, 2 * f, Math.max(1, cfg.convsPerStage[s]!), cfg, `upstage${s}`),
      cfg,
      `upstage${s}`,
    );
  }
  return tf.model({
    inputs: input,
    outputs: head(x, cfg.outChannels, cfg.outActivation, 'output'),
    name: 'vnet',
  });
}
