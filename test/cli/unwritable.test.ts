// Folders kitseg cannot write name the key that moves them, and a scoring command never writes
// into the reference folder. (Tests run as root, where permissions do not stop a write, so an
// unwritable place is a path below a regular file: mkdir fails there for everyone.)
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { writeSyntheticDataset } from '../../lib/synth/dataset.js';
import { runKitseg } from '../helpers/cli.js';
import { useTmpDir } from '../helpers/tmp.js';

const config = (root: string, extra = '') => `
name: u
seed: 1
backend: cpu
data: {root: ${root}, splits: {val: 1}}
preprocess: {spacing: [6, 6, 6], normalization: {type: window, lo: -250, hi: 250}${extra}}
model: {type: unet3d, baseFilters: 4, maxFilters: 8, poolSchedule: [[2, 2, 2]]}
train: {epochs: 1, iterationsPerEpoch: 1, batchSize: 1, patchSize: [8, 16, 16], valPatches: 1}
`;

describe('cli: places kitseg cannot write', function () {
  this.timeout(300000);
  const tmp = useTmpDir();
  let data = '';
  let blocker = '';
  beforeEach(() => {
    data = join(tmp(), 'data');
    writeSyntheticDataset({ out: data, cases: 3, seed: 2, preset: 'small' });
    blocker = join(tmp(), 'a-file');
    writeFileSync(blocker, 'not a folder');
  });

  /** `kitseg train` on a fresh config (with `extra` inside `preprocess`) and further arguments. */
  const train = (extra: string, ...args: string[]) => {
    const cfg = join(tmp(), 'c.yaml');
    writeFileSync(cfg, config(data, extra));
    return runKitseg('train', '--config', cfg, ...args);
  };

  it('an unwritable preprocessing cache names preprocess.cacheDir', async () => {
    const r = await train(
      `, cacheDir: ${join(blocker, 'cache')}`,
      '--runs',
      join(tmp(), 'runs'),
      '--log-level',
      'error',
    );
    expect(r.code).to.equal(1);
    expect(r.err).to.match(
      /cannot create the preprocessing cache \(ENOTDIR\); set preprocess\.cacheDir to a writable folder/,
    );
  });

  it('an unwritable runs folder names --runs', async () => {
    const r = await train('', '--runs', join(blocker, 'runs'), '--log-level', 'error');
    expect(r.code).to.equal(1);
    expect(r.err).to.match(
      /cannot create the run folder \(ENOTDIR\); choose a writable runs folder \(--runs\)/,
    );
  });

  it('an unwritable splits file names data.splits.file', async () => {
    const r = await train(
      '',
      '--set',
      `data.splits.file=${join(blocker, 's.json')}`,
      '--runs',
      join(tmp(), 'runs'),
    );
    expect(r.code).to.equal(1);
    expect(r.err).to.match(/cannot write the splits file .*; point data\.splits\.file at a writable path/);
  });

  it('evaluate --pred-dir --split writes no splits.json into the reference folder, even when it fails', async () => {
    const r = await runKitseg(
      'evaluate',
      '--pred-dir',
      join(tmp(), 'no-preds'),
      '--data',
      data,
      '--split',
      'val',
    );
    expect(r.code).to.not.equal(0);
    expect(existsSync(join(data, 'splits.json'))).to.equal(false);
  });

  it('a saved splits file that disagrees with the config is used, with a warning naming both sizes', async () => {
    const cfg = join(tmp(), 'c.yaml');
    writeFileSync(cfg, config(data));
    const first = await runKitseg(
      'train',
      '--config',
      cfg,
      '--runs',
      join(tmp(), 'runs'),
      '--log-level',
      'silent',
    );
    expect(first.code, first.err).to.equal(0);
    const again = await runKitseg(
      'train',
      '--config',
      cfg,
      '--set',
      'data.splits.val=2',
      '--set',
      'name=u2',
      '--runs',
      join(tmp(), 'runs'),
      '--log-level',
      'warn',
    );
    expect(again.code, again.err).to.equal(0);
    expect(again.err).to.match(
      /splits\.json has 1 val \/ 0 test cases, the config's data\.splits asks for 2 \/ 0; the file is used/,
    );
  });
});
