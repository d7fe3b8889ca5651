// The Faster R-CNN: it learns a toy box task without leaking tensors, its proposals decode the
// anchors, and checkpoints and pretrained weights restore the same detections.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { validateConfig } from '../../lib/config/load.js';
import { FasterRcnnSchema } from '../../lib/config/schema/model.js';
import { SILENT_LOGGER } from '../../lib/core/logger.js';
import { runTraining, type TrainOptions } from '../../lib/training/loop.js';
import { DETECTION_TASK } from '../../lib/tasks/index.js';
import type { Config } from '../../lib/config/schema/index.js';

const trainDetector = (cfg: Config, o: TrainOptions) => runTraining(cfg, DETECTION_TASK, o);
import { writeSyntheticDataset } from '../../lib/synth/dataset.js';
import { IoError } from '../../lib/core/errors.js';
import type { Box2D } from '../../lib/detection/boxes.js';
import { loadDetector, loadPretrained, saveDetectorCheckpoint } from '../../lib/detection/checkpoint.js';
import { Detector } from '../../lib/detection/detector.js';
import { detectorLoss, smoothL1 } from '../../lib/detection/loss.js';
import { saveModel } from '../../lib/io/checkpoint.js';
import { buildFasterRcnn } from '../../lib/models/faster-rcnn.js';
import { withModelInit } from '../../lib/models/index.js';
import { Rng } from '../../lib/rng/rng.js';
import { FusedAdam } from '../../lib/training/adam.js';
import { useTmpDir } from '../helpers/tmp.js';

const tiny = FasterRcnnSchema.parse({
  type: 'fasterRcnn',
  block: 'basic',
  stemFilters: 4,
  stageFilters: [6, 8],
  stageBlocks: [1, 1],
  stageStrides: [1, 2],
  headFilters: 8,
  headBlocks: 1,
  rpnChannels: 8,
  anchorSizes: [8, 16],
  anchorRatios: [1],
  roiSize: 4,
  rpn: { batch: 32, preNms: 200, postNms: 20 },
  roi: { batch: 8 },
  scoreThreshold: 0,
});

/** Two 32 × 32 images with one bright square each: the squares are the boxes. */
function toy(): { x: tf.Tensor4D; boxes: Box2D[][] } {
  const boxes: Box2D[][] = [[[4, 6, 14, 18]], [[16, 12, 28, 24]]];
  const data = new Float32Array(2 * 32 * 32);
  boxes.forEach(([b], i) => {
    for (let y = b![0]; y < b![2]; y++) for (let x = b![1]; x < b![3]; x++) data[i * 1024 + y * 32 + x] = 1;
  });
  return { x: tf.tensor4d(data, [2, 32, 32, 1]), boxes };
}

function build(seed: number): Detector {
  return new Detector(
    tiny,
    withModelInit(Rng.fromSeed(seed), () => buildFasterRcnn(tiny)),
  );
}

