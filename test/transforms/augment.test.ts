// Augmentation: the spatial transform's geometry (identity, a hand-checked 90° rotation), image /
// label alignment under random transforms, determinism, and each intensity transform.
import { expect } from 'chai';
import { AugmentSchema } from '../../lib/config/schema/augment.js';
import type { Shape3D } from '../../lib/core/types.js';
import { extractPatch } from '../../lib/ops/crop.js';
import { Rng } from '../../lib/rng/rng.js';
import { Augmenter } from '../../lib/transforms/augment/index.js';
import { blur, brightness, contrast, gamma, lowres, noise } from '../../lib/transforms/augment/intensity.js';
import { limitFieldOfView, sampleSlab } from '../../lib/transforms/augment/field-of-view.js';
import { elasticField, flipAxis, spatialParams, warpPatch } from '../../lib/transforms/augment/spatial.js';

const S: Shape3D = [20, 24, 22];
const N = S[0] * S[1] * S[2];
const coord = (a: number) =>
  Float32Array.from(
    { length: N },
    (_, i) => [Math.floor(i / (S[1] * S[2])), Math.floor(i / S[2]) % S[1], i % S[2]][a]!,
  );
const labels = Float32Array.from({ length: N }, (_, i) => {
  const [z, y, x] = [Math.floor(i / (S[1] * S[2])), Math.floor(i / S[2]) % S[1], i % S[2]];
  return (z + y + x) % 3;
});

