// Every config and experiment file in the repository validates (vega-lite's examples test).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { loadConfig } from '../../lib/config/load.js';
import type { Config } from '../../lib/config/schema/index.js';
import { networkPatch, traitsOf } from '../../lib/config/traits.js';
import { SILENT_LOGGER } from '../../lib/core/logger.js';
import { checkTta, loadExperiment, variantConfig } from '../../lib/experiments/run.js';
import { SCALES } from '../../lib/experiments/schema.js';
import { buildLoss } from '../../lib/losses/index.js';
import { codingOf } from '../../lib/losses/targets.js';
import { summarizeConfig, type ModelSummary } from '../../lib/models/summary.js';

/**
 * KiTS labels at normalised position (d, h, w) in [0, 1)³: a kidney slab holding a tumour corner.
 * Written per output size, so every deep-supervision output gets the label the loss derives for it
 * (every k-th voxel of the full-size map).
 */
function labelAt(d: number, h: number, w: number): number {
  if (h < 0.5 || w < 0.5) return 0;
  return d < 0.5 && h < 0.75 ? 2 : 1;
}

/**
 * Probabilities in the layout of output `shape` (`[null, ...spatial, C]`): the hand-written KiTS
 * encoding of `labelAt` (softmax: one-hot over background/kidney/tumour; sigmoid: the regions
 * kidney+tumour and tumour), or its complement when `wrong`.
 */
function predictionFor(shape: readonly (number | null)[], cfg: Config, wrong: boolean): tf.Tensor {
  const spatial = shape.slice(1, -1) as number[];
  const C = shape.at(-1)!;
  const [D, H, W] = spatial.length === 3 ? spatial : [1, ...spatial];
  const out = new Float32Array(D! * H! * W! * C);
  let o = 0;
  for (let d = 0; d < D!; d++)
    for (let h = 0; h < H!; h++)
      for (let w = 0; w < W!; w++) {
        const l = labelAt(d / D!, h / H!, w / W!);
        for (let c = 0; c < C; c++) {
          const on = cfg.model.outActivation === 'softmax' ? l === c : c === 0 ? l > 0 : l === 2;
          out[o++] = on !== wrong ? 0.98 : 0.02 / Math.max(1, C - 1);
        }
      }
  return tf.tensor(out, [1, ...spatial, C]);
}

/**
 * The model's output shapes shrunk by a common divisor per axis (the ratios between
 * deep-supervision outputs kept), the smallest output still ≥ 4 voxels where it was.
 */
function shrunk(outputs: readonly (readonly (number | null)[])[]): (number | null)[][] {
  const axes = outputs[0]!.length - 2;
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const div = Array.from({ length: axes }, (_, a) => {
    const sizes = outputs.map((o) => o[a + 1]!);
    const g = sizes.reduce(gcd);
    const floor = Math.min(4, Math.min(...sizes));
    let d = g;
    while (Math.min(...sizes) / d < floor || g % d !== 0) d--;
    return d;
  });
  return outputs.map((o) => o.map((n, i) => (i === 0 || i === o.length - 1 ? n : n! / div[i - 1]!)));
}

/** The config's loss on its model's output layout: a correct prediction against its complement. */
function lossOnLayout(cfg: Config, s: ModelSummary): { right: number; wrong: number } {
  const loss = buildLoss(cfg.loss, codingOf(cfg));
  const outputs = shrunk(s.outputs);
  const full = outputs[0]!.slice(1, -1) as number[];
  const labels = tf.tensor(
    Float32Array.from({ length: full.reduce((a, b) => a * b, 1) }, (_, i) => {
      const [D, H, W] = full.length === 3 ? full : [1, ...full];
      const w = i % W!;
      const h = Math.floor(i / W!) % H!;
      const d = Math.floor(i / (W! * H!));
      return labelAt(d / D!, h / H!, w / W!);
    }),
    [1, ...full],
  );
  const run = (wrong: boolean) =>
    tf.tidy(() => {
      const preds = outputs.map((o) => predictionFor(o, cfg, wrong));
      return loss(preds.length === 1 ? preds[0]! : preds, labels).dataSync()[0]!;
    });
  const r = { right: run(false), wrong: run(true) };
  labels.dispose();
  return r;
}

const ROOT = new URL('../../', import.meta.url).pathname;

describe('configs/ and experiments/', () => {
  const walk = (d: string): string[] =>
    readdirSync(join(ROOT, d)).flatMap((f) =>
      statSync(join(ROOT, d, f)).isDirectory() ? walk(join(d, f)) : f.endsWith('.yaml') ? [join(d, f)] : [],
    );
  const files = ['configs', 'experiments'].flatMap(walk);
  it('holds configs to validate', () => expect(files.length).to.be.greaterThan(0));
  // reported.yaml holds the papers' numbers that experiment rows point into; it is not an experiment.
  for (const f of files.filter((x) => x.startsWith('experiments') && !x.endsWith('reported.yaml'))) {
    it(`${f} validates and every variant resolves at each scale it defines`, () => {
      const exp = loadExperiment(join(ROOT, f));
      const resolved = new Map<string, string>();
      for (const scale of SCALES.filter((k) => exp.scales[k] !== undefined)) {
        const configs = new Map<string, Config>();
        for (const v of exp.variants) {
          const c = variantConfig(
            exp,
            v,
            { scale, runsDir: 'runs', resultsDir: 'results', backend: 'cpu', log: SILENT_LOGGER },
            resolved,
          );
          resolved.set(v.name, join(ROOT, v.config));
          // At the CPU scales each variant's network builds for its patch and keeps its size.
          if (scale !== 'paper' && traitsOf(c).task === 'segmentation')
            expect(summarizeConfig(c).outputs[0]!.slice(1, -1)).to.deep.equal(networkPatch(c));
          if (v.stage1 !== null) {
            expect(c.inference.cascade!.stage1).to.equal(resolved.get(v.stage1));
            expect(c.train.cascadeInput).to.equal('stage1'); // trained on its stage 1's predictions
          }
          configs.set(v.name, c);
        }
        // Every TTA row names its axes and scores runs trained with flips; no other row mirrors.
        checkTta(exp, configs);
      }
    });
  }
  for (const f of files.filter((x) => x.startsWith('configs'))) {
    it(`${f} validates and its model builds for its patch size`, () => {
      const c = loadConfig(join(ROOT, f));
      const s = summarizeConfig(c);
      expect(s.params).to.be.greaterThan(0);
      if (c.model.type === 'fasterRcnn') {
        // Fully convolutional over any slice size: objectness per anchor, 4 deltas per anchor; then the head.
        const A = c.model.anchorSizes.length * c.model.anchorRatios.length;
        expect(s.outputs.map((o) => o.at(-1))).to.deep.equal([c.model.stageFilters.at(-1), A, 4 * A, 2, 4]);
        return;
      }
      expect(s.outputs[0]!.slice(1, -1)).to.deep.equal(networkPatch(c));
      // The loss accepts the model's output layout and ranks a right prediction below a wrong one.
      const l = lossOnLayout(c, s);
      expect(l.right).to.be.finite;
      expect(l.right).to.be.lessThan(l.wrong);
    });
  }
});
