// Cascade stage-2 training data: kidney crops with a prior channel (from the reference or from stage
// 1's mask), and the prior's corruption.
import { expect } from 'chai';
import type { Shape3D } from '../../lib/core/types.js';
import { classLocations } from '../../lib/data/sampler.js';
import { Rng } from '../../lib/rng/rng.js';
import { kidneyCrops, sampleBatch, type PreparedCase } from '../../lib/training/data.js';
import { resampleToShape } from '../../lib/transforms/resample.js';
import { corruptPrior, morphStep } from '../../lib/training/prior.js';

const S: Shape3D = [6, 8, 20];
const sum = (a: Float32Array) => a.reduce((s, v) => s + v, 0);

function cube(
  shape: Shape3D,
  lo: number[],
  hi: number[],
  m = new Float32Array(shape[0] * shape[1] * shape[2]),
) {
  for (let d = lo[0]!; d < hi[0]!; d++)
    for (let h = lo[1]!; h < hi[1]!; h++)
      for (let w = lo[2]!; w < hi[2]!; w++) m[(d * shape[1] + h) * shape[2] + w] = 1;
  return m;
}

describe('training/prior', () => {
  it('one dilation step grows a voxel into its 6-neighbourhood; erosion shrinks a 3³ cube to its centre', () => {
    const one = cube(S, [2, 3, 5], [3, 4, 6]);
    expect(sum(morphStep(one, S, true))).to.equal(7);
    const c = cube(S, [1, 2, 4], [4, 5, 7]);
    const e = morphStep(c, S, false);
    expect(sum(e)).to.equal(1);
    expect(e[(2 * 8 + 3) * 20 + 5]).to.equal(1);
  });

  it('corruption is seeded, can drop a component, and never edits its input', () => {
    const m = cube(S, [0, 0, 0], [3, 3, 3]);
    cube(S, [0, 0, 10], [2, 2, 12], m);
    const copy = m.slice();
    const c = { morphProb: 0, maxRadius: 1, dropProb: 1 };
    const a = corruptPrior(m, S, c, Rng.fromSeed(1));
    expect(a).to.deep.equal(corruptPrior(m, S, c, Rng.fromSeed(1)));
    expect([27, 8]).to.include(sum(a)); // exactly one of the two components is gone
    expect(m).to.deep.equal(copy);
    expect(corruptPrior(m, S, { morphProb: 0, maxRadius: 2, dropProb: 0 }, Rng.fromSeed(2))).to.deep.equal(m);
  });

  it('kidney crops hold one kidney each with a clean prior; batches carry it as channel 2', () => {
    const label = cube(S, [1, 1, 1], [4, 4, 5]);
    cube(S, [1, 1, 14], [4, 4, 18], label);
    label[(2 * 8 + 2) * 20 + 15] = 2;
    const image = Float32Array.from(label, (v, i) => v * 10 + (i % 3));
    const rng = Rng.fromSeed(3);
    const c: PreparedCase = { id: 'c', image, label, shape: S, locs: classLocations(label, rng), pad: -1 };
    const crops = kidneyCrops(c, [1, 1, 1], { marginMm: [1, 1, 1] }, rng);
    expect(crops.map((k) => k.shape)).to.deep.equal([
      [5, 5, 6],
      [5, 5, 6],
    ]);
    for (const k of crops) {
      expect(sum(k.prior!)).to.equal(36);
      expect(k.prior!.every((v, i) => v === (k.label[i]! > 0 ? 1 : 0))).to.equal(true);
    }
    const b = sampleBatch(crops, [4, 4, 4], 3, Rng.fromSeed(4), {
      sampling: { tumor: 1, foreground: 0, random: 0 },
    });
    expect(b.channels).to.equal(2);
    expect(b.x.length).to.equal(3 * 64 * 2);
    for (let i = 0; i < 3 * 64; i++) {
      // Without corruption, the prior channel is exactly the label's foreground.
      expect(b.x[2 * i + 1]).to.equal(b.y[i]! > 0 ? 1 : 0);
      expect(b.x[2 * i]! >= 10 ? 1 : 0).to.equal(b.y[i]! > 0 ? 1 : 0);
    }
  });

  it('with stage 1’s mask, the boxes and the prior come from the mask and the labels from the reference', () => {
    const label = cube(S, [1, 1, 1], [4, 4, 5]);
    cube(S, [1, 1, 14], [4, 4, 18], label);
    const c: PreparedCase = {
      id: 'c',
      image: label.slice(),
      label,
      shape: S,
      locs: classLocations(label, Rng.fromSeed(1)),
      pad: -1,
    };
    // Stage 1 found the first kidney only, one row too far along H.
    const mask = Uint8Array.from(cube(S, [1, 2, 1], [4, 5, 5]));
    const crops = kidneyCrops(c, [1, 1, 1], { marginMm: [1, 1, 1] }, Rng.fromSeed(2), mask);
    expect(crops).to.have.length(1);
    // The mask's box [1, 2, 1]–[4, 5, 5] grown by one voxel: [0, 1, 0]–[5, 6, 6].
    const k = crops[0]!;
    expect(k.shape).to.deep.equal([5, 5, 6]);
    expect(sum(k.prior!)).to.equal(36);
    // The reference kidney covers crop rows 0–2, the mask rows 1–3: 3 × 1 × 4 voxels each alone.
    const at = (d: number, h: number, w: number) => (d * 5 + h) * 6 + w;
    expect(k.prior![at(2, 3, 2)]).to.equal(1);
    expect(k.label[at(2, 3, 2)]).to.equal(0);
    expect(k.prior![at(2, 0, 2)]).to.equal(0);
    expect(k.label[at(2, 0, 2)]).to.equal(1);
    expect(sum(k.label)).to.equal(36);
    let priorOnly = 0;
    for (let i = 0; i < k.label.length; i++) if (k.prior![i] === 1 && k.label[i] === 0) priorOnly++;
    expect(priorOnly).to.equal(12);
  });

  it('detection-cascade crops are resized to one shape, with seeded jittered extras, and taken whole', () => {
    const label = cube(S, [1, 1, 1], [4, 4, 5]);
    cube(S, [1, 1, 14], [4, 4, 18], label);
    const image = Float32Array.from(label, (v) => v * 10);
    const c: PreparedCase = {
      id: 'c',
      image,
      label,
      shape: S,
      locs: classLocations(label, Rng.fromSeed(1)),
      pad: -1,
    };
    const rule = { marginMm: [1, 1, 1], resizeTo: [4, 6, 6], cropsPerKidney: 3, jitterMm: [1, 1, 1] };
    const crops = kidneyCrops(c, [1, 1, 1], rule, Rng.fromSeed(5));
    // Two kidneys × (the margin crop + two jittered ones), each resized.
    expect(crops).to.have.length(6);
    for (const k of crops) {
      expect(k.shape).to.deep.equal([4, 6, 6]);
      expect(k.label.length).to.equal(144);
      expect(k.label.every((v) => v === 0 || v === 1)).to.equal(true);
      expect(sum(k.label)).to.be.greaterThan(0);
    }
    // The un-jittered crop of the first kidney is its 5 × 5 × 6 box: labels nearest-resized from it.
    const exact = kidneyCrops(c, [1, 1, 1], { marginMm: [1, 1, 1] }, Rng.fromSeed(5))[0]!;
    const resized = resampleToShape(exact.label, exact.shape, [4, 6, 6], 'nearest').data;
    expect(Array.from(crops[0]!.label)).to.deep.equal(Array.from(resized));
    expect(kidneyCrops(c, [1, 1, 1], rule, Rng.fromSeed(5)).map((k) => Array.from(k.label))).to.deep.equal(
      crops.map((k) => Array.from(k.label)),
    );
    // A case of exactly the patch size is one patch: the batch is the crop itself.
    const b = sampleBatch([crops[0]!], [4, 6, 6], 1, Rng.fromSeed(6), {
      sampling: { tumor: 0, foreground: 0, random: 1 },
    });
    expect(Array.from(b.y)).to.deep.equal(Array.from(crops[0]!.label));
  });
});
