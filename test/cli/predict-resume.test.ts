// `kitseg predict` over a folder, interrupted: a case counts as done only when every output it
// should have reads back, a signal lets the current case finish and exits 130/143, and what a
// killed process left behind is removed.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { writeSyntheticDataset } from '../../lib/synth/dataset.js';
import { ROOT, runKitseg } from '../helpers/cli.js';
import { useTmpDir } from '../helpers/tmp.js';

const config = (root: string) => `
name: p
seed: 4
backend: cpu
data: {root: ${root}, splits: {val: 1}}
preprocess: {spacing: [6, 6, 6], normalization: {type: window, lo: -250, hi: 250}}
model: {type: unet3d, baseFilters: 4, maxFilters: 8, poolSchedule: [[2, 2, 2]]}
optim: {type: adam, lr: 0.001}
train: {epochs: 1, iterationsPerEpoch: 2, batchSize: 2, patchSize: [8, 16, 16], valEvery: 1, valPatches: 2}
inference: {checkpoint: last}
`;

type Done = { cases: { id: string; skipped: boolean }[] };

describe('cli: predict batches that outlive a process', function () {
  this.timeout(600000);
  const tmp = useTmpDir();
  let cfg = '';
  let runs = '';
  let data = '';

  beforeEach(async () => {
    data = join(tmp(), 'data');
    writeSyntheticDataset({ out: data, cases: 4, seed: 3, preset: 'small' });
    cfg = join(tmp(), 'c.yaml');
    writeFileSync(cfg, config(data));
    runs = join(tmp(), 'runs');
    const t = await runKitseg('train', '--config', cfg, '--runs', runs, '--log-level', 'silent');
    expect(t.code, t.err).to.equal(0);
  });

  const predictArgs = (out: string) => [
    'predict',
    '--config',
    cfg,
    '--runs',
    runs,
    '--input',
    data,
    '--output',
    out,
  ];
  const predict = (out: string, ...more: string[]) =>
    runKitseg(...predictArgs(out), '--log-level', 'silent', '--json', ...more);

  it('redoes a case whose probability map is missing or whose labels are truncated, and only those', async () => {
    const out = join(tmp(), 'out');
    const first = await predict(out, '--probabilities');
    expect(first.code, first.err).to.equal(0);
    rmSync(join(out, 'case_00001_tumor_prob.nii.gz'));
    truncateSync(join(out, 'case_00002.nii.gz'), 40);
    const again = await predict(out, '--probabilities');
    expect(again.code, again.err).to.equal(0);
    const skipped = (JSON.parse(again.out) as Done).cases.map((c) => [c.id, c.skipped]);
    expect(skipped).to.deep.equal([
      ['case_00000', true],
      ['case_00001', false],
      ['case_00002', false],
      ['case_00003', true],
    ]);
    expect(existsSync(join(out, 'case_00001_tumor_prob.nii.gz'))).to.equal(true);
    // Without --probabilities, labels alone make a case complete.
    const labelsOnly = await predict(out);
    expect((JSON.parse(labelsOnly.out) as Done).cases.every((c) => c.skipped)).to.equal(true);
  });

  it('SIGTERM finishes the current case, exits 143, leaves no temporaries; a rerun predicts the rest', async () => {
    const out = join(tmp(), 'out');
    // A dead process's temporary, as a kill in the middle of a write leaves it.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const { mkdirSync } = await import('node:fs');
    mkdirSync(out);
    writeFileSync(join(out, `.kitseg-tmp-${dead}-0-case_00000.nii.gz`), 'half');
    const p = spawn(process.execPath, [join(ROOT, 'bin/kitseg.js'), ...predictArgs(out)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exit = new Promise<number | null>((res) => p.on('exit', (code) => res(code)));
    for (let i = 0; i < 1200 && !existsSync(join(out, 'case_00000.nii.gz')); i++)
      await new Promise((r) => setTimeout(r, 50));
    p.kill('SIGTERM');
    expect(await exit, err).to.equal(143);
    expect(err).to.match(/SIGTERM: stopped after \d of 4 cases; run again to predict the rest/);
    const written = readdirSync(out);
    expect(written.filter((n) => n.startsWith('.kitseg-tmp'))).to.deep.equal([]);
    const n = written.length;
    expect(n).to.be.within(1, 3);
    const rest = await predict(out);
    expect(rest.code, rest.err).to.equal(0);
    const cases = (JSON.parse(rest.out) as Done).cases;
    expect(cases.filter((c) => c.skipped)).to.have.length(n);
    expect(readdirSync(out).sort()).to.deep.equal([
      'case_00000.nii.gz',
      'case_00001.nii.gz',
      'case_00002.nii.gz',
      'case_00003.nii.gz',
    ]);
  });
});
