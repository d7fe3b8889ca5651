// Losses against hand-computed values (each derivation in its comment); float32 maths → atol 1e-5.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { LossSchema } from '../../lib/config/schema/loss.js';
import { buildLoss, deepSupervisionWeights, downsampleTargets } from '../../lib/losses/index.js';
import { binaryCrossEntropy, crossEntropy, softDice, weightedEdgeBce } from '../../lib/losses/losses.js';
import {
  edgeTargets,
  encodeTargets,
  oneHotTargets,
  regionTargets,
  type OutputCoding,
} from '../../lib/losses/targets.js';

const SOFTMAX: OutputCoding = { encoding: 'softmax', labels: 'kits19', channels: 3 };
const SIGMOID: OutputCoding = { encoding: 'sigmoid', labels: 'kits19', channels: 2 };
import { expectClose, expectNoLeak } from '../helpers/assert.js';

const ln = Math.log;
const val = (f: () => tf.Scalar) => tf.tidy(() => f().dataSync()[0]!);

// Softmax case: N = 1, two voxels, classes {bg, kidney, tumour}; labels [1, 2].
const P3 = () =>
  tf.tensor3d([
    [
      [0.7, 0.2, 0.1],
      [0.1, 0.3, 0.6],
    ],
  ]);
const L3 = () => tf.tensor2d([[1, 2]]);
// Sigmoid case: regions {kidney+tumour, tumour}; labels [0, 2].
const P2 = () =>
  tf.tensor3d([
    [
      [0.2, 0.1],
      [0.9, 0.8],
    ],
  ]);
const L2 = () => tf.tensor2d([[0, 2]]);

