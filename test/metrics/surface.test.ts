// Surface metrics and the exact distance transform, against brute force and hand-computed values.
import { expect } from 'chai';
import { squaredDistanceTo } from '../../lib/ops/edt.js';
import { readFileSync } from 'node:fs';
import { percentile, surfaceMetrics, surfelAreas, weightedPercentile } from '../../lib/metrics/surface.js';
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

describe('metrics/surface (voxel definition)', () => {
  it('HD95 and surface Dice of single voxels at a known anisotropic offset', () => {
    const shape: Shape3D = [3, 3, 5];
    const sp: Spacing3D = [3, 1, 0.5];
    const a = new Uint8Array(45);
    const b = new Uint8Array(45);
    a[(0 * 3 + 1) * 5 + 0] = 1; // d 0, h 1, w 0
    b[(1 * 3 + 1) * 5 + 2] = 1; // d 1, h 1, w 2 → offset (3 mm, 0, 1 mm)
    const m = surfaceMetrics(a, b, shape, sp, 3, 'voxel');
    expect(m.hd95).to.be.closeTo(Math.sqrt(10), 1e-9);
    expect(m.surfaceDice).to.equal(0);
    expect(surfaceMetrics(a, b, shape, sp, 3.2, 'voxel').surfaceDice).to.equal(1);
    expect(m.sensitivity).to.equal(0);
    expect(m.precision).to.equal(0);
  });

  it('planes 2 slices apart at 2.5 mm: HD95 5 mm; an extra matching plane gives surface Dice 2/3', () => {
    const shape: Shape3D = [6, 4, 4];
    const sp: Spacing3D = [2.5, 1, 1];
    const ref = planeMask(shape, [2]);
    const m = surfaceMetrics(planeMask(shape, [4]), ref, shape, sp, 5, 'voxel');
    expect(m.hd95).to.be.closeTo(5, 1e-9);
    expect(m.surfaceDice).to.equal(1);
    expect(surfaceMetrics(planeMask(shape, [4]), ref, shape, sp, 4.9, 'voxel').surfaceDice).to.equal(0);
    const two = surfaceMetrics(planeMask(shape, [2, 4]), ref, shape, sp, 1, 'voxel');
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

interface Reference {
  cases: {
    shape: Shape3D;
    spacing: Spacing3D;
    tol: number;
    a: { centre: number[]; radii: number[] };
    b: { centre: number[]; radii: number[] };
    voxels: [number, number];
    surfaceDice: number;
    hd95: number;
  }[];
  codeAreas: { spacing: Spacing3D; areas: number[] }[];
}
const REF = JSON.parse(
  readFileSync(new URL('../fixtures/surfels/reference.json', import.meta.url), 'utf8'),
) as Reference;

function box(shape: Shape3D, lo: number[], hi: number[]): Uint8Array {
  const [D, H, W] = shape;
  const m = new Uint8Array(D * H * W);
  for (let d = lo[0]!; d < hi[0]!; d++)
    for (let h = lo[1]!; h < hi[1]!; h++) m.fill(1, (d * H + h) * W + lo[2]!, (d * H + h) * W + hi[2]!);
  return m;
}

/** The same ellipsoid as make.py: Σ ((index − centre) / radius)² ≤ 1, summed in axis order. */
function ellipsoid(shape: Shape3D, centre: number[], radii: number[]): Uint8Array {
  const [D, H, W] = shape;
  const m = new Uint8Array(D * H * W);
  for (let d = 0; d < D; d++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++) {
        const g = [d, h, w];
        let r = 0;
        for (let i = 0; i < 3; i++) {
          const t = (g[i]! - centre[i]!) / radii[i]!;
          r += t * t;
        }
        m[(d * H + h) * W + w] = r <= 1 ? 1 : 0;
      }
  return m;
}

describe('metrics/surface (area-weighted, KiTS21/23)', () => {
  it('a box shifted by one 3 mm slice: the surface Dice derived from its faces, edges and corners', () => {
    // Box of n = 3 × 4 × 5 voxels at 3 × 2.5 × 2.5 mm, and the same box one slice further along axis 0.
    // Its surface: 2 faces per axis, (n_j − 1)(n_k − 1) flat quads of s_j·s_k each; 4 edges per axis,
    // n_i − 1 chamfers of s_i × ½√(s_j² + s_k²) each; 8 corner triangles of ⅛√((s0s1)² + (s0s2)² + (s1s2)²).
    // Every side-wall element, top edge and top corner lies on the other box's surface (distance 0).
    // The other elements are farther than the 2 mm tolerance: the face the shift leaves behind, its 4
    // edges and 4 corners are s0 = 3 mm away; the opposite face is now inside the other box, 2.5 mm
    // (a side wall) or 3 mm (the next face) from its surface. Both directions are alike.
    const n = [3, 4, 5];
    const s: Spacing3D = [3, 2.5, 2.5];
    const face = (j: number, k: number) => (n[j]! - 1) * (n[k]! - 1) * s[j]! * s[k]!;
    const edge = (i: number, j: number, k: number) => (n[i]! - 1) * s[i]! * 0.5 * Math.hypot(s[j]!, s[k]!);
    const corner = Math.hypot(s[0] * s[1], s[0] * s[2], s[1] * s[2]) / 8;
    const total =
      2 * (face(1, 2) + face(0, 2) + face(0, 1)) +
      4 * (edge(0, 1, 2) + edge(1, 0, 2) + edge(2, 0, 1)) +
      8 * corner;
    const away = 2 * face(1, 2) + 2 * edge(1, 0, 2) + 2 * edge(2, 0, 1) + 4 * corner;
    const shape: Shape3D = [6, 6, 7];
    const a = box(shape, [1, 1, 1], [4, 5, 6]);
    const b = box(shape, [2, 1, 1], [5, 5, 6]);
    const m = surfaceMetrics(a, b, shape, s, 2);
    expect(m.surfaceDice).to.be.closeTo(1 - away / total, 1e-12);
    expect(m.surfaceDice).to.be.closeTo(0.5929, 1e-4);
    // More than 5 % of the area is 3 mm away, none further.
    expect(m.hd95).to.be.closeTo(3, 1e-12);
    expect(surfaceMetrics(a, b, shape, s, 3).surfaceDice).to.equal(1);
    // The voxel-count definition weighs the same surfaces differently.
    expect(surfaceMetrics(a, b, shape, s, 2, 'voxel').surfaceDice).to.not.be.closeTo(m.surfaceDice, 0.01);
  });

  it('a box touching the volume edge is closed there, as if the volume were padded with background', () => {
    const s: Spacing3D = [2, 1, 1];
    const inner = surfaceMetrics(
      box([4, 5, 5], [1, 1, 1], [3, 4, 4]),
      box([4, 5, 5], [1, 1, 1], [3, 4, 4]),
      [4, 5, 5],
      s,
      0.5,
    );
    const edge = surfaceMetrics(
      box([2, 3, 3], [0, 0, 0], [2, 3, 3]),
      box([2, 3, 3], [0, 0, 0], [2, 3, 3]),
      [2, 3, 3],
      s,
      0.5,
    );
    expect(inner.surfaceDice).to.equal(1);
    expect(edge.surfaceDice).to.equal(1);
    expect(edge.hd95).to.equal(0);
  });

  it('per-configuration areas equal the generated table at three spacings', () => {
    for (const { spacing, areas } of REF.codeAreas) {
      const got = surfelAreas(spacing);
      areas.forEach((v, code) =>
        expect(got[code], `code ${code} at ${spacing.join('×')}`).to.be.closeTo(v, 1e-12),
      );
    }
    // Hand-derived: a single inside corner is the triangle with legs ½ voxel, √3/8 at 1 mm.
    expect(surfelAreas([1, 1, 1])[1]).to.be.closeTo(Math.sqrt(3) / 8, 1e-15);
    expect(surfelAreas([1, 1, 1])[15]).to.be.closeTo(1, 1e-15);
  });

  it('equals the scipy reference (make.py) on anisotropic ellipsoid pairs', () => {
    for (const c of REF.cases) {
      const a = ellipsoid(c.shape, c.a.centre, c.a.radii);
      const b = ellipsoid(c.shape, c.b.centre, c.b.radii);
      expect([a.reduce((x, y) => x + y, 0), b.reduce((x, y) => x + y, 0)]).to.deep.equal(c.voxels);
      const m = surfaceMetrics(a, b, c.shape, c.spacing, c.tol);
      expect(m.surfaceDice).to.be.closeTo(c.surfaceDice, 1e-12);
      expect(m.hd95).to.be.closeTo(c.hd95, 1e-12);
    }
  });

  it('the area-weighted percentile is the first distance whose cumulative area reaches q', () => {
    const d = Float64Array.from([5, 1, 3]);
    expect(weightedPercentile(d, Float64Array.from([1, 8, 1]), 95)).to.equal(5);
    expect(weightedPercentile(d, Float64Array.from([0.2, 9, 0.8]), 95)).to.equal(3);
    expect(weightedPercentile(d, Float64Array.from([0.2, 9.6, 0.2]), 95)).to.equal(1);
  });
});
