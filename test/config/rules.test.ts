// Config rules that tie blocks together, or a key to the model's task: each is a config error that
// names its key, raised by validation before any data is read.
import { expect } from 'chai';
import { validateConfig } from '../../lib/config/load.js';
import { ConfigError } from '../../lib/core/errors.js';

const detector = {
  type: 'fasterRcnn',
  block: 'basic',
  stemFilters: 4,
  stageFilters: [4],
  stageBlocks: [1],
  stageStrides: [1],
};
const fails = (raw: Record<string, unknown>): string => {
  try {
    validateConfig(raw, 'c.yaml');
  } catch (e) {
    expect(e).to.be.instanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('config/rules', () => {
  const CASES: [name: string, raw: Record<string, unknown>, message: RegExp][] = [
    [
      'a 3D patch not divisible by the pooling product',
      { model: { type: 'unet3d', poolSchedule: [[2, 2, 2]] }, train: { patchSize: [17, 16, 16] } },
      /c\.yaml: train\.patchSize: axis 0 \(17\) must be a multiple of 2, the unet3d network's downsampling \[2, 2, 2\]/,
    ],
    [
      'a 2D model given a 3D patch',
      { model: { type: 'unet2d', poolSchedule: [[2, 2]] }, train: { patchSize: [4, 16, 16] } },
      /train\.patchSize: a unet2d model sees axial slices: expected \[1, H, W\], got \[4, 16, 16\]/,
    ],
    [
      'a detector patch off its feature stride',
      { model: detector, train: { patchSize: [1, 42, 40] } },
      /train\.patchSize: axis 1 \(42\) must be a multiple of 4/,
    ],
    [
      'slice sampling with a 3D model',
      { model: { type: 'unet3d', poolSchedule: [[2, 2, 2]] }, train: { patchSize: [8, 16, 16], slices: {} } },
      /train\.slices: slice sampling needs a 2D segmentation model/,
    ],
    [
      'a short field of view on a 2D model',
      {
        model: { type: 'unet2d', poolSchedule: [[2, 2]] },
        train: { patchSize: [1, 16, 16], augment: { fieldOfView: {} } },
      },
      /train\.augment\.fieldOfView: a short axial field of view needs 3D patches/,
    ],
    [
      'a field-of-view extent of 0 mm',
      {
        model: { type: 'unet3d', poolSchedule: [[2, 2, 2]] },
        train: { patchSize: [8, 16, 16], augment: { fieldOfView: { extentMm: [0, 40] } } },
      },
      /train\.augment\.fieldOfView\.extentMm: expected extents above 0 mm/,
    ],
    [
      'cross-entropy on sigmoid outputs',
      {
        model: { type: 'unet3d', poolSchedule: [[2, 2, 2]], outActivation: 'sigmoid', outChannels: 2 },
        loss: { type: 'ce' },
        train: { patchSize: [8, 16, 16] },
      },
      /loss\.type: "ce" needs a softmax model/,
    ],
    [
      'the boundary-aware loss without the boundary stream',
      {
        model: { type: 'boundaryAware', outActivation: 'sigmoid', outChannels: 2, boundaryStream: false },
        loss: { type: 'boundaryAware' },
        train: { patchSize: [16, 16, 16] },
      },
      /c\.yaml: loss\.type: "boundaryAware" supervises the boundary output of a boundaryAware model with model\.boundaryStream: true; this boundaryAware has no boundary stream: use "dice"/,
    ],
    [
      'the boundary-aware loss on a model without a boundary output',
      {
        model: { type: 'unet3d', poolSchedule: [[2, 2, 2]], outActivation: 'sigmoid', outChannels: 2 },
        loss: { type: 'boundaryAware' },
        train: { patchSize: [8, 16, 16] },
      },
      /loss\.type: "boundaryAware" supervises the boundary output .* this unet3d has none/,
    ],
    [
      'includeBackground on a sigmoid model',
      {
        model: { type: 'unet3d', poolSchedule: [[2, 2, 2]], outActivation: 'sigmoid', outChannels: 2 },
        loss: { type: 'dice', includeBackground: false },
        train: { patchSize: [8, 16, 16] },
      },
      /loss\.includeBackground: applies to softmax models only/,
    ],
    [
      'a softmax model with fewer channels than the KiTS23 classes',
      {
        data: { labels: 'kits23' },
        model: { type: 'unet3d', poolSchedule: [[2, 2, 2]] },
        train: { patchSize: [8, 16, 16] },
      },
      /model\.outChannels: a softmax model of data\.labels kits23 has one channel per class: expected 4, got 3/,
    ],
    [
      'a sigmoid KiTS23 model without the three nested regions',
      {
        data: { labels: 'kits23' },
        model: { type: 'unet3d', poolSchedule: [[2, 2, 2]], outActivation: 'sigmoid', outChannels: 2 },
        loss: { type: 'bceDice' },
        train: { patchSize: [8, 16, 16] },
      },
      /model\.outChannels: a sigmoid model of data\.labels kits23 has one channel per nested region \(3: kidney\+masses, masses, tumour\), got 2/,
    ],
    [
      'the KiTS19 cyst filter on KiTS23 labels',
      {
        data: { labels: 'kits23' },
        model: { type: 'unet3d', poolSchedule: [[2, 2, 2]], outChannels: 4 },
        postprocess: { cystFilter: {} },
        train: { patchSize: [8, 16, 16] },
      },
      /postprocess\.cystFilter: relabels cyst-like tumours as kidney/,
    ],
    ['a label-set typo', { data: { labels: 'kits21' } }, /data\.labels/],
    [
      'prior corruption without a prior channel',
      {
        model: { type: 'unet3d', poolSchedule: [[2, 2, 2]] },
        train: { patchSize: [8, 16, 16], priorCorruption: { dropProb: 0.5 } },
      },
      /train\.priorCorruption: only a cascade stage 2 with the prior channel/,
    ],
    [
      'a loss block for a detector',
      { model: detector, loss: { type: 'dice' }, train: { patchSize: [1, 32, 32] } },
      /loss: not used by the detection task \(fasterRcnn\)/,
    ],
    [
      'prefetch for a detector',
      { model: detector, train: { patchSize: [1, 32, 32], prefetch: 4 } },
      /train\.prefetch: not used by the detection task/,
    ],
    [
      'on-the-fly rendering for a detector',
      { model: detector, data: { render: { probability: 1 } }, train: { patchSize: [1, 32, 32] } },
      /data\.render: not used by the detection task/,
    ],
    [
      'augmentation for a detector',
      { model: detector, train: { patchSize: [1, 32, 32], augment: {} } },
      /train\.augment: not used by the detection task/,
    ],
    [
      'valMode for a detector',
      { model: detector, train: { patchSize: [1, 32, 32], valMode: 'fullCase' } },
      /train\.valMode: not used by the detection task/,
    ],
    [
      'valPatches for a detector',
      { model: detector, train: { patchSize: [1, 32, 32], valPatches: 4 } },
      /train\.valPatches: not used by the detection task/,
    ],
    [
      'valSampling for a detector',
      { model: detector, train: { patchSize: [1, 32, 32], valSampling: 'nnunet' } },
      /train\.valSampling: not used by the detection task/,
    ],
    [
      'val patch centres with whole-case validation',
      {
        model: { type: 'unet3d', poolSchedule: [[2, 2, 2]] },
        train: { patchSize: [8, 16, 16], valMode: 'fullCase', valSampling: 'nnunet' },
      },
      /train\.valSampling: centres val patches, but train\.valMode fullCase validates whole cases/,
    ],
    [
      'val patch centres that can never be drawn',
      {
        model: { type: 'unet3d', poolSchedule: [[2, 2, 2]] },
        train: { patchSize: [8, 16, 16], valSampling: { tumor: 0, foreground: 0, random: 0 } },
      },
      /train\.valSampling: tumor, foreground and random are all 0/,
    ],
  ];
  for (const [name, raw, message] of CASES)
    it(`${name} is a config error naming the key`, () => expect(fails(raw)).to.match(message));

  it('a resolved config validates again: inert keys at their defaults are not errors', () => {
    const det = validateConfig({ model: detector, train: { patchSize: [1, 32, 32] } }, 'c.yaml');
    const again = validateConfig(JSON.parse(JSON.stringify(det)) as Record<string, unknown>, 'resolved.json');
    expect(again).to.deep.equal(det);
  });

  it('the same keys are accepted where the task uses them, and null means off for a detector', () => {
    const seg = validateConfig(
      {
        model: { type: 'unet3d', poolSchedule: [[2, 2, 2]] },
        loss: { type: 'dice' },
        train: { patchSize: [8, 16, 16], prefetch: 0, valMode: 'fullCase', valPatches: 4 },
      },
      'c.yaml',
    );
    expect([seg.loss.type, seg.train.prefetch, seg.train.valMode, seg.train.valPatches]).to.deep.equal([
      'dice',
      0,
      'fullCase',
      4,
    ]);
    const det = validateConfig(
      {
        model: detector,
        train: { patchSize: [1, 32, 32], augment: null, earlyStoppingPatience: 2, keepTopK: 2 },
      },
      'c.yaml',
    );
    expect([det.train.augment, det.train.earlyStoppingPatience, det.train.keepTopK]).to.deep.equal([
      null,
      2,
      2,
    ]);
  });
});
