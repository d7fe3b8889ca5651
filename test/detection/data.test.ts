// Ground-truth boxes per slice, slice placement, box metrics and the slices → volume mask step.
import { expect } from 'chai';
import type { Shape3D } from '../../lib/core/types.js';
import {
  detectionCase,
  kidneySliceBoxes,
  placeSlice,
  sampleDetectionBatch,
} from '../../lib/detection/data.js';
import type { Detection, Detector } from '../../lib/detection/detector.js';
import { boxScores, matchSlice } from '../../lib/detection/metrics.js';
import { detectCase } from '../../lib/inference/detections.js';
import { Rng } from '../../lib/rng/rng.js';

/** A `[D, H, W]` label map with boxes of label `v` at `[d0, h0, w0]–[d1, h1, w1)`. */
function labels(shape: Shape3D, parts: [number[], number[], number][]): Float32Array {
  const [, H, W] = shape;
  const out = new Float32Array(shape[0] * H * W);
  for (const [lo, hi, v] of parts)
    for (let d = lo[0]!; d < hi[0]!; d++)
      for (let h = lo[1]!; h < hi[1]!; h++)
        for (let w = lo[2]!; w < hi[2]!; w++) out[(d * H + h) * W + w] = v;
  return out;
}

describe('detection: training data', () => {
  const shape: Shape3D = [4, 10, 12];
  // Left kidney with a tumour at its edge (one box), right kidney, and a 1-voxel fragment.
  const lab = labels(shape, [
    [[0, 2, 1], [3, 6, 4], 1],
    [[1, 6, 2], [2, 8, 3], 2],
    [[1, 3, 8], [4, 5, 11], 1],
    [[3, 9, 0], [4, 10, 1], 1],
  ]);

  it('gives one box per kidney per slice, tumour inside, fragments beyond two dropped', () => {
    const b = kidneySliceBoxes(lab, shape);
    expect(b[0]).to.deep.equal([[2, 1, 6, 4]]);
    // Slice 1: kidney + tumour below it form one box; the right kidney its own.
    expect(b[1]!.map((x) => [...x]).sort()).to.deep.equal([
      [2, 1, 8, 4],
      [3, 8, 5, 11],
    ]);
    expect(b[3]).to.deep.equal([[3, 8, 5, 11]]);
    expect(
      detectionCase({ id: 'x', image: new Float32Array(lab.length), label: lab, shape, pad: 0 }).positives,
    ).to.deep.equal([0, 1, 2, 3]);
  });

  it('places a slice on a canvas with its boxes moved and clipped', () => {
    const c = detectionCase({ id: 'x', image: lab, label: lab, shape, pad: -1 });
    // Offset (2, −3): canvas row 0 is source row 2, canvas column 3 is source column 0.
    const s = placeSlice(c, 0, 6, 8, [2, -3]);
    expect(s.boxes).to.deep.equal([[0, 4, 4, 7]]);
    expect(s.image[0]).to.equal(-1); // padding left of the source
    expect(s.image[0 * 8 + 4]).to.equal(1); // source (2, 1)
    // A box pushed off the canvas disappears.
    expect(placeSlice(c, 3, 3, 3, [0, 0]).boxes).to.deep.equal([]);
    const batch = sampleDetectionBatch([c], [16, 16], 3, 1, Rng.fromSeed(0));
    expect(batch.shape).to.deep.equal([3, 16, 16, 1]);
    expect(batch.boxes.every((b) => b.length > 0)).to.equal(true);
    expect(sampleDetectionBatch([c], [16, 16], 3, 1, Rng.fromSeed(0))).to.deep.equal(batch);
  });
});

describe('detection: box recall and precision', () => {
  it('matches greedily by score at IoU ≥ 0.5, one detection per box', () => {
    const gts = [
      [0, 0, 10, 10],
      [20, 20, 30, 30],
    ] as const;
    const dets: Detection[] = [
      { box: [0, 0, 10, 8], score: 0.6 }, // IoU .8 with gt 0
      { box: [0, 0, 10, 10], score: 0.9 }, // IoU 1 with gt 0, taken first
      { box: [40, 40, 50, 50], score: 0.7 },
    ];
    const m = matchSlice(dets, gts, 0.5);
    expect(m).to.deep.equal({ truePositives: 1, detections: 3, groundTruth: 2 });
    const s = boxScores([
      m,
      matchSlice([{ box: [20, 20, 30, 30], score: 1 }], gts, 0.5),
      matchSlice([], [], 0.5),
    ]);
    expect(s.recall).to.equal(2 / 4);
    expect(s.precision).to.equal(2 / 4);
    expect(boxScores([]).recall).to.equal(1);
  });
});

describe('detection: slices → volume', () => {
  it('stacks detected boxes into a mask on the original grid, and scores them against the reference', () => {
    // 1 mm grid, plan spacing 1 mm: the detector sees the body crop unchanged.
    const shape: Shape3D = [3, 12, 12];
    const image = new Float32Array(3 * 144).fill(-1000);
    for (let d = 0; d < 3; d++) for (let i = 24; i < 120; i++) image[d * 144 + i] = 40; // body rows 2..9
    const ref = labels(shape, [[[1, 2, 4], [2, 5, 8], 1]]);
    const calls: number[] = [];
    // A stand-in detector: one fixed box on slice 1 (body-crop coordinates), none elsewhere.
    const fake = {
      detect: (x: { shape: number[] }) => {
        calls.push(x.shape[0]!);
        return Array.from({ length: x.shape[0]! }, (_, k) =>
          calls.length === 1 && k === 1 ? [{ box: [2, 4, 5, 8], score: 0.9 }] : [],
        );
      },
    } as unknown as Detector;
    const out = detectCase(
      fake,
      { spacingMm: [1, 1, 1], normalization: { type: 'window', lo: -60, hi: 300 } },
      { data: image, shape, spacingMm: [1, 1, 1] },
      { batchSize: 2, interpolation: 'linear', reference: ref },
    );
    expect(calls).to.deep.equal([2, 1]);
    // The body (rows 2..9, grown by 2 voxels) spans the whole grid, so crop coordinates are the
    // original ones: box [2, 4, 5, 8] covers rows 2..4, columns 4..7 of slice 1 — the reference.
    const got: number[] = [];
    out.mask.forEach((v, i) => v && got.push(i));
    const want: number[] = [];
    ref.forEach((v, i) => v && want.push(i));
    expect(got).to.deep.equal(want);
    expect(out.counts).to.have.length(3);
    expect(boxScores(out.counts!)).to.include({ recall: 1, precision: 1, groundTruth: 1 });
  });
});
