// Boxes, anchors, NMS and IoU matching against hand-computed values.
import { expect } from 'chai';
import { generateAnchors } from '../../lib/detection/anchors.js';
import { clip, decode, encode, iou, iouMatrix, type Box2D } from '../../lib/detection/boxes.js';
import { matchBoxes, sampleMatches } from '../../lib/detection/matching.js';
import { nonMaxSuppression } from '../../lib/detection/nms.js';
import { Rng } from '../../lib/rng/rng.js';

describe('detection: boxes', () => {
  it('IoU of hand-drawn boxes', () => {
    // [0,0,2,2] and [1,1,3,3]: intersection 1, union 4 + 4 − 1 = 7.
    expect(iou([0, 0, 2, 2], [1, 1, 3, 3])).to.be.closeTo(1 / 7, 1e-12);
    expect(iou([0, 0, 2, 2], [0, 0, 2, 2])).to.equal(1);
    // Touching edges share no area.
    expect(iou([0, 0, 2, 2], [2, 0, 4, 2])).to.equal(0);
    // Nested: 4 / 16.
    expect(iou([0, 0, 4, 4], [1, 1, 3, 3])).to.equal(0.25);
    const m = iouMatrix(new Float32Array([0, 0, 2, 2, 10, 10, 12, 12]), [
      [1, 1, 3, 3],
      [10, 10, 12, 12],
    ]);
    expect(Array.from(m).map((v) => +v.toFixed(6))).to.deep.equal([+(1 / 7).toFixed(6), 0, 0, 1]);
  });

  it('encodes the Faster R-CNN targets by hand and decodes them back', () => {
    const ref: Box2D = [0, 0, 10, 20]; // centre (5, 10), size 10 × 20
    const gt: Box2D = [2, 4, 22, 24]; // centre (12, 14), size 20 × 20
    const t = encode(ref, gt, [1, 1, 1, 1]);
    expect(t[0]).to.be.closeTo(0.7, 1e-12); // (12 − 5) / 10
    expect(t[1]).to.be.closeTo(0.2, 1e-12); // (14 − 10) / 20
    expect(t[2]).to.be.closeTo(Math.log(2), 1e-12);
    expect(t[3]).to.be.closeTo(0, 1e-12);
    const w = [10, 10, 5, 5] as const;
    const tw = encode(ref, gt, w);
    expect(tw[0]).to.be.closeTo(7, 1e-12);
    expect(tw[2]).to.be.closeTo(5 * Math.log(2), 1e-12);
    decode(ref, tw, w).forEach((v, i) => expect(v).to.be.closeTo(gt[i]!, 1e-9));
    // A huge log-scale is clamped instead of overflowing.
    const big = decode(ref, [0, 0, 1e6, 0], [1, 1, 1, 1]);
    expect(Number.isFinite(big[2])).to.equal(true);
    expect(clip([-3, 5, 40, 12], 32, 10)).to.deep.equal([0, 5, 32, 10]);
  });
});

describe('detection: anchors', () => {
  it('places sizes × ratios at every cell centre, row-major', () => {
    const a = generateAnchors(2, 3, 16, [32], [0.5, 1, 2]);
    expect(a.length).to.equal(2 * 3 * 3 * 4);
    // Cell (0, 0): centre (8, 8). Ratio 1: 32 × 32.
    expect(Array.from(a.subarray(4, 8))).to.deep.equal([-8, -8, 24, 24]);
    // Ratio 0.5 (h/w): h = 32·√0.5, w = 32/√0.5; area stays 32².
    const [y1, x1, y2, x2] = Array.from(a.subarray(0, 4));
    expect(y2! - y1!).to.be.closeTo(32 * Math.SQRT1_2, 1e-4);
    expect(x2! - x1!).to.be.closeTo(32 / Math.SQRT1_2, 1e-4);
    expect((y2! - y1!) * (x2! - x1!)).to.be.closeTo(1024, 1e-2);
    // Cell (1, 2), ratio 1: centre (24, 40).
    const k = ((1 * 3 + 2) * 3 + 1) * 4;
    expect(Array.from(a.subarray(k, k + 4))).to.deep.equal([8, 24, 40, 56]);
  });
});

