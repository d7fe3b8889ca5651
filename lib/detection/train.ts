/**
 * Detector training (`kitseg train` with `model.type: fasterRcnn`): epochs × iterations of seeded
 * slice batches through `detectorLoss`, validation of box recall and precision on every slice of
 * the val cases, checkpoints `last` and `best` (best F2: recall weighs four times precision, since
 * the 3D component step removes false boxes but cannot recover a missed kidney), metrics.jsonl,
 * and resume with the same guarantees as the segmentation trainer.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../config/schema/index.js';
import type { FasterRcnnConfig } from '../config/schema/model.js';
import { ConfigError } from '../core/errors.js';
import { buildFasterRcnn, featureStride } from '../models/faster-rcnn.js';
import { withModelInit } from '../models/index.js';
import { Rng } from '../rng/rng.js';
import {
  loadCheckpoint,
  namedOptimizerWeights,
  restoreOptimizerWeights,
  type TrainState,
} from '../training/checkpoint.js';
import { afterValidation, initialSchedule, lrFor } from '../training/schedule.js';
import {
  appendMetrics,
  makeOptimizer,
  setLr,
  startRun,
  TrainingError,
  type TrainOptions,
} from '../training/trainer.js';
import { loadDetectorModels, loadPretrained, saveDetectorCheckpoint } from './checkpoint.js';
import { detectionCase, sampleDetectionBatch, type DetectionCase } from './data.js';
import { Detector } from './detector.js';
import { detectorLoss } from './loss.js';
import { boxScores, matchSlice, type BoxCounts, type BoxScores } from './metrics.js';

export interface DetectorTrainSummary {
  readonly runDir: string;
  readonly completed: boolean;
  readonly epoch: number;
  readonly globalStep: number;
  readonly lastLoss: number;
  readonly best: number | null;
  readonly val: BoxScores | null;
}

/** Box recall/precision (IoU ≥ 0.5) over every slice of `cases`, whole slices, `batch` at a time. */
export function validateDetector(det: Detector, cases: readonly DetectionCase[], batch: number): BoxScores {
  const counts: BoxCounts[] = [];
  for (const c of cases) {
    const [D, H, W] = c.shape;
    for (let d0 = 0; d0 < D; d0 += batch) {
      const n = Math.min(batch, D - d0);
      const dets = tf.tidy(() => tf.tensor4d(c.image.subarray(d0 * H * W, (d0 + n) * H * W), [n, H, W, 1]));
      const out = det.detect(dets, c.pad);
      dets.dispose();
      out.forEach((o, k) => counts.push(matchSlice(o, c.boxes[d0 + k]!, 0.5)));
    }
  }
  return boxScores(counts);
}

/** F-beta with β = 2. */
export function f2(s: BoxScores): number {
  const d = 4 * s.precision + s.recall;
  return d === 0 ? 0 : (5 * s.precision * s.recall) / d;
}

function detectorConfig(cfg: Config): FasterRcnnConfig {
  if (cfg.model.type !== 'fasterRcnn' || cfg.train.patchSize[0] !== 1)
    throw new ConfigError(cfg.name, [
      {
        path: ['train', 'patchSize'],
        message: 'a fasterRcnn detector trains on slices: patchSize [1, H, W]',
      },
    ]);
  const stride = featureStride(cfg.model);
  if (cfg.train.patchSize[1] % stride !== 0 || cfg.train.patchSize[2] % stride !== 0)
    throw new ConfigError(cfg.name, [
      {
        path: ['train', 'patchSize'],
        message: `H and W must be multiples of the feature stride ${stride} (slices are padded to one at inference)`,
      },
    ]);
  return cfg.model;
}

