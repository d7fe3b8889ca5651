/**
 * `boundaryAware` — the boundary-aware network paper: an asymmetric encoder–decoder (initial
 * 3×3×3 conv with 16 filters; per level a residual block then a strided 3×3×3 conv doubling the
 * features; four residual blocks at the bottom; trilinear upsampling with additive skips and one
 * conv per decoder level) and a boundary stream of attention gates. At each resolution, coarse to
 * fine, a gate takes the stream's running features and the encoder features, applies a 3×3×3 conv
 * to each, adds them, ReLU, 1×1×1 conv, sigmoid, and multiplies the encoder features by the
 * result. The stream's full-resolution features give the boundary output (supervised by the edge
 * loss) and, concatenated with the decoder output, feed a 1×1×1 conv with two sigmoid channels
 * (kidney+tumour, tumour). Outputs: [segmentation, boundary].
 */
import * as tf from '@tensorflow/tfjs';
import type { BoundaryAwareConfig } from '../config/schema/model.js';
import {
  add,
  concat,
  conv,
  convNormAct,
  filtersAt,
  head,
  residualBlock,
  upsample,
  type Sym,
} from './blocks.js';

function gate(stream: Sym, encoder: Sym, filters: number, name: string): Sym {
  const k = [3, 3, 3];
  const one = [1, 1, 1];
  const a = conv(stream, filters, k, one, `${name}_stream`);
  const b = conv(encoder, filters, k, one, `${name}_enc`);
  const relu = tf.layers.reLU({ name: `${name}_relu` }).apply(add([a, b], `${name}_add`)) as Sym;
  const attn = tf.layers
    .activation({ activation: 'sigmoid', name: `${name}_sigmoid` })
    .apply(conv(relu, 1, one, one, `${name}_attn`)) as Sym;
  return tf.layers.multiply({ name: `${name}_mul` }).apply([encoder, attn]) as Sym;
}

export function buildBoundaryAware(cfg: BoundaryAwareConfig, patchSize: readonly number[]): tf.LayersModel {
  if (patchSize.length !== 3)
    throw new Error(`boundaryAware: patch size must have 3 axes, got [${patchSize.join(', ')}]`);
  const total = 2 ** cfg.downsamplings;
  patchSize.forEach((s, a) => {
    if (s % total !== 0)
      throw new Error(`boundaryAware: patch axis ${a} (${s}) must be divisible by ${total}`);
  });
  const k = [3, 3, 3];
  const one = [1, 1, 1];
  const L = cfg.downsamplings;
  const input = tf.input({ shape: [...patchSize, cfg.inChannels], name: 'image' });
  let x = conv(input, cfg.baseFilters, k, one, 'stem');
  const skips: Sym[] = [];
  for (let l = 0; l < L; l++) {
    const f = filtersAt(cfg.baseFilters, cfg.maxFilters, l);
    x = residualBlock(x, f, k, cfg.norm, cfg.activation, `enc${l}_res`);
    skips.push(x);
    x = convNormAct(
      x,
      filtersAt(cfg.baseFilters, cfg.maxFilters, l + 1),
      k,
      [2, 2, 2],
      cfg.norm,
      cfg.activation,
      `enc${l}_down`,
    );
  }
  for (let b = 0; b < cfg.bottomBlocks; b++) {
    x = residualBlock(
      x,
      filtersAt(cfg.baseFilters, cfg.maxFilters, L),
      k,
      cfg.norm,
      cfg.activation,
      `bottom_res${b}`,
    );
  }
  let stream: Sym | undefined;
  for (let l = L - 1; l >= 0; l--) {
    const f = filtersAt(cfg.baseFilters, cfg.maxFilters, l);
    x = upsample(x, f, [2, 2, 2], cfg.upsampling, `dec${l}_up`);
    x = add([skips[l]!, x], `dec${l}_skip`);
    x = convNormAct(x, f, k, one, cfg.norm, cfg.activation, `dec${l}`);
    if (cfg.boundaryStream) {
      const running = stream === undefined ? x : upsample(stream, f, [2, 2, 2], 'trilinear', `edge${l}_up`);
      stream = gate(running, skips[l]!, f, `edge${l}`);
    }
  }
  if (stream === undefined) {
    return tf.model({
      inputs: input,
      outputs: head(x, cfg.outChannels, cfg.outActivation, 'output'),
      name: 'boundaryAware',
    });
  }
  const boundary = head(stream, cfg.outChannels, 'sigmoid', 'boundary');
  const seg = head(concat([x, stream], 'fuse'), cfg.outChannels, cfg.outActivation, 'output');
  return tf.model({ inputs: input, outputs: [seg, boundary], name: 'boundaryAware' });
}
