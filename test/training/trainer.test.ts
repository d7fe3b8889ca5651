// The training loop: resume equivalence, NaN stop, no tensor growth, run-folder contents.
import { existsSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { validateConfig } from '../../lib/config/load.js';
import { SILENT_LOGGER } from '../../lib/core/logger.js';
import { writeSyntheticDataset } from '../../lib/synth/dataset.js';
import { runTraining, trainingData, TrainingError, type TrainOptions } from '../../lib/training/loop.js';
import { Rng } from '../../lib/rng/rng.js';
import { SEGMENTATION_TASK } from '../../lib/tasks/index.js';
import type { Config } from '../../lib/config/schema/index.js';

const train = (cfg: Config, o: TrainOptions) => runTraining(cfg, SEGMENTATION_TASK, o);
import { testBackend } from '../helpers/setup.js';
import { useTmpDir } from '../helpers/tmp.js';

function tinyConfig(root: string, extra: Record<string, unknown> = {}) {
  return validateConfig(
    {
      name: 'tiny',
      seed: 3,
      data: { root, splits: { val: 1 } },
      preprocess: { spacing: [6, 6, 6], normalization: { type: 'window', lo: -250, hi: 250 } },
      model: { type: 'unet3d', baseFilters: 4, maxFilters: 8, poolSchedule: [[2, 2, 2]] },
      loss: { type: 'diceCe' },
      optim: { type: 'adam', lr: 0.001 },
      train: {
        epochs: 2,
        iterationsPerEpoch: 3,
        batchSize: 2,
        patchSize: [8, 16, 16],
        valEvery: 1,
        valPatches: 2,
      },
      ...extra,
    },
    'test',
  );
}

describe('training/trainer', function () {
  this.timeout(300000);
  const tmp = useTmpDir();
  let data = '';
  beforeEach(() => {
    data = join(tmp(), 'data');
    writeSyntheticDataset({ out: data, cases: 3, seed: 5, preset: 'small' });
  });
  afterEach(async () => tf.setBackend(testBackend()));

  it('background loading and augmentation keep runs seeded: a worker gives the same weights as in-process sampling', async () => {
    await tf.setBackend('cpu');
    const aug = { augment: {} };
    const a = tinyConfig(data, { train: { ...tinyConfig(data).train, ...aug, prefetch: 0 } });
    const b = tinyConfig(data, { train: { ...tinyConfig(data).train, ...aug, prefetch: 3 } });
    await train(a, { runDir: join(tmp(), 'a'), resume: false, log: SILENT_LOGGER });
    await train(b, { runDir: join(tmp(), 'b'), resume: false, log: SILENT_LOGGER });
    const w = (run: string) => readFileSync(join(tmp(), run, 'checkpoints/last/weights.bin'));
    expect(w('a').equals(w('b'))).to.equal(true);
    const c = tinyConfig(data, { train: { ...tinyConfig(data).train, prefetch: 0 } });
    await train(c, { runDir: join(tmp(), 'c'), resume: false, log: SILENT_LOGGER });
    expect(w('a').equals(w('c'))).to.equal(false); // augmentation changed the batches
  });

  it('data.extra adds labelled case folders to the train cases; a repeated case id is an error', async () => {
    const extra = join(tmp(), 'extra');
    writeSyntheticDataset({ out: extra, cases: 1, seed: 8, preset: 'small' });
    renameSync(join(extra, 'case_00000'), join(extra, 'case_50000'));
    const cfg = tinyConfig(data, {
      data: { root: data, splits: { val: 1 }, extra: [extra] },
      train: { ...tinyConfig(data).train, epochs: 1, iterationsPerEpoch: 1 },
    });
    await train(cfg, { runDir: join(tmp(), 'x'), resume: false, log: SILENT_LOGGER });
    const plan = JSON.parse(readFileSync(join(tmp(), 'x', 'plan.json'), 'utf8')) as {
      fingerprint: { cases: number };
    };
    expect(plan.fingerprint.cases).to.equal(3); // 2 train cases of the dataset + 1 extra
    const clash = tinyConfig(data, { data: { root: data, splits: { val: 1 }, extra: [data] } });
    const err = await train(clash, { runDir: join(tmp(), 'y'), resume: false, log: SILENT_LOGGER }).catch(
      (e: unknown) => e,
    );
    expect(String(err)).to.match(/case_00000 is already a case of/);
  });

  it('data.renderings adds each train case once more from another rendering, never a val case', () => {
    const other = join(tmp(), 'other');
    writeSyntheticDataset({ out: other, cases: 3, seed: 9, preset: 'small' });
    const cfg = (renderings: string[]) =>
      tinyConfig(data, { data: { root: data, splits: { val: 1 }, renderings } });
    const { prepared, valRefs } = trainingData(cfg([other]), SILENT_LOGGER, Rng.fromSeed(1));
    const val = valRefs.map((r) => r.id);
    const own = ['case_00000', 'case_00001', 'case_00002'].filter((id) => !val.includes(id));
    expect(val).to.have.length(1);
    expect(prepared.train.map((c) => c.id).sort()).to.deep.equal(
      [...own, ...own.map((id) => `${id}@other`)].sort(),
    );
    expect(prepared.val.map((c) => c.id)).to.deep.equal(val);
    // The second rendering's own image, not a copy of the first.
    const a = prepared.train.find((c) => c.id === own[0])!;
    const b = prepared.train.find((c) => c.id === `${own[0]}@other`)!;
    expect(Buffer.from(a.image.buffer).equals(Buffer.from(b.image.buffer))).to.equal(false);
    rmSync(join(other, own[1]!), { recursive: true });
    expect(() => trainingData(cfg([other]), SILENT_LOGGER, Rng.fromSeed(1))).to.throw(
      new RegExp(
        `other: data.renderings: expected a labelled rendering of train case ${own[1]!}, found none`,
      ),
    );
    expect(() => trainingData(cfg([data]), SILENT_LOGGER, Rng.fromSeed(1))).to.throw(
      /expected another folder than data.root, found data.root itself/,
    );
  });

  it('keepTopK keeps exactly the checkpoints of the K best validations', async () => {
    const cfg = tinyConfig(data, {
      train: { ...tinyConfig(data).train, epochs: 4, iterationsPerEpoch: 1, keepTopK: 2 },
    });
    const dir = join(tmp(), 'top');
    await train(cfg, { runDir: dir, resume: false, log: SILENT_LOGGER });
    const vals = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { epoch: number; val?: { composite: number } })
      .filter((m) => m.val !== undefined);
    expect(vals).to.have.length(4);
    const want = [...vals]
      .sort((a, b) => b.val!.composite - a.val!.composite || a.epoch - b.epoch)
      .slice(0, 2)
      .map((m) => `epoch-${m.epoch}`)
      .sort();
    expect(
      readdirSync(join(dir, 'checkpoints'))
        .filter((n) => n.startsWith('epoch-'))
        .sort(),
    ).to.deep.equal(want);
  });

  it('an interrupted and resumed run ends with the same weights as a straight run (cpu backend)', async () => {
    await tf.setBackend('cpu');
    const cfg = tinyConfig(data);
    const a = await train(cfg, { runDir: join(tmp(), 'a'), resume: false, log: SILENT_LOGGER });
    expect(a.completed).to.equal(true);
    const b1 = await train(cfg, { runDir: join(tmp(), 'b'), resume: false, log: SILENT_LOGGER, maxSteps: 4 });
    expect(b1.completed).to.equal(false);
    expect(b1.globalStep).to.equal(4);
    const b2 = await train(cfg, { runDir: join(tmp(), 'b'), resume: true, log: SILENT_LOGGER });
    expect(b2.completed).to.equal(true);
    expect(b2.globalStep).to.equal(6);
    const w = (run: string) => readFileSync(join(tmp(), run, 'checkpoints/last/weights.bin'));
    expect(w('a').equals(w('b'))).to.equal(true);
    expect(b2.lastLoss).to.equal(a.lastLoss);
  });

  it('a stop request from an event-loop callback (a signal handler) is honoured at the next step', async () => {
    // Signal handlers run on the event loop; a loop that never yields would only see them at epoch end.
    let stop = false;
    const cfg = tinyConfig(data, {
      train: { ...tinyConfig(data).train, prefetch: 0, iterationsPerEpoch: 5 },
    });
    const s = await train(cfg, {
      runDir: join(tmp(), 'sig'),
      resume: false,
      log: SILENT_LOGGER,
      shouldStop: () => stop,
      onProgress: (p) => {
        if (p.iteration === 0) setImmediate(() => (stop = true));
      },
    });
    expect(s.completed).to.equal(false);
    expect(s.globalStep).to.equal(1);
    expect(existsSync(join(tmp(), 'sig', 'checkpoints', 'last', 'state.json'))).to.equal(true);
  });

  it('writes the resolved config, metrics, plan and the last and best checkpoints', async () => {
    const s = await train(tinyConfig(data), { runDir: join(tmp(), 'r'), resume: false, log: SILENT_LOGGER });
    const dir = join(tmp(), 'r');
    const cfg = JSON.parse(readFileSync(join(dir, 'config.resolved.json'), 'utf8')) as {
      configHash: string;
      seed: number;
    };
    expect(cfg.seed).to.equal(3);
    expect(cfg.configHash).to.match(/^[0-9a-f]{16}$/);
    const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            step?: number;
            loss?: number;
            val?: unknown;
            data?: { producedPerSecond: number };
          },
      );
    expect(lines.filter((l) => l.loss !== undefined)).to.have.length(6);
    expect(lines.filter((l) => l.val !== undefined)).to.have.length(2);
    // The background loader's report: one per epoch, producing faster than zero.
    const reports = lines.filter((l) => l.data !== undefined);
    expect(reports).to.have.length(2);
    for (const d of reports) expect(d.data!.producedPerSecond).to.be.greaterThan(0);
    for (const c of ['last', 'best'])
      expect(readdirSync(join(dir, 'checkpoints', c)).sort()).to.deep.equal([
        'model.json',
        'optimizer.bin',
        'state.json',
        'weights.bin',
      ]);
    expect(existsSync(join(dir, 'plan.json'))).to.equal(true);
    expect(readFileSync(join(dir, 'curves.png')).subarray(1, 4).toString()).to.equal('PNG');
    expect(s.val!.kidney).to.be.within(0, 1);
  });

  it('tensor count stays constant across iterations', async () => {
    const counts: number[] = [];
    await train(tinyConfig(data), {
      runDir: join(tmp(), 'm'),
      resume: false,
      log: SILENT_LOGGER,
      onProgress: () => counts.push(tf.memory().numTensors),
    });
    expect(counts).to.have.length(6);
    expect(new Set(counts.slice(1)).size).to.equal(1);
  });

  it('early stopping ends the run when the val Dice stops improving', async () => {
    // A vanishing learning rate leaves the val Dice unchanged, so the second validation is no better.
    const cfg = tinyConfig(data, {
      optim: { type: 'adam', lr: 1e-12 },
      train: {
        epochs: 6,
        iterationsPerEpoch: 1,
        batchSize: 1,
        patchSize: [8, 16, 16],
        valEvery: 1,
        valPatches: 2,
        lrSchedule: 'constant',
        earlyStoppingPatience: 1,
      },
    });
    const s = await train(cfg, { runDir: join(tmp(), 'e'), resume: false, log: SILENT_LOGGER });
    expect(s.completed).to.equal(true);
    expect(s.stoppedEarly).to.equal(true);
    expect(s.epoch).to.equal(2);
    const vals = readFileSync(join(tmp(), 'e', 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .filter((l) => l.includes('"val"'));
    expect(vals).to.have.length(2);
  });

  it('a NaN/Inf loss stops the run with a clear error naming the last good checkpoint', async () => {
    // Adam moves every weight by ~lr: step 1's loss is finite (it is computed before the update),
    // so epoch 1 (one step) ends with a `last` checkpoint; step 2 then diverges.
    const cfg = tinyConfig(data, {
      optim: { type: 'adam', lr: 1e30 },
      train: { epochs: 3, iterationsPerEpoch: 1, batchSize: 2, patchSize: [8, 16, 16], valEvery: 5 },
    });
    const err = await train(cfg, { runDir: join(tmp(), 'n'), resume: false, log: SILENT_LOGGER }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(TrainingError);
    expect((err as Error).message).to.match(
      /loss became (NaN|Infinity|-Infinity) at epoch 2, iteration 1; the last good checkpoint is .*checkpoints\/last/,
    );
    // The named checkpoint is complete (epoch 1 done), and no half-written folder is left behind.
    const ck = join(tmp(), 'n', 'checkpoints');
    expect(readdirSync(ck)).to.deep.equal(['last']);
    const st = JSON.parse(readFileSync(join(ck, 'last', 'state.json'), 'utf8')) as {
      epoch: number;
      globalStep: number;
    };
    expect([st.epoch, st.globalStep]).to.deep.equal([1, 1]);
  });

  it('a NaN loss before any checkpoint says that none was saved', async () => {
    const cfg = tinyConfig(data, { optim: { type: 'adam', lr: 1e30 }, name: 'nan0' });
    const err = await train(cfg, { runDir: join(tmp(), 'n0'), resume: false, log: SILENT_LOGGER }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(TrainingError);
    expect((err as Error).message).to.match(/at epoch 1, iteration 2; no checkpoint was saved yet/);
    expect(existsSync(join(tmp(), 'n0', 'checkpoints'))).to.equal(false);
  });
});
