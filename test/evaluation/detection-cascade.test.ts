// End to end through the CLI: a tiny Faster R-CNN and the V-Net on its crops train, `evaluate`
// reports the detector's box recall/precision (alone and inside the cascade, identically), and
// `predict` keeps the input geometry. Config mistakes are named errors.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { readNifti } from '../../lib/io/nifti.js';
import { writeSyntheticDataset } from '../../lib/synth/dataset.js';
import { runKitseg } from '../helpers/cli.js';
import { useTmpDir } from '../helpers/tmp.js';

const common = (root: string) => `
seed: 1
data:
  root: ${root}
  splits:
    val: 1
preprocess:
  spacing: [6, 6, 6]
  normalization:
    type: window
    lo: -60
    hi: 300
optim:
  type: adam
  lr: 0.001
`;

interface BoxSummary {
  recall: number;
  precision: number;
  truePositives: number;
  groundTruth: number;
  detections: number;
}

describe('detection cascade: train → evaluate → predict', function () {
  this.timeout(600000);
  const tmp = useTmpDir();

  it('runs the detector and the cascade end to end', async () => {
    const data = join(tmp(), 'data');
    const runs = join(tmp(), 'runs');
    writeSyntheticDataset({ out: data, cases: 3, seed: 7, preset: 'small' });
    const det = join(tmp(), 'det.yaml');
    const cas = join(tmp(), 'cas.yaml');
    writeFileSync(
      det,
      `name: det\nmodel:\n  type: fasterRcnn\n  block: basic\n  stemFilters: 4\n  stageFilters: [4, 8]\n  stageBlocks: [1, 1]\n  stageStrides: [1, 2]\n` +
        `  headFilters: 8\n  headBlocks: 1\n  rpnChannels: 8\n  anchorSizes: [16, 32]\n  roiSize: 4\n` +
        `  rpn: {batch: 32, preNms: 100, postNms: 10}\n  roi: {batch: 8}\n  scoreThreshold: 0\n  detectionsPerSlice: 2\n` +
        `${common(data)}train:\n  epochs: 1\n  iterationsPerEpoch: 3\n  batchSize: 2\n  patchSize: [1, 48, 48]\n  valEvery: 1\n` +
        `inference:\n  batchSize: 8\n`,
    );
    writeFileSync(
      cas,
      `name: cas\nmodel:\n  type: vnet\n  baseFilters: 4\n  maxFilters: 8\n  convsPerStage: [1, 1, 1]\n  kernelSize: [3, 3, 3]\n` +
        `loss:\n  type: dice\n${common(data)}train:\n  epochs: 1\n  iterationsPerEpoch: 2\n  batchSize: 2\n  patchSize: [8, 16, 16]\n` +
        `  valEvery: 1\n  valPatches: 2\ninference:\n  cascade:\n    stage1: ${det}\n    marginMm: [6, 6, 6]\n` +
        `    resizeTo: [8, 16, 16]\n    cropsPerKidney: 2\n    jitterMm: [6, 6, 6]\npostprocess:\n  largestPerCrop: true\n`,
    );
    const silent = ['--runs', runs, '--log-level', 'silent'];

    const td = await runKitseg('train', '--config', det, ...silent, '--json');
    expect(td.code, td.err).to.equal(0);
    const tdj = JSON.parse(td.out) as { completed: boolean; val: BoxSummary };
    expect(tdj.completed).to.equal(true);
    expect(tdj.val.groundTruth).to.be.greaterThan(0);
    const summary = await runKitseg('model', 'summary', '--config', det, '--json');
    const names = (JSON.parse(summary.out) as { layers: { name: string }[] }).layers.map((l) => l.name);
    expect(names).to.include.members(['rpn_objectness', 'rpn_deltas', 'cls_logits', 'box_deltas']);

    // The detector alone: box recall and precision over every val slice.
    const ed = await runKitseg('evaluate', '--config', det, ...silent, '--json');
    expect(ed.code, ed.err).to.equal(0);
    const edj = JSON.parse(ed.out) as {
      detection: { summary: BoxSummary; cases: { id: string }[] };
      outDir: string;
    };
    const s = edj.detection.summary;
    // The trainer's validation (cached preprocessed slices) and `evaluate` (from the NIfTI files) agree.
    expect(s).to.deep.equal(tdj.val);
    expect(s.recall).to.equal(s.truePositives / s.groundTruth);
    expect(s.precision).to.equal(s.detections === 0 ? 1 : s.truePositives / s.detections);
    expect(s.detections).to.be.greaterThan(0);
    expect(edj.detection.cases).to.have.length(1);
    expect(readFileSync(join(edj.outDir, 'scores.md'), 'utf8')).to.match(/box recall/);

    const tc = await runKitseg('train', '--config', cas, ...silent);
    expect(tc.code, tc.err).to.equal(0);
    const ec = await runKitseg('evaluate', '--config', cas, ...silent, '--json');
    expect(ec.code, ec.err).to.equal(0);
    const ecj = JSON.parse(ec.out) as {
      detection: { summary: BoxSummary };
      tables: { name: string; summary: { kidney: number } }[];
      checkpoints: string[];
    };
    // Inside the cascade the detector sees the same slices and gives the same boxes.
    expect(ecj.detection.summary).to.deep.equal(s);
    expect(ecj.tables[0]!.name).to.equal('raw');
    expect(ecj.tables[0]!.summary.kidney).to.be.within(0, 1);
    expect(ecj.checkpoints).to.have.length(2);

    const img = join(data, edj.detection.cases[0]!.id, 'imaging.nii.gz');
    const out = join(tmp(), 'pred.nii.gz');
    const p = await runKitseg('predict', '--config', cas, '--input', img, '--output', out, ...silent);
    expect(p.code, p.err).to.equal(0);
    const a = readNifti(img);
    const b = readNifti(out);
    expect(b.shape).to.deep.equal(a.shape);
    expect(b.affine).to.deep.equal(a.affine);

    // A detector alone labels no voxels: predicting with it is a usage error, not garbage labels.
    const pd = await runKitseg(
      'predict',
      '--config',
      det,
      '--input',
      img,
      '--output',
      join(tmp(), 'd.nii.gz'),
      '--runs',
      runs,
    );
    expect(pd.code).to.not.equal(0);
    expect(pd.err).to.match(/does not label voxels/);

    // A resized crop is one patch: a patch size that differs is named.
    const bad = await runKitseg(
      'train',
      '--config',
      cas,
      '--set',
      'name=bad',
      '--set',
      'train.patchSize=[8,16,32]',
      '--runs',
      runs,
    );
    expect(bad.code).to.not.equal(0);
    expect(bad.err).to.match(/train\.patchSize.*resizeTo/);
    const bad2 = await runKitseg(
      'train',
      '--config',
      det,
      '--set',
      'name=bad2',
      '--set',
      'train.patchSize=[2,48,48]',
      '--runs',
      runs,
    );
    expect(bad2.code).to.not.equal(0);
    expect(bad2.err).to.match(/train\.patchSize.*slices/);
  });
});