describe('detection: non-max suppression', () => {
  it('keeps the best of each overlapping group, in score order', () => {
    const boxes = new Float32Array([
      0,
      0,
      10,
      10, // 0: score 0.9
      1,
      1,
      11,
      11, // 1: IoU with 0 = 81/119 ≈ 0.68 → suppressed at 0.5
      20,
      20,
      30,
      30, // 2: separate
      0,
      0,
      10,
      5, // 3: IoU with 0 = 0.5 → kept at threshold 0.5 (not above)
    ]);
    const scores = [0.9, 0.95, 0.5, 0.3];
    // Box 1 has the highest score, so it suppresses 0; box 3 overlaps 1 by 36/(100+50−36) ≈ 0.32.
    expect(nonMaxSuppression(boxes, scores, 0.5)).to.deep.equal([1, 2, 3]);
    expect(nonMaxSuppression(boxes, [0.9, 0.8, 0.5, 0.3], 0.5)).to.deep.equal([0, 2, 3]);
    expect(nonMaxSuppression(boxes, [0.9, 0.8, 0.5, 0.3], 0.49)).to.deep.equal([0, 2]);
    expect(nonMaxSuppression(boxes, [0.9, 0.8, 0.5, 0.3], 0.5, 2)).to.deep.equal([0, 2]);
  });
});

describe('detection: IoU matching and sampling', () => {
  it('labels positives, negatives and ignored boxes, and gives every ground truth its best anchor', () => {
    const anchors = new Float32Array([
      0,
      0,
      10,
      10, // IoU 1 with gt 0
      0,
      0,
      10,
      14, // IoU 100/140 ≈ 0.714 with gt 0
      0,
      0,
      10,
      20, // IoU 0.5 with gt 0 → ignored between 0.3 and 0.7
      50,
      50,
      60,
      60, // IoU 0 → negative
      30,
      30,
      36,
      40, // best for gt 1 (IoU 60/100 = 0.6 < 0.7)
    ]);
    const gts: Box2D[] = [
      [0, 0, 10, 10],
      [30, 30, 40, 40],
    ];
    const rule = { positiveIou: 0.7, negativeIou: 0.3 };
    const plain = matchBoxes(anchors, gts, { ...rule, bestForEachGt: false });
    expect(Array.from(plain.labels)).to.deep.equal([1, 1, -1, 0, -1]);
    expect(Array.from(plain.gt)).to.deep.equal([0, 0, 0, 0, 1]);
    expect(plain.maxIou[4]).to.be.closeTo(0.6, 1e-6);
    const rpn = matchBoxes(anchors, gts, { ...rule, bestForEachGt: true });
    expect(Array.from(rpn.labels)).to.deep.equal([1, 1, -1, 0, 1]);
    // No ground truth: everything is negative.
    expect(Array.from(matchBoxes(anchors, [], { ...rule, bestForEachGt: true }).labels)).to.deep.equal([
      0, 0, 0, 0, 0,
    ]);
  });

  it('samples positives and negatives 1:1, and background alone on empty slices', () => {
    const labels = new Int8Array(100).fill(0);
    for (let i = 0; i < 5; i++) labels[i * 7] = 1;
    labels[99] = -1;
    const s = sampleMatches(labels, 64, 0.5, Rng.fromSeed(1));
    expect(s.positives).to.have.length(5);
    expect(s.negatives).to.have.length(5);
    expect(s.positives.every((i) => labels[i] === 1)).to.equal(true);
    expect(s.negatives.every((i) => labels[i] === 0)).to.equal(true);
    expect(new Set(s.negatives).size).to.equal(5);
    // Positives are capped at half the batch.
    const many = new Int8Array(100).fill(1);
    many.fill(0, 80);
    const c = sampleMatches(many, 16, 0.5, Rng.fromSeed(2));
    expect([c.positives.length, c.negatives.length]).to.deep.equal([8, 8]);
    const empty = sampleMatches(new Int8Array(300), 256, 0.5, Rng.fromSeed(3));
    expect([empty.positives.length, empty.negatives.length]).to.deep.equal([0, 128]);
    // Same seed, same draw.
    expect(sampleMatches(labels, 64, 0.5, Rng.fromSeed(1))).to.deep.equal(s);
  });
});
