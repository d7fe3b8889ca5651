// The preprocessing cache: reuse, invalidation by source change and by config change, the command.
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { validateConfig } from '../../lib/config/load.js';
import { SILENT_LOGGER } from '../../lib/core/logger.js';
import { discoverCases } from '../../lib/data/kits19.js';
import { Rng } from '../../lib/rng/rng.js';
import { writeSyntheticDataset } from '../../lib/synth/dataset.js';
import { cacheDir, preparedDataset } from '../../lib/training/cache.js';
import { runKitseg } from '../helpers/cli.js';
import { useTmpDir } from '../helpers/tmp.js';

describe('training/cache', function () {
  this.timeout(120000);
  const tmp = useTmpDir();

  it('reuses cached cases bit for bit, redoes a changed source, and keys the folder on the config', async () => {
    const root = join(tmp(), 'data');
    writeSyntheticDataset({ out: root, cases: 3, seed: 2, preset: 'small' });
    const cfg = validateConfig({ data: { root }, preprocess: { spacing: [6, 5, 5] } }, 't');
    const refs = discoverCases(root);
    const run = () =>
      preparedDataset(
        cfg,
        refs.slice(0, 2),
        refs.slice(2),
        Rng.fromSeed(0).fork('fingerprint'),
        SILENT_LOGGER,
      );
    const a = run();
    expect(a.computed).to.deep.equal(['case_00000', 'case_00001', 'case_00002']);
    expect(a.dir.startsWith(join(tmp(), 'preprocessed', 'data-'))).to.equal(true);
    const b = run();
    expect(b.computed).to.deep.equal([]);
    expect(b.plan).to.deep.equal(a.plan);
    for (const k of [0, 1]) {
      expect(b.train[k]!.image).to.deep.equal(a.train[k]!.image);
      expect(b.train[k]!.label).to.deep.equal(a.train[k]!.label);
      expect(b.train[k]!.shape).to.deep.equal(a.train[k]!.shape);
    }
    utimesSync(refs[2]!.imagingPath, new Date(), new Date(Date.now() + 5000));
    expect(run().computed).to.deep.equal(['case_00002']);
    const other = validateConfig({ data: { root }, preprocess: { spacing: [6, 6, 6] } }, 't');
    expect(cacheDir(other, ['case_00000', 'case_00001'])).to.not.equal(a.dir);
    expect(cacheDir(cfg, ['case_00000'])).to.not.equal(a.dir);
  });

  it('kitseg preprocess fills the cache once; a second run computes nothing', async () => {
    const root = join(tmp(), 'data');
    writeSyntheticDataset({ out: root, cases: 3, seed: 2, preset: 'small' });
    const cfgPath = join(tmp(), 'c.yaml');
    writeFileSync(
      cfgPath,
      `data:\n  root: ${root}\n  splits:\n    val: 1\npreprocess:\n  spacing: [6, 5, 5]\n`,
    );
    const first = await runKitseg('preprocess', '--config', cfgPath, '--json', '--log-level', 'silent');
    expect(first.code, first.err).to.equal(0);
    const j1 = JSON.parse(first.out) as { computed: number; train: number; val: number; megabytes: number };
    expect([j1.train, j1.val, j1.computed]).to.deep.equal([2, 1, 3]);
    expect(j1.megabytes).to.be.greaterThan(0);
    const j2 = JSON.parse(
      (await runKitseg('preprocess', '--config', cfgPath, '--json', '--log-level', 'silent')).out,
    ) as { computed: number; cached: number };
    expect([j2.computed, j2.cached]).to.deep.equal([0, 3]);
  });
});
