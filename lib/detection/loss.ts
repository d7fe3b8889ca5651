/**
 * The Faster R-CNN training objective for one batch of slices (approximate joint training, Ren et
 * al. §3.2): RPN objectness (binary cross-entropy) and box regression (smooth L1, β = 1/9) over the
 * sampled anchors, plus the head's softmax cross-entropy and smooth-L1 (β = 1) over RoIs sampled
 * from the proposals and the ground truth, positives and negatives 1:1. Proposals are not
 * differentiated through; crops are (to the feature map).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../rng/rng.js';
import { boxAt, encode, type Box2D } from './boxes.js';
import { HEAD_WEIGHTS, RPN_WEIGHTS, type Detector } from './detector.js';
import { matchBoxes, sampleMatches } from './matching.js';

export interface DetectorLossParts {
  readonly rpnObjectness: number;
  readonly rpnBox: number;
  readonly headClass: number;
  readonly headBox: number;
}

/**
 * Smooth L1 (Huber with threshold β), summed: with m = min(|x|, β), 0.5·m²/β + (|x| − m) — the
 * same function as the usual two-branch form, written without `where` (whose mask has no gradient).
 */
export function smoothL1(diff: tf.Tensor, beta: number): tf.Scalar {
  const a = diff.abs();
  const m = a.minimum(beta);
  return m
    .square()
    .mul(0.5 / beta)
    .add(a.sub(m))
    .sum();
}

/** Binary cross-entropy of logits, elementwise (numerically stable form). */
function bceWithLogits(logits: tf.Tensor, target: tf.Tensor): tf.Tensor {
  return logits.relu().sub(logits.mul(target)).add(logits.abs().neg().exp().log1p());
}

/**
 * The total loss of `x` `[B, H, W, C]` with ground-truth boxes `gts[b]`; `parts` receives the four
 * terms' values. Call inside `optimizer.minimize`.
 */
export function detectorLoss(
  det: Detector,
  x: tf.Tensor4D,
  gts: readonly (readonly Box2D[])[],
  rng: Rng,
  parts?: (p: DetectorLossParts) => void,
): tf.Scalar {
  const cfg = det.cfg;
  const [B, H, W] = x.shape;
  const [feat, obj, del] = det.models.backbone.apply(x, { training: true }) as tf.Tensor4D[];
  const [, fh, fw] = feat!.shape;
  const anchors = det.anchors(fh, fw);
  const N = anchors.length / 4;
  const objHost = obj!.dataSync() as Float32Array;
  const delHost = del!.dataSync() as Float32Array;

  // RPN targets over all anchors of all images; weights select the sampled ones.
  const objTarget = new Float32Array(B * N);
  const objWeight = new Float32Array(B * N);
  const boxTarget = new Float32Array(B * N * 4);
  const boxWeight = new Float32Array(B * N * 4);
  let sampled = 0;
  const roiBoxes: Box2D[] = [];
  const roiIndex: number[] = [];
  const roiLabels: number[] = [];
  const roiTargets: number[] = [];
  for (let b = 0; b < B; b++) {
    const g = gts[b]!;
    const m = matchBoxes(anchors, g, {
      positiveIou: cfg.rpn.positiveIou,
      negativeIou: cfg.rpn.negativeIou,
      bestForEachGt: true,
    });
    const s = sampleMatches(m.labels, cfg.rpn.batch, cfg.rpn.positiveFraction, rng);
    for (const i of s.positives) {
      objTarget[b * N + i] = 1;
      objWeight[b * N + i] = 1;
      const t = encode(boxAt(anchors, i), g[m.gt[i]!]!, RPN_WEIGHTS);
      for (let k = 0; k < 4; k++) {
        boxTarget[(b * N + i) * 4 + k] = t[k]!;
        boxWeight[(b * N + i) * 4 + k] = 1;
      }
    }
    for (const i of s.negatives) objWeight[b * N + i] = 1;
    sampled += s.positives.length + s.negatives.length;

    // Head RoIs: proposals plus the ground truth itself, matched at IoU 0.5, sampled 1:1.
    const p = det.proposals(
      objHost.subarray(b * N, (b + 1) * N),
      delHost.subarray(4 * b * N, 4 * (b + 1) * N),
      fh,
      fw,
      H,
      W,
    );
    const cand = [...p.boxes, ...g];
    const flat = new Float32Array(cand.flat());
    const rm = matchBoxes(flat, g, {
      positiveIou: cfg.roi.positiveIou,
      negativeIou: cfg.roi.positiveIou,
      bestForEachGt: false,
    });
    const rs = sampleMatches(rm.labels, cfg.roi.batch, cfg.roi.positiveFraction, rng);
    for (const i of [...rs.positives, ...rs.negatives]) {
      const positive = rm.labels[i] === 1;
      roiBoxes.push(cand[i]!);
      roiIndex.push(b);
      roiLabels.push(positive ? 1 : 0);
      roiTargets.push(...(positive ? encode(cand[i]!, g[rm.gt[i]!]!, HEAD_WEIGHTS) : [0, 0, 0, 0]));
    }
  }
  const norm = Math.max(sampled, 1);
  const objLoss = bceWithLogits(obj!.reshape([B * N]), tf.tensor1d(objTarget))
    .mul(tf.tensor1d(objWeight))
    .sum()
    .div(norm) as tf.Scalar;
  const rpnBoxLoss = smoothL1(
    del!
      .reshape([B * N * 4])
      .sub(tf.tensor1d(boxTarget))
      .mul(tf.tensor1d(boxWeight)),
    1 / 9,
  ).div(norm) as tf.Scalar;

  let clsLoss: tf.Scalar = tf.scalar(0);
  let headBoxLoss: tf.Scalar = tf.scalar(0);
  if (roiBoxes.length > 0) {
    const R = roiBoxes.length;
    const [logits, deltas] = det.models.head.apply(det.crops(feat!, roiBoxes, roiIndex), {
      training: true,
    }) as tf.Tensor2D[];
    const onehot = tf.oneHot(tf.tensor1d(roiLabels, 'int32'), 2);
    clsLoss = tf.losses.softmaxCrossEntropy(onehot, logits!) as tf.Scalar;
    const posMask = tf.tensor2d(
      roiLabels.flatMap((l) => [l, l, l, l]),
      [R, 4],
    );
    headBoxLoss = smoothL1(deltas!.sub(tf.tensor2d(roiTargets, [R, 4])).mul(posMask), 1).div(R) as tf.Scalar;
  }
  if (parts !== undefined) {
    parts({
      rpnObjectness: objLoss.dataSync()[0]!,
      rpnBox: rpnBoxLoss.dataSync()[0]!,
      headClass: clsLoss.dataSync()[0]!,
      headBox: headBoxLoss.dataSync()[0]!,
    });
  }
  return objLoss.add(rpnBoxLoss).add(clsLoss).add(headBoxLoss) as tf.Scalar;
}
