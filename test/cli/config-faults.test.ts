// Each config fault is found before anything is written: `kitseg train` exits 2 with one line that
// names the config file and the key, and leaves no run folder.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { createLogger } from '../../lib/core/logger.js';
import { validateConfig } from '../../lib/config/load.js';
import { SEGMENTATION_TASK } from '../../lib/tasks/index.js';
import { runTraining } from '../../lib/training/loop.js';
import { writeSyntheticDataset } from '../../lib/synth/dataset.js';
import { runKitseg } from '../helpers/cli.js';
import { useTmpDir } from '../helpers/tmp.js';

const base = (root: string) => `
name: f
seed: 1
backend: cpu
data: {root: ${root}, splits: {val: 1}}
preprocess: {spacing: [6, 6, 6], normalization: {type: window, lo: -250, hi: 250}}
model: {type: unet3d, baseFilters: 4, maxFilters: 8, poolSchedule: [[2, 2, 2]]}
train: {epochs: 1, iterationsPerEpoch: 1, batchSize: 1, patchSize: [8, 16, 16], valPatches: 1}
`;

describe('cli: config faults', function () {
  this.timeout(300000);
  const tmp = useTmpDir();

  const FAULTS: [name: string, set: string[], key: RegExp][] = [
    [
      'a patch not divisible by the pooling product',
      ['train.patchSize=[9,16,16]'],
      /train\.patchSize: axis 0 \(9\) must be a multiple of 2/,
    ],
    [
      'a val split larger than the dataset',
      ['data.splits.val=7', 'data.splits.file=other.json'],
      /data\.splits\.val: 7 asks for 7 cases, only 3/,
    ],
    [
      'sampling probabilities all zero',
      ['train.sampling={tumor: 0, foreground: 0, random: 0}'],
      /train\.sampling: tumor, foreground and random are all 0/,
    ],
    [
      'a window with lo above hi',
      ['preprocess.normalization.lo=300'],
      /preprocess\.normalization\.lo: \(300\) must be below hi \(250\)/,
    ],
    [
      'maxFilters below baseFilters',
      ['model.maxFilters=2'],
      /model\.maxFilters: \(2\) must be at least model\.baseFilters \(4\)/,
    ],
    [
      'a typo inside a union member',
      ['train.sampling={tumour: 1, foreground: 1, random: 1}'],
      /train\.sampling\.tumour: unknown key "tumour" — did you mean "tumor"\?/,
    ],
    [
      'a step schedule without its period',
      ['train.lrSchedule={type: step}'],
      /train\.lrSchedule\.every: required/,
    ],
    [
      'bf16 where it cannot run (the cpu backend)',
      ['train.precision=bf16'],
      /train\.precision: bf16 is not available here: .*; use fp32/,
    ],
  ];
  for (const [name, set, key] of FAULTS)
    it(`${name}: exit 2, the file and key named, nothing written`, async () => {
      const data = join(tmp(), 'data');
      writeSyntheticDataset({ out: data, cases: 3, seed: 2, preset: 'small' });
      const cfg = join(tmp(), 'c.yaml');
      writeFileSync(cfg, base(data));
      const runs = join(tmp(), 'runs');
      const r = await runKitseg(
        'train',
        '--config',
        cfg,
        ...set.flatMap((s) => ['--set', s]),
        '--runs',
        runs,
        '--log-level',
        'error',
      );
      expect(r.code, r.err).to.equal(2);
      expect(r.err.trim().split('\n')).to.have.length(1);
      expect(r.err).to.include(`${cfg}: `);
      expect(r.err).to.match(key);
      expect(existsSync(join(runs, 'f'))).to.equal(false);
    });

  it('an empty config file is an error, not a run of every default', async () => {
    const cfg = join(tmp(), 'empty.yaml');
    writeFileSync(cfg, '\n# nothing here\n');
    const r = await runKitseg('train', '--config', cfg, '--runs', join(tmp(), 'runs'));
    expect(r.code).to.equal(2);
    expect(r.err).to.match(/empty\.yaml: \(root\): the file is empty/);
  });

  it('a patch larger than the resampled cases trains with a warning naming train.patchSize', async () => {
    const data = join(tmp(), 'data');
    writeSyntheticDataset({ out: data, cases: 3, seed: 2, preset: 'small' });
    const cfg = validateConfig(
      {
        name: 'big',
        seed: 1,
        data: { root: data, splits: { val: 1 } },
        preprocess: { spacing: [6, 6, 6], normalization: { type: 'window', lo: -250, hi: 250 } },
        model: { type: 'unet3d', baseFilters: 2, maxFilters: 2, poolSchedule: [[2, 2, 2]] },
        train: {
          epochs: 1,
          iterationsPerEpoch: 1,
          batchSize: 1,
          patchSize: [64, 16, 16],
          valPatches: 1,
          prefetch: 0,
        },
      },
      'big',
    );
    const warnings: string[] = [];
    const log = createLogger('warn', (l) => warnings.push(l));
    await runTraining(cfg, SEGMENTATION_TASK, { runDir: join(tmp(), 'runs', 'big'), resume: false, log });
    expect(warnings.join('\n')).to.match(
      /train\.patchSize \[64, 16, 16\] exceeds the median resampled case \[\d+, \d+, \d+\]/,
    );
  });
});
