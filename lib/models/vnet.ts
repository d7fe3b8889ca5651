/**
 * `vnet` — Milletari et al.: 5×5×5 convolutions in residual stages of 1–3 convolutions with
 * PReLU, 2×2×2 stride-2 down-convolutions that double the features, transposed up-convolutions,
 * skip concatenation, and a 1×1×1 softmax head (used on 64×64×32 crops by the detection-cascade
 * paper and by Wei et al.). The first stage's residual adds the input replicated across channels,
 * as in the original.
 *
 * `vnetPair` — Wei et al.'s phase-2 coarse-to-fine pair: V-Net 1 segments the ROI; its output
 * concatenated with the ROI CT is V-Net 2's input; each decoder stage output of V-Net 1 is added
 * to the matching decoder stage of V-Net 2; both outputs are returned (V-Net 2's first) so both
 * can be supervised.
 */
import * as tf from '@tensorflow/tfjs';
import type { VnetConfig, VnetPairConfig } from '../config/schema/model.js';
import { activation, add, concat, conv, filtersAt, head, normAct, upsample, type Sym } from './blocks.js';

type VnetShape = Omit<VnetConfig, 'type'>;

function stage(x: Sym, filters: number, n: number, cfg: VnetShape, name: string): Sym {
  let y = x;
  for (let i = 0; i < n; i++) {
    y = conv(y, filters, [...cfg.kernelSize], [1, 1, 1], `${name}_conv${i}`);
    // The last activation comes after the residual sum.
    y = i < n - 1 ? normAct(y, cfg.norm, cfg.activation, `${name}_${i}`) : y;
  }
  return y;
}

function residualOut(x: Sym, y: Sym, cfg: VnetShape, name: string): Sym {
  return normAct(add([x, y], `${name}_add`), cfg.norm, cfg.activation, `${name}_out`);
}

function checkPatch(type: string, cfg: VnetShape, patchSize: readonly number[]): void {
  if (patchSize.length !== 3)
    throw new Error(`${type}: patch size must have 3 axes, got [${patchSize.join(', ')}]`);
  const downs = cfg.convsPerStage.length - 1;
  patchSize.forEach((s, a) => {
    const total = cfg.downFactor[a]! ** downs;
    if (s % total !== 0) throw new Error(`${type}: patch axis ${a} (${s}) must be divisible by ${total}`);
  });
  if (cfg.baseFilters % cfg.inChannels !== 0) {
    throw new Error(
      `${type}: baseFilters (${cfg.baseFilters}) must be a multiple of inChannels (${cfg.inChannels})`,
    );
  }
}

/**
 * The V-Net graph on `input` with `inChannels` channels. `fuse` (decoder stage outputs of another
 * V-Net, coarsest first) are added to this one's decoder stages. Returns the head and the decoder
 * stage outputs (coarsest first).
 */
function vnetGraph(
  input: Sym,
  inChannels: number,
  cfg: VnetShape,
  p: string,
  fuse?: Sym[],
): { out: Sym; decoder: Sym[] } {
  const downs = cfg.convsPerStage.length - 1;
  const f0 = cfg.baseFilters;
  const replicated =
    f0 === inChannels
      ? input
      : concat(
          Array.from({ length: f0 / inChannels }, () => input),
          `${p}stage0_replicate`,
        );
  let x = residualOut(
    replicated,
    stage(input, f0, cfg.convsPerStage[0]!, cfg, `${p}stage0`),
    cfg,
    `${p}stage0`,
  );
  const skips: Sym[] = [x];
  for (let s = 1; s <= downs; s++) {
    const f = filtersAt(f0, cfg.maxFilters, s);
    const down = activation(
      conv(x, f, [...cfg.downFactor], [...cfg.downFactor], `${p}down${s}`),
      cfg.activation,
      `${p}down${s}_act`,
    );
    x = residualOut(down, stage(down, f, cfg.convsPerStage[s]!, cfg, `${p}stage${s}`), cfg, `${p}stage${s}`);
    if (s < downs) skips.push(x);
  }
  const decoder: Sym[] = [];
  for (let s = downs - 1; s >= 0; s--) {
    const f = filtersAt(f0, cfg.maxFilters, s);
    const up = activation(
      upsample(x, f, [...cfg.downFactor], cfg.upsampling, `${p}up${s}`),
      cfg.activation,
      `${p}up${s}_act`,
    );
    const merged = concat([skips[s]!, up], `${p}up${s}_concat`);
    x = residualOut(
      merged,
      stage(merged, 2 * f, Math.max(1, cfg.convsPerStage[s]!), cfg, `${p}upstage${s}`),
      cfg,
      `${p}upstage${s}`,
    );
    const other = fuse?.[decoder.length];
    if (other !== undefined) x = add([x, other], `${p}upstage${s}_fuse`);
    decoder.push(x);
  }
  return { out: head(x, cfg.outChannels, cfg.outActivation, `${p}output`), decoder };
}

export function buildVnet(cfg: VnetConfig, patchSize: readonly number[]): tf.LayersModel {
  checkPatch('vnet', cfg, patchSize);
  const input = tf.input({ shape: [...patchSize, cfg.inChannels], name: 'image' });
  return tf.model({ inputs: input, outputs: vnetGraph(input, cfg.inChannels, cfg, '').out, name: 'vnet' });
}

export function buildVnetPair(cfg: VnetPairConfig, patchSize: readonly number[]): tf.LayersModel {
  checkPatch('vnetPair', cfg, patchSize);
  const input = tf.input({ shape: [...patchSize, cfg.inChannels], name: 'image' });
  const first = vnetGraph(input, cfg.inChannels, cfg, 'v1_');
  // V-Net 2 sees the CT and V-Net 1's probabilities; its replicated residual needs a channel count dividing baseFilters.
  const stacked = concat([input, first.out], 'v2_input');
  const inner = cfg.inChannels + cfg.outChannels;
  const projected =
    cfg.baseFilters % inner === 0
      ? stacked
      : conv(stacked, cfg.baseFilters, [1, 1, 1], [1, 1, 1], 'v2_input_proj');
  const second = vnetGraph(
    projected,
    cfg.baseFilters % inner === 0 ? inner : cfg.baseFilters,
    cfg,
    'v2_',
    first.decoder,
  );
  return tf.model({ inputs: input, outputs: [second.out, first.out], name: 'vnetPair' });
}
