// data.render: tissue maps through the preprocessing cache, re-shaded training patches, seeded runs.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { validateConfig } from '../../lib/config/load.js';
import type { Config } from '../../lib/config/schema/index.js';
import { IoError } from '../../lib/core/errors.js';
import { SILENT_LOGGER } from '../../lib/core/logger.js';
import { discoverCases } from '../../lib/data/kits19.js';
import { Rng } from '../../lib/rng/rng.js';
import { writeFromLabelsDataset } from '../../lib/synth/dataset.js';
import { TISSUES, tissueId } from '../../lib/synth/palette.js';
import { SEGMENTATION_TASK } from '../../lib/tasks/index.js';
import { cacheDir, preparedDataset } from '../../lib/training/cache.js';
import { sampleBatch, withLocations } from '../../lib/training/data.js';
import { runTraining } from '../../lib/training/loop.js';
import { testBackend } from '../helpers/setup.js';
import { KITS_LABELS, useTmpDir } from '../helpers/tmp.js';

function config(root: string, render: { probability: number } | null, train: Record<string, unknown> = {}) {
  return validateConfig(
    {
      name: 'render',
      seed: 4,
      data: { root, splits: { val: 1 }, render },
      preprocess: { spacing: [8, 8, 8], normalization: { type: 'window', lo: -250, hi: 250 } },
      model: { type: 'unet3d', baseFilters: 4, maxFilters: 8, poolSchedule: [[2, 2, 2]] },
      loss: { type: 'diceCe' },
      optim: { type: 'adam', lr: 0.001 },
      train: {
        epochs: 1,
        iterationsPerEpoch: 3,
        batchSize: 2,
        patchSize: [8, 16, 16],
        valEvery: 1,
        valPatches: 2,
        prefetch: 0,
        ...train,
      },
    },
    'test',
  );
}

describe('data.render (re-shading training patches on the fly)', function () {
  this.timeout(600000);
  const tmp = useTmpDir();
  let root = '';
  const prepare = (cfg: Config) => {
    const refs = discoverCases(root);
    return preparedDataset(cfg, refs.slice(0, 2), refs.slice(2), Rng.fromSeed(0).fork('f'), SILENT_LOGGER);
  };
  beforeEach(() => {
    root = join(tmp(), 'random');
    writeFromLabelsDataset({
      labels: KITS_LABELS,
      out: root,
      seed: 1,
      style: 'randomized',
      spacingMm: [6, 6, 6],
      limit: 3,
    });
  });
  afterEach(async () => tf.setBackend(testBackend()));

  it('caches the tissue map of the train cases only, aligned with their labels, under its own key', () => {
    const on = config(root, { probability: 1 });
    const off = config(root, null);
    expect(cacheDir(on, ['case_00000', 'case_00001'])).to.not.equal(
      cacheDir(off, ['case_00000', 'case_00001']),
    );
    const a = prepare(on);
    expect(a.val[0]!.tissue).to.equal(undefined);
    const kidney = new Set(['cortex', 'medulla', 'sinusFat', 'sinusVessel'].map((t) => tissueId(t as never)));
    for (const c of a.train) {
      const t = c.tissue!;
      expect(t.length).to.equal(c.label.length);
      let labelled = 0;
      let match = 0;
      c.label.forEach((l, i) => {
        expect(t[i]!).to.be.within(0, TISSUES.length);
        if (l !== 1) return;
        labelled++;
        if (kidney.has(t[i]!)) match++;
      });
      expect(labelled).to.be.greaterThan(0);
      expect(match / labelled, `${c.id} kidney voxels on kidney tissue`).to.be.greaterThan(0.95);
    }
    // Read back from the cache: the same maps.
    const b = prepare(on);
    expect(b.computed).to.deep.equal([]);
    expect(b.train[1]!.tissue).to.deep.equal(a.train[1]!.tissue);
    expect(prepare(off).train[0]!.tissue).to.equal(undefined);
  });

  it('a train case without tissue.nii.gz is an error naming the file', () => {
    rmSync(join(root, 'case_00001', 'tissue.nii.gz'));
    const err = (() => {
      try {
        prepare(config(root, { probability: 1 }));
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).to.be.instanceOf(IoError);
    expect(String(err)).to.match(
      /case_00001\/tissue\.nii\.gz.*missing tissue\.nii\.gz|missing tissue\.nii\.gz.*case_00001/,
    );
  });

  it('re-shades patches: labels as drawn, images from a new contrast; probability 0 keeps the stored images', () => {
    const cfg = config(root, { probability: 1 });
    const p = prepare(cfg);
    const cases = p.train.map((c) => withLocations(c, Rng.fromSeed(1)));
    const draw = (probability: number | null) =>
      sampleBatch(cases, [8, 16, 16], 1, Rng.fromSeed(2), {
        sampling: cfg.train.sampling,
        render:
          probability === null
            ? null
            : { probability, wild: 0, normalization: p.plan.normalization, spacingMm: p.plan.spacingMm },
      });
    const stored = draw(null);
    const kept = draw(0);
    const fresh = draw(1);
    expect(kept.x).to.deep.equal(stored.x);
    expect(fresh.y).to.deep.equal(stored.y);
    let diff = 0;
    for (let i = 0; i < fresh.x.length; i++) {
      diff = Math.max(diff, Math.abs(fresh.x[i]! - stored.x[i]!));
      expect(fresh.x[i]!).to.be.within(0, 1); // the plan's window normalisation
    }
    expect(diff).to.be.greaterThan(0.05);
  });

  it('trains seeded: the worker and in-process sampling give the same weights, unlike no re-shading', async () => {
    await tf.setBackend('cpu');
    const run = async (name: string, cfg: Config) => {
      await runTraining(cfg, SEGMENTATION_TASK, {
        runDir: join(tmp(), name),
        resume: false,
        log: SILENT_LOGGER,
      });
      return readFileSync(join(tmp(), name, 'checkpoints/last/weights.bin'));
    };
    const a = await run('a', config(root, { probability: 1 }));
    const b = await run('b', config(root, { probability: 1 }, { prefetch: 2 }));
    const c = await run('c', config(root, null));
    expect(a.equals(b)).to.equal(true);
    expect(a.equals(c)).to.equal(false);
  });
});
