// End to end: tiny stage 1 and cascade stage 2 train, then `evaluate` and `predict` through the
// CLI; outputs keep the input geometry, scores agree with re-scoring the written files, tensors
// do not leak, and bad predictions are named.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { loadConfig } from '../../lib/config/load.js';
import { SILENT_LOGGER } from '../../lib/core/logger.js';
import { evaluateConfig, scorePredictions, scoringOf, splitCases } from '../../lib/evaluation/evaluate.js';
import { readNifti, writeNifti } from '../../lib/io/nifti.js';
import { writeSyntheticDataset } from '../../lib/synth/dataset.js';
import { runTraining, type TrainOptions } from '../../lib/training/loop.js';
import { SEGMENTATION_TASK } from '../../lib/tasks/index.js';
import type { Config } from '../../lib/config/schema/index.js';

const train = (cfg: Config, o: TrainOptions) => runTraining(cfg, SEGMENTATION_TASK, o);
import { runKitseg } from '../helpers/cli.js';
import { useTmpDir } from '../helpers/tmp.js';

const common = (root: string, valMode = 'patch') => `
seed: 2
data:
  root: ${root}
  splits:
    val: 1
preprocess:
  spacing: [6, 6, 6]
  normalization:
    type: window
    lo: -250
    hi: 250
optim:
  type: adam
  lr: 0.001
train:
  epochs: 1
  iterationsPerEpoch: 3
  batchSize: 2
  patchSize: [8, 16, 16]
  valEvery: 1
  valPatches: 2
  valMode: ${valMode}
inference:
  batchSize: 16
  overlap: 0
`;