export async function trainDetector(cfg: Config, opts: TrainOptions): Promise<DetectorTrainSummary> {
  const mcfg = detectorConfig(cfg);
  const { log, runDir } = opts;
  const { hash, lastDir, resuming, root, prepared } = startRun(cfg, opts);
  const train = prepared.train.map(detectionCase);
  const val = prepared.val.map(detectionCase);
  log.info(
    `detector: ${train.reduce((a, c) => a + c.positives.length, 0)} train slices with kidneys in ${train.length} cases`,
  );

  const o = cfg.optim;
  const opt = makeOptimizer(cfg);
  let det: Detector;
  let state: TrainState;
  let sampler = root.fork('sampler');
  if (resuming) {
    const ck = await loadCheckpoint(lastDir);
    ck.model.dispose();
    if (ck.state.configHash !== hash)
      throw new TrainingError(`${runDir}: the config changed since this run started; start a new run`);
    det = new Detector(mcfg, await loadDetectorModels(lastDir));
    await restoreOptimizerWeights(opt, det.trainableWeights, ck.optimizerWeights);
    state = ck.state;
    sampler = Rng.fromState(state.rng['sampler']!);
    log.info(`resumed at epoch ${state.epoch + 1}, iteration ${state.iteration}`);
  } else {
    det = new Detector(
      mcfg,
      withModelInit(root.fork('init'), () => buildFasterRcnn(mcfg)),
    );
    if (mcfg.pretrained !== null) {
      const copied = await loadPretrained(det.models, mcfg.pretrained);
      log.info(`pretrained: copied ${copied.length} layers from ${mcfg.pretrained}`);
    }
    state = {
      epoch: 0,
      iteration: 0,
      globalStep: 0,
      rng: {},
      schedule: initialSchedule(o.lr),
      configHash: hash,
    };
  }
  const weights = det.trainableWeights.map((w) => w.read() as tf.Variable);
  let { epoch, iteration, globalStep, schedule } = state;
  const snapshot = (): TrainState => ({
    epoch,
    iteration,
    globalStep,
    rng: { sampler: sampler.state() },
    schedule,
    configHash: hash,
  });
  const checkpoint = async (dir: string, st: TrainState) =>
    saveDetectorCheckpoint(dir, det, await namedOptimizerWeights(opt, det.trainableWeights), st);
  const size: [number, number] = [cfg.train.patchSize[1], cfg.train.patchSize[2]];
  const s = cfg.train.sampling;
  // Slices with a kidney are drawn with the foreground share of the patch sampler's rule.
  const positiveShare =
    s === 'nnunet' ? 1 / 3 : (s.tumor + s.foreground) / (s.tumor + s.foreground + s.random);
  let lastLoss = NaN;
  let valScores: BoxScores | null = null;
  let steps = 0;
  const summary = (completed: boolean): DetectorTrainSummary => ({
    runDir,
    completed,
    epoch,
    globalStep,
    lastLoss,
    best: schedule.best,
    val: valScores,
  });
  try {
    for (; epoch < cfg.train.epochs; epoch++) {
      const lr = lrFor(cfg.train.lrSchedule, o.lr, epoch, cfg.train.epochs, schedule);
      setLr(opt, lr);
      for (; iteration < cfg.train.iterationsPerEpoch; iteration++) {
        // Yield once per step: signal handlers (Ctrl-C, SIGTERM) only run when the event loop turns.
        await new Promise((r) => setImmediate(r));
        if (opts.shouldStop?.() === true || (opts.maxSteps !== undefined && steps >= opts.maxSteps)) {
          await checkpoint(lastDir, snapshot());
          log.info(`stopped at epoch ${epoch + 1}, iteration ${iteration}; resume with --resume`);
          return summary(false);
        }
        const t0 = performance.now();
        const batch = sampleDetectionBatch(train, size, cfg.train.batchSize, positiveShare, sampler);
        let parts = { rpnObjectness: 0, rpnBox: 0, headClass: 0, headBox: 0 };
        lastLoss = tf.tidy(() => {
          const x = tf.tensor4d(batch.x, batch.shape);
          const cost = opt.minimize(
            () =>
              detectorLoss(det, x, batch.boxes, sampler, (p) => {
                parts = p;
              }),
            true,
            weights,
          );
          return cost!.dataSync()[0]!;
        });
        if (!Number.isFinite(lastLoss))
          throw new TrainingError(
            `loss became ${lastLoss} at epoch ${epoch + 1}, iteration ${iteration + 1}`,
          );
        globalStep++;
        steps++;
        appendMetrics(runDir, {
          epoch: epoch + 1,
          iteration: iteration + 1,
          step: globalStep,
          loss: lastLoss,
          lr,
          parts,
        });
        opts.onProgress?.({ epoch, iteration, loss: lastLoss, lr, stepMs: performance.now() - t0 });
      }
      iteration = 0;
      if ((epoch + 1) % cfg.train.valEvery === 0 || epoch === cfg.train.epochs - 1) {
        if (val.length > 0) {
          valScores = validateDetector(det, val, cfg.inference.batchSize);
          const score = f2(valScores);
          appendMetrics(runDir, { epoch: epoch + 1, step: globalStep, boxes: valScores });
          log.info(
            `epoch ${epoch + 1}: val boxes recall ${valScores.recall.toFixed(4)}, precision ${valScores.precision.toFixed(4)} (${valScores.detections} detections, ${valScores.groundTruth} kidney boxes)`,
          );
          const improved = schedule.best === null || score > schedule.best;
          schedule = afterValidation(cfg.train.lrSchedule, schedule, score);
          if (improved)
            await checkpoint(join(runDir, 'checkpoints', 'best'), { ...snapshot(), epoch: epoch + 1 });
        }
      }
      await checkpoint(lastDir, { ...snapshot(), epoch: epoch + 1, iteration: 0 });
    }
    return summary(true);
  } finally {
    det.dispose();
    opt.dispose();
  }
}