describe('detection: Faster R-CNN', function () {
  this.timeout(300000);
  const tmp = useTmpDir();

  it('smooth L1 matches the two-branch definition', () => {
    const d = tf.tensor1d([0.05, -0.05, 0.5, -2]);
    // β = 0.1: 0.5·x²/β below β, |x| − β/2 above.
    const want = (0.5 * 0.0025) / 0.1 + (0.5 * 0.0025) / 0.1 + (0.5 - 0.05) + (2 - 0.05);
    expect(smoothL1(d, 0.1).dataSync()[0]).to.be.closeTo(want, 1e-6);
    d.dispose();
  });

  it('proposals with zero deltas are the clipped anchors, best first', () => {
    const det = build(1);
    const anchors = det.anchors(2, 2);
    const n = anchors.length / 4;
    const obj = Float32Array.from({ length: n }, (_, i) => i);
    const p = det.proposals(obj, new Float32Array(4 * n), 2, 2, 16, 16);
    // Highest score is the last anchor: cell (1, 1) centre (12, 12), size 16 → [4, 4, 20, 20] clipped to 16.
    expect(p.boxes[0]).to.deep.equal([4, 4, 16, 16]);
    expect(p.scores[0]).to.equal(n - 1);
    det.dispose();
  });

  it('learns the toy boxes without leaking tensors, the same seed giving the same losses', async () => {
    const run = (seed: number) => {
      const det = build(seed);
      const { x, boxes } = toy();
      const opt = new FusedAdam({ lr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
      const weights = det.trainableWeights.map((w) => w.read() as tf.Variable);
      const rng = Rng.fromSeed(seed);
      const losses: number[] = [];
      const counts: number[] = [];
      for (let i = 0; i < 40; i++) {
        losses.push(
          tf.tidy(() => opt.minimize(() => detectorLoss(det, x, boxes, rng), true, weights)!.dataSync()[0]!),
        );
        counts.push(tf.memory().numTensors);
      }
      const dets = det.detect(x, 0);
      x.dispose();
      opt.dispose();
      det.dispose();
      return { losses, counts, dets };
    };
    const before = tf.memory().numTensors;
    const a = run(3);
    expect(tf.memory().numTensors).to.equal(before);
    // After the optimiser's first step creates its moments, the tensor count stays flat.
    expect(new Set(a.counts.slice(1)).size).to.equal(1);
    const first = a.losses.slice(0, 5).reduce((s, v) => s + v) / 5;
    const last = a.losses.slice(-5).reduce((s, v) => s + v) / 5;
    expect(last).to.be.lessThan(0.6 * first);
    expect(run(3).losses).to.deep.equal(a.losses);
    // Every image gets detections (score threshold 0 in this config).
    expect(a.dets.every((d) => d.length > 0)).to.equal(true);
  });

  it('a checkpoint and pretrained weights restore the same detections', async () => {
    const det = build(5);
    const { x } = toy();
    const want = det.detect(x, 0);
    expect(want[0]!.length).to.be.greaterThan(0);
    const dir = join(tmp(), 'ck');
    const state = {
      epoch: 1,
      iteration: 0,
      globalStep: 3,
      rng: {},
      schedule: { plateauLr: 1, plateauBad: 0, sinceBest: 0, best: null },
      configHash: 'h',
    };
    await saveDetectorCheckpoint(dir, det, [], state);
    const back = await loadDetector(dir, tiny);
    expect(back.detect(x, 0)).to.deep.equal(want);
    back.dispose();

    const fresh = build(6);
    expect(fresh.detect(x, 0)).to.not.deep.equal(want);
    const copied = await loadPretrained(fresh.models, dir + '/head');
    expect(copied).to.include('cls_logits');
    const copied2 = await loadPretrained(fresh.models, dir);
    expect(copied2).to.include('rpn_objectness');
    expect(fresh.detect(x, 0)).to.deep.equal(want);

    // A model with no layer in common is an error, not a silent no-op.
    const other = tf.sequential({
      layers: [tf.layers.dense({ units: 2, inputShape: [3], name: 'unrelated' })],
    });
    const od = join(tmp(), 'other');
    mkdirSync(od);
    await saveModel(other, od);
    let err: unknown;
    try {
      await loadPretrained(fresh.models, od);
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(IoError);
    tf.dispose([x]);
    other.dispose();
    fresh.dispose();
    det.dispose();
  });

  it('an interrupted and resumed detector run ends with the same weights as a straight run', async () => {
    const data = join(tmp(), 'data');
    writeSyntheticDataset({ out: data, cases: 3, seed: 7, preset: 'small' });
    const cfg = validateConfig(
      {
        name: 'det',
        seed: 2,
        data: { root: data, splits: { val: 1 } },
        preprocess: { spacing: [6, 6, 6], normalization: { type: 'window', lo: -60, hi: 300 } },
        model: { ...tiny, scoreThreshold: 0.5 },
        optim: { type: 'adam', lr: 0.001 },
        train: { epochs: 2, iterationsPerEpoch: 2, batchSize: 2, patchSize: [1, 48, 48], valEvery: 1 },
      },
      'test',
    );
    const a = await trainDetector(cfg, { runDir: join(tmp(), 'a'), resume: false, log: SILENT_LOGGER });
    expect(a.completed).to.equal(true);
    const b1 = await trainDetector(cfg, {
      runDir: join(tmp(), 'b'),
      resume: false,
      log: SILENT_LOGGER,
      maxSteps: 3,
    });
    expect([b1.completed, b1.globalStep]).to.deep.equal([false, 3]);
    const b2 = await trainDetector(cfg, { runDir: join(tmp(), 'b'), resume: true, log: SILENT_LOGGER });
    expect([b2.completed, b2.globalStep]).to.deep.equal([true, 4]);
    for (const f of ['weights.bin', 'head/weights.bin']) {
      const w = (run: string) => readFileSync(join(tmp(), run, 'checkpoints/last', f));
      expect(w('a').equals(w('b')), f).to.equal(true);
    }
    expect(b2.val).to.deep.equal(a.val);
  });

  it('honours early stopping and top-K checkpoints, as segmentation does', async () => {
    const data = join(tmp(), 'data-es');
    writeSyntheticDataset({ out: data, cases: 3, seed: 7, preset: 'small' });
    // lr 1e-12 without batch norm leaves the detections unchanged, so F2 never improves after epoch 1.
    const cfg = validateConfig(
      {
        name: 'det-es',
        seed: 2,
        data: { root: data, splits: { val: 1 } },
        preprocess: { spacing: [6, 6, 6], normalization: { type: 'window', lo: -60, hi: 300 } },
        model: { ...tiny, norm: 'none', scoreThreshold: 0 },
        optim: { type: 'adam', lr: 1e-12 },
        train: {
          epochs: 6,
          iterationsPerEpoch: 1,
          batchSize: 2,
          patchSize: [1, 48, 48],
          valEvery: 1,
          lrSchedule: 'constant',
          earlyStoppingPatience: 2,
          keepTopK: 2,
        },
      },
      'test',
    );
    const s = await trainDetector(cfg, { runDir: join(tmp(), 'es'), resume: false, log: SILENT_LOGGER });
    expect([s.completed, s.stoppedEarly, s.epoch]).to.deep.equal([true, true, 3]);
    const scores = readFileSync(join(tmp(), 'es', 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { boxes?: unknown }).boxes)
      .filter((b) => b !== undefined);
    expect(scores).to.have.length(3);
    expect(scores[1]).to.deep.equal(scores[0]);
    // Equal scores rank the earlier epochs first: epochs 1 and 2 keep their checkpoints.
    expect(readdirSync(join(tmp(), 'es', 'checkpoints')).sort()).to.deep.equal([
      'best',
      'epoch-1',
      'epoch-2',
      'last',
    ]);
    const st = JSON.parse(readFileSync(join(tmp(), 'es', 'checkpoints/last/state.json'), 'utf8')) as {
      top: { epoch: number }[];
    };
    expect(st.top.map((t) => t.epoch)).to.deep.equal([1, 2]);
  });
});
