/**
 * Box recall and precision (the detection-cascade paper's detector figures): a detection is a true
 * positive when it overlaps a not yet matched ground-truth box of the same slice at IoU ≥ the
 * threshold, detections taken in descending score order.
 */
import { iou, type Box2D } from './boxes.js';
import type { Detection } from './detector.js';

export interface BoxCounts {
  readonly truePositives: number;
  readonly detections: number;
  readonly groundTruth: number;
}

export function matchSlice(
  dets: readonly Detection[],
  gts: readonly Box2D[],
  iouThreshold: number,
): BoxCounts {
  const used = new Array<boolean>(gts.length).fill(false);
  let tp = 0;
  for (const det of [...dets].sort((a, b) => b.score - a.score)) {
    let best = -1;
    let v = iouThreshold;
    gts.forEach((g, j) => {
      const u = iou(det.box, g);
      if (!used[j] && u >= v) {
        v = u;
        best = j;
      }
    });
    if (best >= 0) {
      used[best] = true;
      tp++;
    }
  }
  return { truePositives: tp, detections: dets.length, groundTruth: gts.length };
}

export interface BoxScores extends BoxCounts {
  /** Matched ground-truth boxes / ground-truth boxes (1 when there are none). */
  readonly recall: number;
  /** Matched detections / detections (1 when there are none). */
  readonly precision: number;
}

export function boxScores(counts: readonly BoxCounts[]): BoxScores {
  const t = counts.reduce(
    (a, c) => ({
      truePositives: a.truePositives + c.truePositives,
      detections: a.detections + c.detections,
      groundTruth: a.groundTruth + c.groundTruth,
    }),
    { truePositives: 0, detections: 0, groundTruth: 0 },
  );
  return {
    ...t,
    recall: t.groundTruth === 0 ? 1 : t.truePositives / t.groundTruth,
    precision: t.detections === 0 ? 1 : t.truePositives / t.detections,
  };
}

/** F-beta with β = 2: the detector's selection score, recall weighted above precision. */
export function f2(s: Pick<BoxScores, 'recall' | 'precision'>): number {
  const d = 4 * s.precision + s.recall;
  return d === 0 ? 0 : (5 * s.precision * s.recall) / d;
}
