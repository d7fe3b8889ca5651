import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { loadBundlePipeline } from '../../lib/bundle/load.js';
import { BundleManifestSchema } from '../../lib/bundle/manifest.js';
import { readCanonical } from '../../lib/io/canonical.js';
import { writeSyntheticDataset } from '../../lib/synth/dataset.js';
import { runKitseg } from '../helpers/cli.js';
import { useTmpDir } from '../helpers/tmp.js';

const common = (root: string) => `seed: 2
backend: cpu
data: {root: ${root}, splits: {val: 1}}
preprocess: {spacing: [6, 6, 6], normalization: {type: window, lo: -250, hi: 250}}
optim: {type: adam, lr: 0.001}
train: {epochs: 2, iterationsPerEpoch: 2, batchSize: 2, patchSize: [8, 16, 16], valEvery: 1, valPatches: 2}
`;
const net = (inChannels: number) =>
  `model: {type: unet3d, inChannels: ${inChannels}, baseFilters: 4, maxFilters: 8, poolSchedule: [[2, 2, 2]]}\n`;

describe('bundles: kitseg export → predict --model', function () {
  this.timeout(600000);
  const tmp = useTmpDir();
  let data = '';
  let runs = '';
  let s1 = '';
  let s2 = '';
  let input = '';

  let root = '';
  after(() => rmSync(root, { recursive: true, force: true }));

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'kitseg-bundle-'));
    data = join(root, 'data');
    runs = join(root, 'runs');
    writeSyntheticDataset({ out: data, cases: 3, seed: 7, preset: 'small' });
    input = join(data, 'case_00001', 'imaging.nii.gz');
    s1 = join(root, 's1.yaml');
    s2 = join(root, 's2.yaml');
    writeFileSync(s1, `name: s1\n${net(1)}${common(data)}postprocess: {kidneyComponents: {}}\n`);
    writeFileSync(
      s2,
      `name: s2\n${net(2)}${common(data)}inference: {overlap: 0.25, cascade: {stage1: ${s1}, marginMm: [6, 6, 6]}}\n` +
        'postprocess: {largestPerCrop: true, fillHoles: true}\n',
    );
    for (const c of [s1, s2]) {
      const t = await runKitseg('train', '--config', c, '--runs', runs, '--log-level', 'silent');
      expect(t.code, t.err).to.equal(0);
    }
  });

  const kitseg = async (...argv: string[]) => {
    const r = await runKitseg(...argv, '--log-level', 'silent', '--backend', 'cpu');
    expect(r.code, r.err).to.equal(0);
    return r;
  };

  it('a cascade bundle predicts byte-for-byte what predict --config does, and describes itself', async () => {
    const b = join(tmp(), 'bundles', 'cascade');
    await kitseg('export', '--run', join(runs, 's1'), '--stage2', join(runs, 's2'), '--out', b);
    expect(readdirSync(join(tmp(), 'bundles'))).to.deep.equal(['cascade']);
    const manifest = BundleManifestSchema.parse(JSON.parse(readFileSync(join(b, 'bundle.json'), 'utf8')));
    expect(manifest.main.models).to.deep.equal(['stage2/model-0']);
    expect(manifest.stage1!.models).to.deep.equal(['stage1/model-0']);
    expect(manifest.main.config.inference.overlap).to.equal(0.25);
    expect(manifest.main.config.postprocess.fillHoles).to.equal(true);
    expect(manifest.stage1!.config.postprocess.kidneyComponents).to.not.equal(null);
    expect(manifest.main.plan).to.deep.equal(JSON.parse(readFileSync(join(runs, 's2', 'plan.json'), 'utf8')));

    const viaModel = join(tmp(), 'm.nii.gz');
    const viaConfig = join(tmp(), 'c.nii.gz');
    // The bundle needs nothing else: no run folder, no config file.
    for (const p of [runs, s1, s2]) renameSync(p, `${p}.away`);
    try {
      await kitseg('predict', '--model', b, '--input', input, '--output', viaModel);
    } finally {
      for (const p of [runs, s1, s2]) renameSync(`${p}.away`, p);
    }
    await kitseg('predict', '--config', s2, '--runs', runs, '--input', input, '--output', viaConfig);
    expect(readFileSync(viaModel).equals(readFileSync(viaConfig))).to.equal(true);
    const labels = readCanonical(viaModel);
    expect(labels.shape).to.deep.equal(readCanonical(input).shape);
    expect(labels.affine).to.deep.equal(readCanonical(input).affine);

    const metrics = readFileSync(join(runs, 's2', 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n');
    const best = metrics
      .map((l) => JSON.parse(l) as { step?: number; val?: Record<string, number> })
      .filter((r) => r.val !== undefined);
    const state = JSON.parse(readFileSync(join(runs, 's2', 'checkpoints', 'best', 'state.json'), 'utf8')) as {
      globalStep: number;
    };
    const s = await kitseg('model', 'summary', '--model', b, '--json');
    const d = JSON.parse(s.out) as { stages: { role: string; steps: number; val: Record<string, number> }[] };
    expect(d.stages.map((x) => x.role)).to.deep.equal(['stage1', 'main']);
    expect(d.stages[1]!.steps).to.equal(state.globalStep);
    expect(d.stages[1]!.val).to.deep.equal(best.find((r) => r.step === state.globalStep)!.val);
  });

  it('loads and runs without growing the tensor count', async () => {
    const b = join(tmp(), 'single');
    await kitseg('export', '--run', join(runs, 's1'), '--out', b, '--checkpoint', 'last');
    const before = tf.memory().numTensors;
    const { manifest, pipeline } = await loadBundlePipeline(b);
    const seg = pipeline.segment(readCanonical(input));
    pipeline.dispose();
    expect(tf.memory().numTensors).to.equal(before);
    expect(manifest.stage1).to.equal(null);
    expect(manifest.main.provenance.checkpoints).to.deep.equal(['last']);
    expect(seg.labels.length).to.equal(readCanonical(input).data.length);
  });

  it('refuses a newer format, a missing file and an existing output, naming the file', async () => {
    const b = join(tmp(), 'bad');
    await kitseg('export', '--run', join(runs, 's1'), '--out', b);
    const again = await runKitseg('export', '--run', join(runs, 's1'), '--out', b, '--log-level', 'silent');
    expect(again.code).to.equal(2);
    expect(again.err).to.match(/exists: give --overwrite/);
    expect(readdirSync(tmp()).filter((f) => f.includes('.tmp-'))).to.deep.equal([]);

    const m = join(b, 'bundle.json');
    const text = readFileSync(m, 'utf8');
    writeFileSync(m, text.replace('"format": 1', '"format": 2'));
    const newer = await runKitseg('model', 'summary', '--model', b, '--log-level', 'silent');
    expect(newer.code).to.not.equal(0);
    expect(newer.err).to.match(/bundle\.json.*format 2 is newer than this kitseg reads \(1\)/);
    expect(newer.err.trim().split('\n')).to.have.length(1);

    writeFileSync(m, text);
    expect(readdirSync(join(b, 'main', 'model-0')).sort()).to.deep.equal([
      'group1-shard1of1.bin',
      'model.json',
    ]);
    rmSync(join(b, 'main', 'model-0', 'group1-shard1of1.bin'));
    const missing = await runKitseg(
      'predict',
      '--model',
      b,
      '--input',
      input,
      '--output',
      join(tmp(), 'x.nii.gz'),
    );
    expect(missing.code).to.not.equal(0);
    expect(missing.err).to.match(/the bundle is missing main\/model-0\/group1-shard1of1\.bin/);
    expect(existsSync(join(tmp(), 'x.nii.gz'))).to.equal(false);

    const notBundle = await runKitseg(
      'predict',
      '--model',
      data,
      '--input',
      input,
      '--output',
      join(tmp(), 'y.nii.gz'),
    );
    expect(notBundle.err).to.match(/not a kitseg bundle: no bundle\.json/);
  });
});
