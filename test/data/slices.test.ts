// The 2D slice sampler and slice-mode inference: indices, the posterior half, resizing, alignment.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import type { Shape3D } from '../../lib/core/types.js';
import { extractSlice, sliceIndices, sliceRows } from '../../lib/data/slices.js';
import { predictSlices } from '../../lib/inference/slices.js';
import { Rng } from '../../lib/rng/rng.js';
import { sampleBatch, withLocations } from '../../lib/training/data.js';

const S: Shape3D = [4, 6, 8];
const label = new Float32Array(4 * 6 * 8);
// Foreground only in slice 2, rows 1–2 (posterior half), columns 2–5; and slice 3, row 5 (anterior).
for (let h = 1; h <= 2; h++) for (let w = 2; w <= 5; w++) label[(2 * 6 + h) * 8 + w] = 1;
label[(3 * 6 + 5) * 8 + 4] = 2;

describe('data/slices', () => {
  it('selects all slices or those with foreground, within the kept rows', () => {
    expect(sliceRows(6, { lowerHalf: true })).to.deep.equal([0, 3]);
    expect(sliceIndices(label, S, { foregroundOnly: false, lowerHalf: false })).to.deep.equal([0, 1, 2, 3]);
    expect(sliceIndices(label, S, { foregroundOnly: true, lowerHalf: false })).to.deep.equal([2, 3]);
    expect(sliceIndices(label, S, { foregroundOnly: true, lowerHalf: true })).to.deep.equal([2]);
  });

  it('crops the posterior half and resizes (labels nearest, image linear)', () => {
    const half = extractSlice(label, S, 2, { lowerHalf: true }, [3, 8], 'nearest');
    expect(Array.from(half.subarray(8, 16))).to.deep.equal([0, 0, 1, 1, 1, 1, 0, 0]);
    const up = extractSlice(label, S, 2, { lowerHalf: true }, [6, 16], 'nearest');
    expect(new Set(up)).to.deep.equal(new Set([0, 1]));
    expect(up.reduce((a, b) => a + b, 0)).to.equal(8 * 4); // 2×4 voxels, each 2×2 after ×2
  });

  it('batches in slice mode keep image and labels aligned', () => {
    const image = label.map((v) => 100 * v);
    const rng = Rng.fromSeed(1);
    const rule = { foregroundOnly: true, lowerHalf: true };
    const c = withLocations({ id: 'c', image, label, shape: S, pad: 0 }, rng, rule);
    expect(c.slices).to.deep.equal([2]);
    const b = sampleBatch([c], [1, 3, 8], 2, Rng.fromSeed(2), { sampling: 'nnunet', slices: rule });
    for (let i = 0; i < b.y.length; i++) expect(b.x[i]).to.equal(100 * b.y[i]!);
    expect(b.y.reduce((a, v) => a + v, 0)).to.equal(16);
  });

  it('slice-mode inference inverts the crop: an identity predictor returns the input in the kept rows', () => {
    const x = Float32Array.from({ length: 4 * 6 * 8 }, (_, i) => (i % 13) / 13);
    const before = tf.memory().numTensors;
    const p = predictSlices(x, S, { foregroundOnly: false, lowerHalf: true }, [3, 8], (t) => t.clone(), 1, 'sigmoid', 3);
    expect(tf.memory().numTensors).to.equal(before);
    for (let d = 0; d < 4; d++)
      for (let h = 0; h < 6; h++)
        for (let w = 0; w < 8; w++) {
          const i = (d * 6 + h) * 8 + w;
          expect(p[i]).to.be.closeTo(h < 3 ? x[i]! : 0, 1e-6);
        }
  });
});