describe('losses', () => {
  it('cross-entropy = −mean log p(true class) = −(ln 0.2 + ln 0.6)/2', () => {
    expectClose(
      val(() => crossEntropy(P3(), oneHotTargets(L3()))),
      -(ln(0.2) + ln(0.6)) / 2,
      { atol: 1e-5 },
    );
  });

  const DICE: [string, { smooth: number; batchDice: boolean; includeBackground: boolean }, number][] = [
    // kidney: 2·0.2/(0.5 + 1) = 0.26667; tumour: 2·0.6/(0.7 + 1) = 0.70588; loss = 1 − mean.
    [
      'no background, smooth 0',
      { smooth: 0, batchDice: true, includeBackground: false },
      1 - (0.4 / 1.5 + 1.2 / 1.7) / 2,
    ],
    // background: 0/(0.8 + 0) = 0 joins the mean.
    [
      'with background',
      { smooth: 0, batchDice: true, includeBackground: true },
      1 - (0 + 0.4 / 1.5 + 1.2 / 1.7) / 3,
    ],
    // smooth 1: (0.4 + 1)/(1.5 + 1) and (1.2 + 1)/(1.7 + 1).
    ['smooth 1', { smooth: 1, batchDice: true, includeBackground: false }, 1 - (1.4 / 2.5 + 2.2 / 2.7) / 2],
  ];
  for (const [name, o, want] of DICE) {
    it(`soft Dice, ${name}`, () =>
      expectClose(
        val(() => softDice(P3(), oneHotTargets(L3()), o)),
        want,
        { atol: 1e-5 },
      ));
  }

  it('per-sample Dice averages samples; batch Dice pools them', () => {
    // Sample 1 predicts its one voxel perfectly (Dice 1); sample 2 is all wrong (Dice 0).
    const p = tf.tensor3d([[[0, 1]], [[1, 0]]]);
    const y = tf.tensor3d([[[0, 1]], [[0, 1]]]);
    const o = { smooth: 0, includeBackground: false };
    expectClose(
      val(() => softDice(p, y, { ...o, batchDice: false })),
      1 - 0.5,
      { atol: 1e-5 },
    );
    // Pooled: inter 1, Σp 1, Σy 2 → 2/3.
    expectClose(
      val(() => softDice(p, y, { ...o, batchDice: true })),
      1 - 2 / 3,
      { atol: 1e-5 },
    );
  });

  it('BCE on regions = −(2 ln 0.8 + 2 ln 0.9)/4', () => {
    expectClose(
      val(() => binaryCrossEntropy(P2(), regionTargets(L2()))),
      -(2 * ln(0.8) + 2 * ln(0.9)) / 4,
      { atol: 1e-5 },
    );
  });

  it('edge targets mark both sides of each boundary; weighted BCE uses β = non-edge fraction', () => {
    const regions = tf.tensor3d([[[0], [0], [1], [1], [1]]]);
    const e = tf.tidy(() => Array.from(edgeTargets(regions).dataSync()));
    expect(e).to.deep.equal([0, 1, 1, 0, 0]);
    // β = 3/5; loss = −(1/5)[β(ln 0.8 + ln 0.6) + (1 − β)(ln 0.9 + ln 0.8 + ln 0.7)].
    const p = tf.tensor3d([[[0.1], [0.8], [0.6], [0.2], [0.3]]]);
    const want = -(0.6 * (ln(0.8) + ln(0.6)) + 0.4 * (ln(0.9) + ln(0.8) + ln(0.7))) / 5;
    expectClose(
      val(() => weightedEdgeBce(p, tf.tensor3d([[[0], [1], [1], [0], [0]]]))),
      want,
      { atol: 1e-5 },
    );
    tf.dispose([regions, p]);
  });

  it('3D edge targets: a voxel is an edge where a face neighbour in the same channel differs', () => {
    // [N=1, D=3, H=4, W=5, C=2], a fixed pattern; the expected map is counted voxel by voxel.
    const shape = [1, 3, 4, 5, 2] as const;
    const v = Array.from({ length: 120 }, (_, i) => ((i * 7 + (i >> 3)) % 5 < 2 ? 1 : 0));
    const at = (d: number, h: number, w: number, c: number) => v[((d * 4 + h) * 5 + w) * 2 + c]!;
    const want: number[] = [];
    for (let d = 0; d < 3; d++)
      for (let h = 0; h < 4; h++)
        for (let w = 0; w < 5; w++)
          for (let c = 0; c < 2; c++) {
            const x = at(d, h, w, c);
            const near = [
              [d - 1, h, w],
              [d + 1, h, w],
              [d, h - 1, w],
              [d, h + 1, w],
              [d, h, w - 1],
              [d, h, w + 1],
            ].filter(([a, b, e]) => a! >= 0 && a! < 3 && b! >= 0 && b! < 4 && e! >= 0 && e! < 5);
            want.push(near.some(([a, b, e]) => at(a!, b!, e!, c) !== x) ? 1 : 0);
          }
    expect(want).to.include(0).and.to.include(1);
    const regions = tf.tensor(v, [...shape]);
    const before = tf.memory().numTensors;
    const got = tf.tidy(() => Array.from(edgeTargets(regions).dataSync()));
    expect(tf.memory().numTensors).to.equal(before);
    expect(got).to.deep.equal(want);
    regions.dispose();
  });

  it('configured losses combine the terms as their papers say', () => {
    const dice3 = 1 - (0.4 / 1.5 + 1.2 / 1.7) / 2;
    const ce3 = -(ln(0.2) + ln(0.6)) / 2;
    const diceCe = buildLoss(LossSchema.parse({ type: 'diceCe', smooth: 0 }), SOFTMAX);
    expectClose(
      val(() => diceCe(P3(), L3())),
      dice3 + ce3,
      { atol: 1e-5 },
    );
    // Sigmoid regions: every channel counts in Dice; (1 − λ)·BCE + λ·Dice with λ = 0.5.
    const dice2 = 1 - (1.8 / 2.1 + 1.6 / 1.9) / 2;
    const bce2 = -(2 * ln(0.8) + 2 * ln(0.9)) / 4;
    const bceDice = buildLoss(LossSchema.parse({ type: 'bceDice', smooth: 0 }), SIGMOID);
    expectClose(
      val(() => bceDice(P2(), L2())),
      0.5 * bce2 + 0.5 * dice2,
      { atol: 1e-5 },
    );
    expect(() => buildLoss(LossSchema.parse({ type: 'ce' }), SIGMOID)).to.throw(/needs a softmax model/);
  });

  it('deep supervision: weights 1/2^i, lowest resolution 0, normalised; targets taken every k-th voxel', () => {
    expectClose(deepSupervisionWeights(3), [2 / 3, 1 / 3, 0]);
    expectClose(deepSupervisionWeights(4), [1 / 1.75, 0.5 / 1.75, 0.25 / 1.75, 0]);
    const y = tf.tensor4d(
      Array.from({ length: 16 }, (_, i) => i),
      [1, 4, 4, 1],
    );
    expect(Array.from(tf.tidy(() => downsampleTargets(y, [1, 2, 2, 1]).dataSync()))).to.deep.equal([
      0, 2, 8, 10,
    ]);
    // A 3-output model: loss = 2/3 · term(full) + 1/3 · term(half vs. downsampled labels) + 0.
    const labels = tf.tensor3d([
      [
        [1, 1, 2, 2],
        [0, 0, 2, 2],
        [1, 1, 0, 0],
        [0, 0, 0, 0],
      ],
    ]);
    const outs = [
      [1, 4, 4, 3],
      [1, 2, 2, 3],
      [1, 1, 1, 3],
    ].map((s, i) => tf.softmax(tf.randomNormal(s, 0, 1, 'float32', 40 + i)));
    const cfg = LossSchema.parse({ type: 'dice', smooth: 0, deepSupervision: true });
    const plain = buildLoss(LossSchema.parse({ type: 'dice', smooth: 0 }), SOFTMAX);
    const want =
      (2 / 3) * val(() => plain(outs[0]!, labels)) +
      (1 / 3) *
        val(() =>
          plain(
            outs[1]!,
            tf.tensor3d([
              [
                [1, 2],
                [1, 0],
              ],
            ]),
          ),
        );
    expectClose(
      val(() => buildLoss(cfg, SOFTMAX)(outs, labels)),
      want,
      { atol: 1e-5 },
    );
    tf.dispose([y, labels, ...outs]);
  });

  it('the boundary-aware loss is Dice on regions plus weighted edge BCE on the second output', async () => {
    // One row of 5 voxels, labels [0, 0, 2, 2, 1]:
    //   regions  kidney+tumour [0,0,1,1,1], tumour [0,0,1,1,0]
    //   edges (a voxel that differs from a face neighbour) [0,1,1,0,0] and [0,1,1,1,1]: 6 of 10.
    const labels = tf.tensor2d([[0, 0, 2, 2, 1]]);
    const seg = tf.tensor3d([Array.from({ length: 5 }, () => [0.5, 0.25])]);
    const edge = tf.tensor3d([Array.from({ length: 5 }, () => [0.8, 0.5])]);
    const loss = buildLoss(LossSchema.parse({ type: 'boundaryAware', smooth: 0 }), SIGMOID);
    // Dice, batch-wise, both region channels: kidney+tumour 2·1.5 / (2.5 + 3) = 6/11,
    // tumour 2·0.5 / (1.25 + 2) = 4/13.
    const dice = 1 - (6 / 11 + 4 / 13) / 2;
    // Edge BCE: β = 1 − 6/10 = 0.4 weighs the edge voxels, 0.6 the rest; p = 0.8 (channel 0),
    // 0.5 (channel 1); the mean over the 10 voxels.
    const bce =
      -(2 * 0.4 * Math.log(0.8) + 3 * 0.6 * Math.log(0.2) + 4 * 0.4 * Math.log(0.5) + 0.6 * Math.log(0.5)) /
      10;
    expectClose(
      val(() => loss([seg, edge], labels)),
      dice + bce,
      { atol: 1e-5 },
    );
    await expectNoLeak(() => val(() => loss([seg, edge], labels)));
    tf.dispose([labels, seg, edge]);
  });
});

