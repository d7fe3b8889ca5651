// `kitseg evaluate --config C --data D`: a trained run scored on every case of another dataset (the
// real-CT transfer check), its tables in runs/<name>/evaluation/<D's name>/, the same numbers as
// scoring its prediction files with --pred-dir, and no split file written into D.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { writeSyntheticDataset } from '../../lib/synth/dataset.js';
import { runKitseg } from '../helpers/cli.js';
import { useTmpDir } from '../helpers/tmp.js';

describe('cli: evaluate a run on another dataset', function () {
  this.timeout(600000);
  const tmp = useTmpDir();

  it('predicts and scores every case of --data, as --pred-dir scores the same files', async () => {
    const data = join(tmp(), 'data');
    const other = join(tmp(), 'other-ct');
    writeSyntheticDataset({ out: data, cases: 3, seed: 3, preset: 'small' });
    writeSyntheticDataset({ out: other, cases: 2, seed: 9, preset: 'small' });
    const cfg = join(tmp(), 'c.yaml');
    writeFileSync(
      cfg,
      `name: e\nseed: 1\nbackend: cpu\ndata: {root: ${data}, splits: {val: 1}}\n` +
        'preprocess: {spacing: [6, 6, 6], normalization: {type: window, lo: -250, hi: 250}}\n' +
        'model: {type: unet3d, baseFilters: 4, maxFilters: 8, poolSchedule: [[2, 2, 2]]}\n' +
        'train: {epochs: 1, iterationsPerEpoch: 2, batchSize: 2, patchSize: [8, 16, 16], valEvery: 1, valPatches: 2}\n' +
        'inference: {checkpoint: last}\n',
    );
    const runs = join(tmp(), 'runs');
    const t = await runKitseg('train', '--config', cfg, '--runs', runs, '--log-level', 'silent');
    expect(t.code, t.err).to.equal(0);
    const before = readdirSync(other).sort();
    const ev = await runKitseg(
      'evaluate',
      '--config',
      cfg,
      '--runs',
      runs,
      '--data',
      other,
      '--json',
      '--log-level',
      'silent',
    );
    expect(ev.code, ev.err).to.equal(0);
    const j = JSON.parse(ev.out) as {
      outDir: string;
      split: string | null;
      tables: { cases: { id: string; kidney: { dice: number } }[] }[];
    };
    expect(j.outDir).to.equal(join(runs, 'e', 'evaluation', 'other-ct'));
    expect(j.split).to.equal(null);
    expect(j.tables[0]!.cases.map((c) => c.id)).to.deep.equal(['case_00000', 'case_00001']);
    expect(readdirSync(other).sort()).to.deep.equal(before);
    expect(existsSync(join(j.outDir, 'scores.md'))).to.equal(true);
    const rescored = await runKitseg(
      'evaluate',
      '--pred-dir',
      join(j.outDir, 'predictions'),
      '--data',
      other,
      '--json',
      '--log-level',
      'silent',
    );
    const r = JSON.parse(rescored.out) as typeof j;
    expect(r.tables[0]!.cases.map((c) => c.kidney.dice)).to.deep.equal(
      j.tables[0]!.cases.map((c) => c.kidney.dice),
    );

    const both = await runKitseg(
      'evaluate',
      '--config',
      cfg,
      '--runs',
      runs,
      '--data',
      other,
      '--split',
      'val',
    );
    expect(both.code).to.equal(2);
    expect(both.err).to.match(/--data scores every case of that dataset; leave out --split/);
  });
});
