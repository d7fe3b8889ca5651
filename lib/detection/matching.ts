/**
 * IoU matching of anchors or proposals to ground-truth boxes, and the balanced sampling of what
 * the losses see (Faster R-CNN: RPN positive at IoU ≥ 0.7 or best for some box, negative below
 * 0.3; box head positive at ≥ 0.5, negative below).
 */
import type { Rng } from '../rng/rng.js';
import { iouMatrix, type Box2D } from './boxes.js';

export interface MatchRule {
  readonly positiveIou: number;
  readonly negativeIou: number;
  /** Also mark, for each ground-truth box, the boxes of highest IoU with it positive (RPN). */
  readonly bestForEachGt: boolean;
}

export interface Matches {
  /** 1 positive, 0 negative, −1 ignored (between the thresholds). */
  readonly labels: Int8Array;
  /** Index of the ground-truth box each box is matched to (highest IoU), −1 when there is none. */
  readonly gt: Int32Array;
  readonly maxIou: Float32Array;
}

export function matchBoxes(boxes: ArrayLike<number>, gts: readonly Box2D[], rule: MatchRule): Matches {
  const n = boxes.length / 4;
  const m = gts.length;
  const labels = new Int8Array(n);
  const gt = new Int32Array(n).fill(-1);
  const maxIou = new Float32Array(n);
  if (m === 0) return { labels, gt, maxIou };
  const ious = iouMatrix(boxes, gts);
  const bestPerGt = new Float32Array(m);
  for (let i = 0; i < n; i++) {
    let best = -1;
    let v = -1;
    for (let j = 0; j < m; j++) {
      const u = ious[i * m + j]!;
      if (u > v) {
        v = u;
        best = j;
      }
      if (u > bestPerGt[j]!) bestPerGt[j] = u;
    }
    gt[i] = best;
    maxIou[i] = v;
    labels[i] = v >= rule.positiveIou ? 1 : v < rule.negativeIou ? 0 : -1;
  }
  if (rule.bestForEachGt) {
    // Every ground-truth box gets an anchor, even when none reaches the threshold (ties included).
    for (let i = 0; i < n; i++)
      for (let j = 0; j < m; j++) {
        const u = ious[i * m + j]!;
        if (u > 0 && u === bestPerGt[j]) {
          labels[i] = 1;
          gt[i] = j;
        }
      }
  }
  return { labels, gt, maxIou };
}

/**
 * Draws at most `batch` labelled boxes: positives up to `positiveFraction`·batch, then negatives in
 * the ratio (1 − f)/f to the positives drawn (f = 0.5: one negative per positive); a slice without
 * positives gets (1 − f)·batch negatives so the background is still learned.
 */
export function sampleMatches(
  labels: Int8Array,
  batch: number,
  positiveFraction: number,
  rng: Rng,
): { positives: number[]; negatives: number[] } {
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === 1) pos.push(i);
    else if (labels[i] === 0) neg.push(i);
  }
  const nPos = Math.min(pos.length, Math.floor(batch * positiveFraction));
  const wantNeg =
    nPos > 0
      ? Math.round((nPos * (1 - positiveFraction)) / positiveFraction)
      : Math.floor(batch * (1 - positiveFraction));
  const nNeg = Math.min(neg.length, wantNeg, batch - nPos);
  return {
    positives: rng.shuffle(pos).slice(0, nPos),
    negatives: rng.shuffle(neg).slice(0, nNeg),
  };
}