describe('losses/targets (label sets)', () => {
  it('KiTS21/23 labels: 4 one-hot classes, or the nested regions kidney+masses ⊇ masses ⊇ tumour', () => {
    const labels = tf.tensor2d([[0, 1, 2, 3]]);
    const one = encodeTargets(labels, { encoding: 'softmax', labels: 'kits23', channels: 4 });
    expect(one.shape).to.deep.equal([1, 4, 4]);
    expect(one.arraySync()).to.deep.equal([
      [
        [1, 0, 0, 0],
        [0, 1, 0, 0],
        [0, 0, 1, 0],
        [0, 0, 0, 1],
      ],
    ]);
    const reg = encodeTargets(labels, { encoding: 'sigmoid', labels: 'kits23', channels: 3 });
    // background: none; kidney: kidney+masses; tumour: all three; cyst: kidney+masses and masses.
    expect(reg.arraySync()).to.deep.equal([
      [
        [0, 0, 0],
        [1, 0, 0],
        [1, 1, 1],
        [1, 1, 0],
      ],
    ]);
    tf.dispose([labels, one, reg]);
  });

  it('a one-channel sigmoid model is trained on the outermost region only', () => {
    const labels = tf.tensor2d([[0, 1, 2]]);
    const y = encodeTargets(labels, { encoding: 'sigmoid', labels: 'kits19', channels: 1 });
    expect(y.arraySync()).to.deep.equal([[[0], [1], [1]]]);
    tf.dispose([labels, y]);
  });
});