describe('transforms/augment', () => {
  it('the identity transform reads exactly the patch extractPatch cuts', () => {
    const img = Float32Array.from({ length: N }, (_, i) => Math.sin(i));
    const patch: Shape3D = [6, 8, 7];
    const centre: Shape3D = [10, 12, 11];
    const got = warpPatch(
      { image: img, nearest: [labels], shape: S, spacingMm: [3, 1, 1], pad: -9 },
      centre,
      patch,
      spatialParams([0, 0, 0], 1, null),
    );
    const want = extractPatch(img, S, centre, patch, -9);
    for (let i = 0; i < want.length; i++) expect(got.image[i]).to.be.closeTo(want[i]!, 1e-5);
    expect(got.nearest[0]).to.deep.equal(extractPatch(labels, S, centre, patch, 0));
  });

  it('a 90° rotation about D maps (d, h, w) to (d, −w, h) around the centre (hand-checked)', () => {
    const img = Float32Array.from({ length: N }, (_, i) => (i * 7919) % 1000);
    const c: Shape3D = [10, 12, 11];
    const got = warpPatch(
      { image: img, nearest: [labels], shape: S, spacingMm: [1, 1, 1], pad: 0 },
      c,
      [5, 5, 5],
      spatialParams([Math.PI / 2, 0, 0], 1, null),
    );
    let o = 0;
    for (let d = 0; d < 5; d++)
      for (let h = 0; h < 5; h++)
        for (let w = 0; w < 5; w++, o++) {
          const src = ((c[0] + d - 2) * S[1] + (c[1] - (w - 2))) * S[2] + (c[2] + (h - 2));
          expect(got.image[o]).to.be.closeTo(img[src]!, 1e-6);
          expect(got.nearest[0]![o]).to.equal(labels[src]);
        }
  });

  it('labels are read at the very positions the image is (random rotation, zoom and elastic field)', () => {
    const rng = Rng.fromSeed(11);
    for (let trial = 0; trial < 3; trial++) {
      const params = spatialParams(
        [rng.uniform(-0.5, 0.5), rng.uniform(-0.3, 0.3), rng.uniform(-0.3, 0.3)],
        rng.uniform(0.8, 1.2),
        elasticField([8, 10, 10], [2, 1.5, 1.5], 3, 8, rng),
      );
      // Trilinear interpolation reproduces a linear ramp, so the image patches of the three
      // coordinate ramps give each voxel's source position; the nearest label must be the one there.
      const q = [0, 1, 2].map((a) =>
        warpPatch(
          { image: coord(a), nearest: [labels], shape: S, spacingMm: [2, 1.5, 1.5], pad: 0 },
          [10, 12, 11],
          [8, 10, 10],
          params,
        ),
      );
      let checked = 0;
      for (let i = 0; i < 800; i++) {
        const p = q.map((r) => r.image[i]!);
        if (p.some((v, a) => v < 0.5 || v > S[a]! - 1.5)) continue; // inside, away from clamping
        expect(q[0]!.nearest[0]![i]).to.equal(
          (Math.round(p[0]!) + Math.round(p[1]!) + Math.round(p[2]!)) % 3,
        );
        checked++;
      }
      expect(checked).to.be.greaterThan(500);
    }
  });

  it('the augmenter is seeded, keeps image and labels aligned through flips, and leaves the source alone', () => {
    const lab = Float32Array.from(
      { length: N },
      (_, i) => (i % S[2] < 9 ? 1 : 0) + (Math.floor(i / S[2]) % S[1] < 5 ? 1 : 0),
    );
    const img = lab.map((v) => 100 * v);
    const copy = img.slice();
    const aug = new Augmenter(
      AugmentSchema.parse({
        flip: { prob: 0.5 },
        rotation: { prob: 1 },
        scale: { prob: 1 },
        elastic: { prob: 1 },
        gamma: null,
        brightness: null,
        contrast: null,
        noise: null,
        blur: null,
        lowres: null,
      }),
    );
    const src = { image: img, nearest: [lab], shape: S, spacingMm: [2, 1, 1] as const, pad: 0 };
    const a = aug.patch(src, [10, 12, 11], [8, 12, 12], Rng.fromSeed(5));
    expect(aug.patch(src, [10, 12, 11], [8, 12, 12], Rng.fromSeed(5))).to.deep.equal(a);
    expect(aug.patch(src, [10, 12, 11], [8, 12, 12], Rng.fromSeed(6)).image).to.not.deep.equal(a.image);
    expect(img).to.deep.equal(copy);
    // Voxels away from the label planes interpolate inside one region: image = 100 × label exactly.
    let exact = 0;
    for (let i = 0; i < a.image.length; i++)
      if (Math.abs(a.image[i]! - 100 * a.nearest[0]![i]!) < 1e-3) exact++;
    expect(exact / a.image.length).to.be.greaterThan(0.75);
    // Flipping only the labels would break that.
    const flipped = a.nearest[0]!.slice();
    flipAxis(flipped, [8, 12, 12], 2);
    let still = 0;
    for (let i = 0; i < a.image.length; i++) if (Math.abs(a.image[i]! - 100 * flipped[i]!) < 1e-3) still++;
    expect(still).to.be.lessThan(exact);
  });

  it('a short field of view keeps a slab holding the centre: pad and background outside, the patch inside', () => {
    const rng = Rng.fromSeed(3);
    const seen = new Set<number>();
    for (let t = 0; t < 200; t++) {
      const [lo, hi] = sampleSlab(16, 6, rng);
      expect(lo).to.be.at.most(8);
      expect(hi).to.be.above(8);
      expect(hi - lo).to.be.at.most(6);
      seen.add(lo);
    }
    expect([...seen].sort((a, b) => a - b)).to.deep.equal([3, 4, 5, 6, 7, 8]);
    // A slab longer than the patch is clipped to it; near the start it is clipped at 0.
    expect(sampleSlab(4, 1000, Rng.fromSeed(1))).to.deep.equal([0, 4]);
    const img = Float32Array.from({ length: 4 * 2 * 3 }, (_, i) => i + 1);
    const lab = img.map((v) => v % 3);
    limitFieldOfView(img, [lab], [4, 2, 3], [1, 3], -7);
    expect([...img]).to.deep.equal([
      ...Array<number>(6).fill(-7),
      ...Array.from({ length: 12 }, (_, i) => i + 7),
      ...Array<number>(6).fill(-7),
    ]);
    expect([...lab.slice(0, 6), ...lab.slice(18)]).to.deep.equal(Array<number>(12).fill(0));
    expect([...lab.slice(6, 18)]).to.deep.equal(Array.from({ length: 12 }, (_, i) => (i + 7) % 3));
  });

  it('the augmenter blanks outside an extentMm slab measured in the source spacing', () => {
    const img = Float32Array.from({ length: N }, (_, i) => Math.cos(i) + 2);
    const lab = labels.slice();
    const off = { flip: null, rotation: null, scale: null, elastic: null, gamma: null, brightness: null };
    const rest = { contrast: null, noise: null, blur: null, lowres: null };
    const aug = new Augmenter(
      AugmentSchema.parse({ ...off, ...rest, fieldOfView: { prob: 1, extentMm: [9, 9] } }),
    );
    const src = { image: img, nearest: [lab], shape: S, spacingMm: [3, 1, 1] as const, pad: -5 };
    const centre: Shape3D = [10, 12, 11];
    const patch: Shape3D = [12, 6, 6];
    const whole = extractPatch(img, S, centre, patch, -5);
    const wholeLab = extractPatch(lab, S, centre, patch, 0);
    for (let seed = 0; seed < 5; seed++) {
      const a = aug.patch(src, centre, patch, Rng.fromSeed(seed));
      const kept = [...Array(12).keys()].filter((d) => a.image[d * 36] !== -5);
      // 9 mm at 3 mm slices: three consecutive slices, one of them the centre slice 6.
      expect(kept).to.have.length(3);
      expect(kept[2]! - kept[0]!).to.equal(2);
      expect(kept).to.include(6);
      for (let i = 0; i < a.image.length; i++) {
        const inside = kept.includes(Math.floor(i / 36));
        expect(a.image[i]).to.equal(inside ? whole[i] : -5);
        expect(a.nearest[0]![i]).to.equal(inside ? wholeLab[i] : 0);
      }
    }
    expect(AugmentSchema.parse({}).fieldOfView).to.equal(null);
  });

  it('flips reverse one axis and undo themselves', () => {
    const x = Float32Array.from({ length: 24 }, (_, i) => i);
    const y = x.slice();
    flipAxis(y, [2, 3, 4], 2);
    expect([...y.slice(0, 4)]).to.deep.equal([3, 2, 1, 0]);
    flipAxis(y, [2, 3, 4], 2);
    expect(y).to.deep.equal(x);
    flipAxis(y, [2, 3, 4], 0);
    expect(y[0]).to.equal(12);
  });

  it('intensity transforms match hand-computed values', () => {
    const g = Float32Array.from([0, 0.5, 1]);
    gamma(g, 2);
    expect([...g]).to.deep.equal([0, 0.25, 1]);
    const b = Float32Array.from([1, -2]);
    brightness(b, 1.5);
    expect([...b]).to.deep.equal([1.5, -3]);
    const c = Float32Array.from([0, 1, 2]);
    contrast(c, 0.5);
    expect([...c]).to.deep.equal([0.5, 1, 1.5]);
    const c2 = Float32Array.from([0, 1, 2]);
    contrast(c2, 3); // [-2, 1, 4] clipped to the original range
    expect([...c2]).to.deep.equal([0, 1, 2]);
    const n = new Float32Array(20000);
    noise(n, 0.2, Rng.fromSeed(1));
    const sd = Math.sqrt(n.reduce((s, v) => s + v * v, 0) / n.length);
    expect(sd).to.be.closeTo(0.2, 0.006);
    const imp = new Float32Array(9 * 9 * 9);
    imp[(4 * 9 + 4) * 9 + 4] = 1;
    blur(imp, [9, 9, 9], 0.8);
    expect(imp.reduce((s, v) => s + v, 0)).to.be.closeTo(1, 1e-6);
    expect(imp[(4 * 9 + 4) * 9 + 5]! / imp[(4 * 9 + 4) * 9 + 4]!).to.be.closeTo(
      Math.exp(-1 / (2 * 0.64)),
      1e-6,
    );
    const flat = new Float32Array(64).fill(0.3);
    lowres(flat, [4, 4, 4], 0.5);
    for (const v of flat) expect(v).to.be.closeTo(0.3, 1e-6);
  });
});
