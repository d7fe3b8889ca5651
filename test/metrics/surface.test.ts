// Surface metrics and the exact distance transform, against brute force and hand-computed values.
import { expect } from 'chai';
import { squaredDistanceTo } from '../../lib/ops/edt.js';
import { percentile, surfaceMetrics } from '../../lib/metrics/surface.js';
import { Rng } from '../../lib/rng/rng.js';
import type { Shape3D, Spacing3D } from '../../lib/core/types.js';

function planeMask(shape: Shape3D, ds: number[]): Uint8Array {
  const [, H, W] = shape;
  const m = new Uint8Array(shape[0] * H * W);
  for (const d of ds) m.fill(1, d * H * W, (d + 1) * H * W);
  return m;
}

describe('ops/edt', () => {
  it('matches brute force on a random anisotropic volume', () => {
    const shape: Shape3D = [5, 7, 6];
    const sp: Spacing3D = [2.5, 0.8, 1.1];
    const rng = Rng.fromSeed(4);
    const seed = Array.from({ length: 5 * 7 * 6 }, () => rng.bernoulli(0.05));
    const got = squaredDistanceTo((i) => seed[i]!, shape, sp);
    const [, H, W] = shape;
    const pos = (i: number) => [
      Math.floor(i / (H * W)) * sp[0],
      (Math.floor(i / W) % H) * sp[1],
      (i % W) * sp[2],
    ];
    for (let i = 0; i < seed.length; i++) {
      let best = Infinity;
      for (let j = 0; j < seed.length; j++) {
        if (!seed[j]) continue;
        const a = pos(i);
        const b = pos(j);
        best = Math.min(best, (a[0]! - b[0]!) ** 2 + (a[1]! - b[1]!) ** 2 + (a[2]! - b[2]!) ** 2);
      }
      expect(got[i]).to.be.closeTo(best, 1e-9);
    }
  });

  it('is infinite everywhere without a seed', () => {
    const d = squaredDistanceTo(() => false, [2, 2, 2], [1, 1, 1]);
    expect([...d].every((v) => v === Infinity)).to.equal(true);
  });
});

describe('metrics/surface', () => {
  it('HD95 and surface Dice of single voxels at a known anisotropic offset', () => {
    const shape: Shape3D = [3, 3, 5];
    const sp: Spacing3D = [3, 1, 0.5];
    const a = new Uint8Array(45);
    const b = new Uint8Array(45);
    a[(0 * 3 + 1) * 5 + 0] = 1; // d 0, h 1, w 0
    b[(1 * 3 + 1) * 5 + 2] = 1; // d 1, h 1, w 2 → offset (3 mm, 0, 1 mm)
    const m = surfaceMetrics(a, b, shape, sp, 3);
    expect(m.hd95).to.be.closeTo(Math.sqrt(10), 1e-9);
    expect(m.surfaceDice).to.equal(0);
    expect(surfaceMetrics(a, b, shape, sp, 3.2).surfaceDice).to.equal(1);
    expect(m.sensitivity).to.equal(0);
    expect(m.precision).to.equal(0);
  });

  it('planes 2 slices apart at 2.5 mm: HD95 5 mm; an extra matching plane gives surface Dice 2/3', () => {
    const shape: Shape3D = [6, 4, 4];
    const sp: Spacing3D = [2.5, 1, 1];
    const ref = planeMask(shape, [2]);
    const m = surfaceMetrics(planeMask(shape, [4]), ref, shape, sp, 5);
    expect(m.hd95).to.be.closeTo(5, 1e-9);
    expect(m.surfaceDice).to.equal(1);
    expect(surfaceMetrics(planeMask(shape, [4]), ref, shape, sp, 4.9).surfaceDice).to.equal(0);
    const two = surfaceMetrics(planeMask(shape, [2, 4]), ref, shape, sp, 1);
    expect(two.hd95).to.be.closeTo(5, 1e-9);
    expect(two.surfaceDice).to.be.closeTo(2 / 3, 1e-12);
    expect(two.sensitivity).to.equal(1);
    expect(two.precision).to.equal(0.5);
  });

  it('empty masks: both empty is perfect, one empty leaves HD95 undefined', () => {
    const e = new Uint8Array(8);
    const one = new Uint8Array(8);
    one[3] = 1;
    expect(surfaceMetrics(e, e, [2, 2, 2], [1, 1, 1], 1)).to.deep.equal({
      hd95: 0,
      surfaceDice: 1,
      sensitivity: null,
      precision: null,
    });
    expect(surfaceMetrics(e, one, [2, 2, 2], [1, 1, 1], 1)).to.deep.equal({
      hd95: null,
      surfaceDice: 0,
      sensitivity: 0,
      precision: null,
    });
  });

  it('percentile interpolates linearly as numpy does', () => {
    expect(percentile(Float64Array.from([0, 10]), 95)).to.be.closeTo(9.5, 1e-12);
    expect(percentile(Float64Array.from([3, 1, 2, 4, 5]), 50)).to.equal(3);
  });
});
