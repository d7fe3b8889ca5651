import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { FasterRcnnSchema } from '../../lib/config/schema/model.js';
import { buildFasterRcnn, featureStride } from '../../lib/models/faster-rcnn.js';
import { ModelSchema, type ModelConfig } from '../../lib/config/schema/model.js';
import { RegistryError } from '../../lib/core/errors.js';
import { loadModel, saveModel } from '../../lib/io/checkpoint.js';
import { buildModel, MODELS } from '../../lib/models/index.js';
import { summarize } from '../../lib/models/summary.js';
import { expectClose, expectNoLeak, expectThrows } from '../helpers/assert.js';
import { useTmpDir } from '../helpers/tmp.js';

/** Small variants of every model, with anisotropic patches, for shape/gradient/training tests. */
const SMALL: [string, Record<string, unknown>, number[], number[][]][] = [
  [
    'unet3d instance+leaky, transposed',
    {
      type: 'unet3d',
      baseFilters: 4,
      poolSchedule: [
        [1, 2, 2],
        [2, 2, 2],
      ],
    },
    [4, 8, 12],
    [[4, 8, 12, 3]],
  ],
  [
    'unet3d batch+elu, trilinear, sigmoid regions',
    {
      type: 'unet3d',
      baseFilters: 4,
      norm: 'batch',
      activation: 'elu',
      upsampling: 'trilinear',
      outActivation: 'sigmoid',
      outChannels: 2,
      poolSchedule: [[2, 2, 2]],
    },
    [4, 6, 8],
    [[4, 6, 8, 2]],
  ],
  [
    'unet2d batch+relu, nearestConv',
    {
      type: 'unet2d',
      baseFilters: 4,
      upsampling: 'nearestConv',
      poolSchedule: [
        [2, 2],
        [2, 2],
      ],
    },
    [8, 12],
    [[8, 12, 1]],
  ],
  [
    'resunet3d + spatial prior, deep supervision',
    {
      type: 'resunet3d',
      inChannels: 2,
      baseFilters: 4,
      strideSchedule: [
        [1, 2, 2],
        [2, 2, 2],
      ],
    },
    [4, 8, 8],
    [
      [4, 8, 8, 3],
      [4, 4, 4, 3],
    ],
  ],
  [
    'vnet prelu, no norm',
    { type: 'vnet', baseFilters: 4, convsPerStage: [1, 2, 2] },
    [4, 8, 8],
    [[4, 8, 8, 3]],
  ],
  [
    'vnet instance+leaky',
    { type: 'vnet', baseFilters: 4, norm: 'instance', activation: 'leaky', convsPerStage: [1, 1] },
    [2, 4, 6],
    [[2, 4, 6, 3]],
  ],
  [
    'vnetPair (decoder fusion, two outputs)',
    { type: 'vnetPair', baseFilters: 4, convsPerStage: [1, 2] },
    [4, 6, 8],
    [
      [4, 6, 8, 3],
      [4, 6, 8, 3],
    ],
  ],
  [
    'boundaryAware (gated boundary stream)',
    { type: 'boundaryAware', baseFilters: 4, downsamplings: 2, bottomBlocks: 1 },
    [4, 8, 12],
    [
      [4, 8, 12, 2],
      [4, 8, 12, 2],
    ],
  ],
  [
    'boundaryAware without the boundary stream',
    { type: 'boundaryAware', baseFilters: 4, downsamplings: 1, bottomBlocks: 1, boundaryStream: false },
    [2, 4, 6],
    [[2, 4, 6, 2]],
  ],
];

const parse = (raw: Record<string, unknown>) => ModelSchema.parse(raw) as ModelConfig;

