/**
 * The detection task of the training loop (`model.type: fasterRcnn`): seeded slice batches through
 * `detectorLoss`, and validation of box recall and precision on every slice of the val cases.
 * `best` is chosen by F2 (recall weighs four times precision), since the 3D component step removes
 * false boxes but cannot recover a missed kidney.
 */
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../config/schema/index.js';
import type { FasterRcnnConfig } from '../config/schema/model.js';
import { UsageError } from '../core/errors.js';
import { loadDetectorModels, loadPretrained, saveDetectorCheckpoint } from '../detection/checkpoint.js';
import {
  detectionCase,
  sampleDetectionBatch,
  type DetectionBatch,
  type DetectionCase,
} from '../detection/data.js';
import { Detector } from '../detection/detector.js';
import { detectorLoss } from '../detection/loss.js';
import { boxScores, f2, matchSlice, type BoxCounts, type BoxScores } from '../detection/metrics.js';
import { buildFasterRcnn } from '../models/faster-rcnn.js';
import { withModelInit } from '../models/index.js';
import { loadCheckpoint } from '../training/checkpoint.js';
import type { RunContext, TaskModel, TaskSession, TrainingTask } from '../training/loop.js';

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

/** The detector's model block (the task registry only routes fasterRcnn configs here). */
function detectorConfig(cfg: Config): FasterRcnnConfig {
  if (cfg.model.type !== 'fasterRcnn')
    throw new UsageError(`${cfg.name}: the detection task trains fasterRcnn models only`);
  return cfg.model;
}

async function open(ctx: RunContext): Promise<TaskSession<DetectionBatch, BoxScores>> {
  const { cfg, log } = ctx;
  const mcfg = detectorConfig(cfg);
  const train = ctx.prepared.train.map(detectionCase);
  const val = ctx.prepared.val.map(detectionCase);
  log.info(
    `detector: ${train.reduce((a, c) => a + c.positives.length, 0)} train slices with kidneys in ${train.length} cases`,
  );
  const size: [number, number] = [cfg.train.patchSize[1], cfg.train.patchSize[2]];
  const s = cfg.train.sampling;
  // Slices with a kidney are drawn with the foreground share of the patch sampler's rule.
  const positiveShare =
    s === 'nnunet' ? 1 / 3 : (s.tumor + s.foreground) / (s.tumor + s.foreground + s.random);
  let det: Detector | null = null;
  let variables: tf.Variable[] = [];
  const handle = (d: Detector): TaskModel => {
    det = d;
    variables = d.trainableWeights.map((w) => w.read() as tf.Variable);
    return { weights: d.trainableWeights, save: (dir, ow, st) => saveDetectorCheckpoint(dir, d, ow, st) };
  };
  const the = (): Detector => det!;
  return {
    build: async () => {
      const d = new Detector(
        mcfg,
        withModelInit(ctx.root.fork('init'), () => buildFasterRcnn(mcfg)),
      );
      if (mcfg.pretrained !== null) {
        const copied = await loadPretrained(d.models, mcfg.pretrained);
        log.info(`pretrained: copied ${copied.length} layers from ${mcfg.pretrained}`);
      }
      return handle(d);
    },
    restore: async (dir) => {
      const ck = await loadCheckpoint(dir);
      ck.model.dispose();
      const d = new Detector(mcfg, await loadDetectorModels(dir));
      return { model: handle(d), optimizerWeights: ck.optimizerWeights, state: ck.state };
    },
    onTrainStart: async () => undefined,
    nextBatch: async () => sampleDetectionBatch(train, size, cfg.train.batchSize, positiveShare, ctx.sampler),
    trainStep: (batch, opt) => {
      let parts = { rpnObjectness: 0, rpnBox: 0, headClass: 0, headBox: 0 };
      const loss = tf.tidy(() => {
        const x = tf.tensor4d(batch.x, batch.shape);
        const cost = opt.minimize(
          () =>
            detectorLoss(the(), x, batch.boxes, ctx.sampler, (p) => {
              parts = p;
            }),
          true,
          variables,
        );
        return cost!.dataSync()[0]!;
      });
      return { loss, record: { parts } };
    },
    validate: async () => (val.length > 0 ? validateDetector(the(), val, cfg.inference.batchSize) : null),
    score: f2,
    report: (v) => ({
      record: { boxes: v },
      message: `val boxes recall ${v.recall.toFixed(4)}, precision ${v.precision.toFixed(4)} (${v.detections} detections, ${v.groundTruth} kidney boxes)`,
    }),
    onEpochEnd: () => undefined,
    dispose: async () => (det as Detector | null)?.dispose(),
  };
}

export const DETECTION_TASK: TrainingTask<DetectionBatch, BoxScores> = { name: 'detection', open };