describe('evaluation: train → evaluate → predict', function () {
  this.timeout(600000);
  const tmp = useTmpDir();

  it('runs the cascade end to end with the input geometry preserved and consistent scores', async () => {
    const data = join(tmp(), 'data');
    const runs = join(tmp(), 'runs');
    writeSyntheticDataset({ out: data, cases: 3, seed: 7, preset: 'small' });
    const s1 = join(tmp(), 's1.yaml');
    const s2 = join(tmp(), 's2.yaml');
    writeFileSync(
      s1,
      `name: s1\nmodel:\n  type: unet3d\n  baseFilters: 4\n  maxFilters: 8\n  poolSchedule: [[2, 2, 2]]\n${common(data, 'fullCase')}`,
    );
    writeFileSync(
      s2,
      `name: s2\nmodel:\n  type: unet3d\n  inChannels: 2\n  baseFilters: 4\n  maxFilters: 8\n  poolSchedule: [[2, 2, 2]]\n${common(data)}` +
        `  cascade:\n    stage1: ${s1}\n    marginMm: [6, 6, 6]\npostprocess:\n  largestPerCrop: true\n  kidneyComponents: {}\n`,
    );
    const c1 = loadConfig(s1);
    const c2 = loadConfig(s2);
    await train(c1, { runDir: join(runs, 's1'), resume: false, log: SILENT_LOGGER });
    const t2 = await train(c2, { runDir: join(runs, 's2'), resume: false, log: SILENT_LOGGER });
    expect(t2.completed).to.equal(true);

    // Full-case validation during training scores exactly what `evaluate` scores for that model.
    const lastVal = readFileSync(join(runs, 's1', 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { val?: { kidney: number; tumor: number }; valMode?: string })
      .filter((m) => m.val !== undefined)
      .at(-1)!;
    expect(lastVal.valMode).to.equal('fullCase');
    const e1 = await evaluateConfig(c1, {
      runsDir: runs,
      split: 'val',
      outDir: null,
      log: SILENT_LOGGER,
      checkpoints: [join(runs, 's1', 'checkpoints', 'last')],
    });
    expect(e1.tables[0]!.summary.kidney).to.be.closeTo(lastVal.val!.kidney, 1e-12);
    expect(e1.tables[0]!.summary.tumor).to.be.closeTo(lastVal.val!.tumor, 1e-12);

    // Library path: tensors do not grow; raw and post-processed tables; scores == re-scoring files.
    const before = tf.memory().numTensors;
    const out = join(tmp(), 'eval');
    const res = await evaluateConfig(c2, { runsDir: runs, split: 'val', outDir: out, log: SILENT_LOGGER });
    expect(tf.memory().numTensors).to.equal(before);
    expect(res.tables.map((t) => t.name)).to.deep.equal(['raw', 'postprocessed']);
    expect(res.checkpoints).to.have.length(2);
    const val = splitCases(c2, 'val');
    expect(val).to.have.length(1);
    const rescored = scorePredictions(join(out, 'predictions'), val, scoringOf(c2));
    expect(rescored.cases[0]!.kidney.dice).to.equal(res.tables[1]!.cases[0]!.kidney.dice);
    expect(rescored.cases[0]!.tumor.dice).to.equal(res.tables[1]!.cases[0]!.tumor.dice);

    // CLI evaluate writes the tables into the run folder.
    const ev = await runKitseg('evaluate', '--config', s2, '--runs', runs, '--json', '--log-level', 'silent');
    expect(ev.code, ev.err).to.equal(0);
    const j = JSON.parse(ev.out) as { tables: { summary: { composite: number } }[]; outDir: string };
    expect(j.tables[1]!.summary.composite).to.equal(res.tables[1]!.summary.composite);
    for (const f of ['scores.json', 'scores.csv', 'scores.md'])
      expect(existsSync(join(j.outDir, f))).to.equal(true);
    expect(readFileSync(join(j.outDir, 'scores.csv'), 'utf8').split('\n')[1]).to.match(/^raw,case_\d{5},/);

    // CLI predict: exact input geometry, probabilities, skip existing unless --overwrite.
    const img = join(data, val[0]!.id, 'imaging.nii.gz');
    const pred = join(tmp(), 'pred', 'x.nii.gz');
    const predictArgs = ['predict', '--config', s2, '--runs', runs, '--input', img, '--output', pred];
    const p = await runKitseg(...predictArgs, '--probabilities', '--tta', '--log-level', 'silent');
    expect(p.code, p.err).to.equal(0);
    const a = readNifti(img);
    for (const f of [
      pred,
      join(tmp(), 'pred', 'x_kidney_prob.nii.gz'),
      join(tmp(), 'pred', 'x_tumor_prob.nii.gz'),
    ]) {
      const b = readNifti(f);
      expect(b.shape).to.deep.equal(a.shape);
      expect(b.affine).to.deep.equal(a.affine);
    }
    expect(readNifti(pred).datatype).to.equal('uint8');
    expect([...new Set(readNifti(pred).data)].every((v) => v === 0 || v === 1 || v === 2)).to.equal(true);
    const mtime = statSync(pred).mtimeMs;
    const again = await runKitseg(...predictArgs);
    expect(again.code).to.equal(0);
    expect(again.err).to.match(/is complete, skipped/);
    expect(statSync(pred).mtimeMs).to.equal(mtime);

    // Scoring files: a prediction on another grid is an error naming the case.
    const bad = join(tmp(), 'bad');
    const ref = readNifti(join(data, val[0]!.id, 'segmentation.nii.gz'));
    writeNifti(join(bad, `${val[0]!.id}.nii.gz`), {
      data: ref.data.slice(0, ref.data.length / ref.shape[2]!),
      shape: [ref.shape[0]!, ref.shape[1]!, 1],
      affine: ref.affine,
    });
    const e = await runKitseg(
      'evaluate',
      '--pred-dir',
      bad,
      '--data',
      data,
      '--config',
      s2,
      '--split',
      'val',
    );
    expect(e.code).to.equal(1);
    expect(e.err).to.match(new RegExp(`${val[0]!.id}: .*shape`));
  });
});