describe('models', () => {
  const tmp = useTmpDir();

  for (const [name, raw, patch, outShapes] of SMALL) {
    describe(name, () => {
      it(`outputs ${outShapes.map((s) => `[${s.join(',')}]`).join(', ')} for a [${patch.join(',')}] patch`, () => {
        const cfg = parse(raw);
        const m = buildModel(cfg, patch);
        const x = tf.randomNormal([2, ...patch, cfg.inChannels], 0, 1, 'float32', 1);
        const ys = tf.tidy(() => {
          const y = m.predict(x);
          return (Array.isArray(y) ? y : [y]).map((t) => ({
            shape: t.shape,
            sums: t.sum(-1).dataSync().slice(0, 5),
          }));
        });
        expect(ys.map((y) => y.shape)).to.deep.equal(outShapes.map((s) => [2, ...s]));
        // Softmax outputs sum to one over the classes.
        if (cfg.outActivation === 'softmax') expectClose(ys[0]!.sums, [1, 1, 1, 1, 1], { atol: 1e-5 });
        m.dispose();
        x.dispose();
      });

      it('gradients reach every trainable weight (none zero); training steps on the cpu backend leak no tensors', async () => {
        await tf.setBackend('cpu');
        const cfg = parse(raw);
        const m = buildModel(cfg, patch);
        const x = tf.randomNormal([2, ...patch, cfg.inChannels], 0, 1, 'float32', 2);
        const r = (m.outputs as tf.SymbolicTensor[]).map((o, i) =>
          tf.randomUniform([2, ...(o.shape.slice(1) as number[])], 0, 1, 'float32', 10 + i),
        );
        const loss = () =>
          tf.tidy(() => {
            const y = m.apply(x, { training: true }) as tf.Tensor | tf.Tensor[];
            return (Array.isArray(y) ? y : [y])
              .map((t, i) => t.mul(r[i]!).mean())
              .reduce((a, b) => a.add(b)) as tf.Scalar;
          });
        const { value, grads } = tf.variableGrads(loss);
        const names = m.trainableWeights.map((w) => w.originalName);
        expect(Object.keys(grads).length).to.equal(names.length);
        for (const [n, g] of Object.entries(grads)) {
          expect(
            tf.tidy(() => g.abs().sum().dataSync()[0]!),
            `gradient of ${n}`,
          ).to.be.greaterThan(0);
        }
        tf.dispose([value, ...Object.values(grads)]);
        const opt = tf.train.adam(1e-3);
        opt.minimize(loss);
        for (let i = 0; i < 2; i++) await expectNoLeak(() => opt.minimize(loss));
        opt.dispose();
        tf.dispose([x, ...r]);
        m.dispose();
      });

      it('save → load gives identical outputs', async () => {
        const cfg = parse(raw);
        const m = buildModel(cfg, patch);
        const x = tf.randomNormal([1, ...patch, cfg.inChannels], 0, 1, 'float32', 3);
        const out = (mm: tf.LayersModel) =>
          tf.tidy(() => {
            const y = mm.predict(x);
            return (Array.isArray(y) ? y : [y]).map((t) => t.dataSync().slice());
          });
        const before = out(m);
        await saveModel(m, tmp());
        const loaded = await loadModel(tmp());
        out(loaded).forEach((a, i) => expectClose(a, before[i]!, { atol: 0 }));
        m.dispose();
        loaded.dispose();
        x.dispose();
      });
    });
  }

  it('pins the parameter counts of the papers’ default configurations', () => {
    const PINNED: [string, number[], number][] = [
      ['unet2d', [256, 256], 31054145],
      ['unet3d', [80, 160, 160], 29686633],
      ['resunet3d', [64, 160, 160], 32606625],
      ['vnet', [32, 64, 64], 65175347],
      ['vnetPair', [80, 240, 384], 130356694],
      ['boundaryAware', [176, 176, 176], 18334056],
    ];
    for (const [type, patch, params] of PINNED) {
      const m = buildModel(parse({ type }), patch);
      expect(summarize(m, type, patch).params, type).to.equal(params);
      m.dispose();
    }
  });

  it('resunet3d residual: false drops exactly the shortcuts: no adds or projections, f·f + f fewer weights per decoder level', () => {
    const base = {
      type: 'resunet3d',
      baseFilters: 4,
      maxFilters: 16,
      strideSchedule: [
        [1, 2, 2],
        [2, 2, 2],
      ],
    };
    const res = buildModel(parse(base), [4, 8, 8]);
    const plain = buildModel(parse({ ...base, residual: false }), [4, 8, 8]);
    const names = plain.layers.map((l) => l.name);
    expect(names.filter((n) => /_res\d*_(add|proj)$/.test(n))).to.deep.equal([]);
    expect(res.layers.some((l) => l.name === 'dec0_res_proj')).to.equal(true);
    // Decoder levels 1 and 0 have 8 and 4 filters: projections of 8·8 + 8 and 4·4 + 4 weights.
    expect(res.countParams() - plain.countParams()).to.equal(8 * 8 + 8 + (4 * 4 + 4));
    res.dispose();
    plain.dispose();
  });

  it('builds the detection paper’s ResNet-50 Faster R-CNN with torchvision’s ResNet-50 weight count', () => {
    const m = buildFasterRcnn(FasterRcnnSchema.parse({ type: 'fasterRcnn' }));
    const trainable = [m.backbone, m.head]
      .flatMap((x) => x.trainableWeights)
      .reduce((n, w) => n + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);
    // torchvision resnet50 without its fc layer: 25,557,032 − 2,049,000 = 23,508,032 (conv + BN);
    // one CT channel instead of RGB: − 7·7·2·64; tfjs convs carry biases (53 convs: 26,560 outputs);
    // RPN 3×3×1024×512 conv + 1×1 objectness (12 anchors) and deltas (48); head dense 2048→2 and →4.
    const want =
      23508032 -
      7 * 7 * 2 * 64 +
      26560 +
      (9 * 1024 * 512 + 512) +
      (512 * 12 + 12) +
      (512 * 48 + 48) +
      2048 * 2 +
      2 +
      2048 * 4 +
      4;
    expect(trainable).to.equal(want);
    expect(featureStride(FasterRcnnSchema.parse({ type: 'fasterRcnn' }))).to.equal(16);
    m.backbone.dispose();
    m.head.dispose();
  });

  it('rejects patches the pooling cannot divide, and unknown model types', () => {
    expect(() => buildModel(parse({ type: 'unet3d', poolSchedule: [[2, 2, 2]] }), [5, 8, 8])).to.throw(
      /patch axis 0 \(5\) must be divisible by the pooling product 2/,
    );
    expectThrows(() => MODELS.get('unet3D'), RegistryError, /Did you mean "unet3d"\?/);
  });
});
