import { expect } from 'chai';
import { diagonalAffine } from '../../lib/io/affine.js';
import { distanceInside } from '../../lib/ops/distance.js';
import { coordinateEigenvalues, symmetricEigenvalues3 } from '../../lib/ops/eigen.js';
import { resampleNearest } from '../../lib/ops/resample.js';
import { expectClose } from '../helpers/assert.js';

describe('ops/eigen', () => {
  it('diagonal and known symmetric matrices', () => {
    expectClose(symmetricEigenvalues3(1, 3, 2, 0, 0, 0), [3, 2, 1], { atol: 1e-12 });
    // [[2,1,0],[1,2,0],[0,0,5]] has eigenvalues 5, 3, 1.
    expectClose(symmetricEigenvalues3(2, 2, 5, 1, 0, 0), [5, 3, 1], { atol: 1e-12 });
    // [[4,1,1],[1,4,1],[1,1,4]] has eigenvalues 6, 3, 3.
    expectClose(symmetricEigenvalues3(4, 4, 4, 1, 1, 1), [6, 3, 3], { atol: 1e-9 });
  });

  it('covariance eigenvalues of a box of voxels are (n² − 1)/12 · s² per axis', () => {
    // Box of 2 (D) × 3 (H) × 5 (W) voxels on a grid with spacing [3, 1, 0.5] mm.
    const shape = [4, 4, 6] as const;
    const idx: number[] = [];
    for (let d = 0; d < 2; d++)
      for (let h = 0; h < 3; h++) for (let w = 0; w < 5; w++) idx.push((d * 4 + h) * 6 + w);
    const want = [((4 - 1) / 12) * 9, ((9 - 1) / 12) * 1, ((25 - 1) / 12) * 0.25].sort((a, b) => b - a); // 2.25, 0.667, 0.5
    expectClose(coordinateEigenvalues(idx, shape, [3, 1, 0.5]), want, { atol: 1e-9 });
  });
});

describe('ops/distance', () => {
  it('is exact along axes and diagonals with anisotropic spacing', () => {
    // A 1 × 1 × 7 row inside a 3 × 3 × 9 grid, spacing 2 mm along W: distance to the nearest outside voxel.
    const shape = [3, 3, 9] as const;
    const inside = (i: number) => Math.floor(i / 9) === 4 && i % 9 >= 1 && i % 9 <= 7;
    const d = distanceInside(inside, shape, [5, 5, 2]);
    const row = Array.from(d.subarray(36, 45));
    // Neighbours in H/D are outside at 5 mm, so the row is min(5, 2·(distance along W)).
    expectClose(row, [0, 2, 4, 5, 5, 5, 4, 2, 0]);
  });

  it('a cube interior gets the distance to its faces', () => {
    const shape = [7, 7, 7] as const;
    const inside = (i: number) => {
      const z = Math.floor(i / 49);
      const y = Math.floor(i / 7) % 7;
      const x = i % 7;
      return [z, y, x].every((v) => v >= 1 && v <= 5);
    };
    const d = distanceInside(inside, shape, [1, 1, 1]);
    expect(d[(3 * 7 + 3) * 7 + 3]).to.equal(3);
    expect(d[(1 * 7 + 3) * 7 + 3]).to.equal(1);
    expect(d[0]).to.equal(0);
  });
});

describe('ops/resample', () => {
  it('nearest resampling halves a grid and keeps its world extent', () => {
    // [D, H, W] = [1, 2, 4] at 1 mm → 2 mm along W: samples old indices 0.5→round(0.5)=1? (j + ½)·2 − ½ = 0.5, 2.5.
    const data = new Uint8Array([0, 1, 2, 0, 2, 2, 1, 1]);
    const r = resampleNearest(data, [1, 2, 4], [1, 1, 1], diagonalAffine([1, 1, 1], [10, 20, 30]), [1, 1, 2]);
    expect(r.shape).to.deep.equal([1, 2, 2]);
    // Math.round(0.5) = 1 and Math.round(2.5) = 3.
    expect(Array.from(r.data)).to.deep.equal([1, 0, 2, 1]);
    // The first new voxel centre sits half an old voxel further along x: 10 + 0.5.
    expect(r.affine[0]).to.deep.equal([2, 0, 0, 10.5]);
    expect(r.affine[1]).to.deep.equal([0, 1, 0, 20]);
  });

  it('upsampling repeats values and keeps the label set', () => {
    const data = new Uint8Array([0, 2]);
    const r = resampleNearest(data, [1, 1, 2], [1, 1, 2], diagonalAffine([2, 1, 1]), [1, 1, 1]);
    expect(Array.from(r.data)).to.deep.equal([0, 0, 2, 2]);
    expect(r.affine[0]![3]).to.equal(-0.5);
  });
});
