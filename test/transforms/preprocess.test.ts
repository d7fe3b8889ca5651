// Resampling, normalisation, fingerprint/target spacing and body cropping against hand-computed values.
import { expect } from 'chai';
import { computeFingerprint, targetSpacing } from '../../lib/data/fingerprint.js';
import { bodyBox } from '../../lib/ops/crop.js';
import { normalize } from '../../lib/transforms/intensity.js';
import { cropBox } from '../../lib/ops/crop.js';
import {
  resampleBox,
  resampleToShape,
  resampleVolume,
  resampledSize,
} from '../../lib/transforms/resample.js';
import { Rng } from '../../lib/rng/rng.js';
import { expectClose } from '../helpers/assert.js';

describe('transforms/resample', () => {
  // One line [0, 10] at 2 mm → 1 mm: 4 voxels sampling old indices −0.25→0, 0.25, 0.75, 1.25→1.
  const CASES: [string, 'nearest' | 'linear' | 'cubic', number[]][] = [
    ['linear', 'linear', [0, 2.5, 7.5, 10]],
    ['nearest (labels)', 'nearest', [0, 0, 10, 10]],
  ];
  for (const [name, mode, want] of CASES) {
    it(`${name}: [0, 10] at 2 mm → 1 mm gives [${want.join(', ')}]`, () => {
      const r = resampleVolume([0, 10], [1, 1, 2], [1, 1, 2], [1, 1, 1], mode);
      expect(r.shape).to.deep.equal([1, 1, 4]);
      expectClose(r.data, want, { atol: 1e-6 });
    });
  }

  it('cubic (Catmull–Rom) reproduces a linear ramp away from the clamped edges', () => {
    const ramp = [0, 1, 2, 3, 4, 5, 6, 7];
    const r = resampleVolume(ramp, [1, 1, 8], [1, 1, 1], [1, 1, 0.5], 'cubic');
    // New voxel j samples (j + ½)/2 − ½: voxels 3..12 have all four taps inside [0, 7].
    for (let j = 3; j <= 12; j++) expect(r.data[j]).to.be.closeTo((j + 0.5) / 2 - 0.5, 1e-5);
  });

  it('keeps the physical extent along each axis and labels in their set', () => {
    expect(resampledSize(611, 0.5, 3)).to.equal(102);
    const labels = Array.from({ length: 4 * 6 * 8 }, (_, i) => (i % 7 === 0 ? 2 : i % 3 === 0 ? 1 : 0));
    const r = resampleVolume(labels, [4, 6, 8], [3, 0.8, 0.8], [1.5, 1.6, 1.6], 'nearest');
    expect(r.shape).to.deep.equal([8, 3, 4]);
    expect([...new Set(r.data)].every((v) => v === 0 || v === 1 || v === 2)).to.equal(true);
  });
  // The crop happens inside the first resampling pass; it must equal resampling a copied crop.
  it('resampleBox equals resampling the cropped box, bit for bit, in every mode and axis order', () => {
    const rng = Rng.fromSeed(7);
    const shape: [number, number, number] = [9, 11, 13];
    const data = Int16Array.from({ length: 9 * 11 * 13 }, () => Math.round(rng.uniform(-1000, 1000)));
    const box = { lo: [2, 1, 3] as [number, number, number], hi: [8, 10, 12] as [number, number, number] };
    const crop = cropBox(data, shape, box);
    const cs: [number, number, number] = [6, 9, 9];
    const targets: [number, number, number][] = [
      [4, 13, 5], // every axis changes
      [6, 5, 12], // D kept: the box is read by the H pass
      [6, 9, 4], // only W changes
      [6, 9, 9], // nothing changes: the crop itself
    ];
    for (const mode of ['nearest', 'linear', 'cubic'] as const)
      for (const t of targets) {
        const got = resampleBox(data, shape, box, t, mode);
        const want = resampleToShape(crop, cs, t, mode);
        expect(got.shape, `${mode} ${t.join('×')}`).to.deep.equal(t);
        expect(Array.from(got.data), `${mode} ${t.join('×')}`).to.deep.equal(Array.from(want.data));
      }
    // The unchanged case is the box itself, read from the source.
    expect(resampleBox(data, shape, box, cs, 'linear').data[0]).to.equal(data[(2 * 11 + 1) * 13 + 3]);
  });
});

describe('transforms/intensity', () => {
  it('window [−60, 300] → [0, 1]', () =>
    expectClose(
      normalize([-100, -60, 120, 300, 400], { type: 'window', lo: -60, hi: 300 }),
      [0, 0, 0.5, 1, 1],
    ));
  it('÷1000 clipped to [−1, 1] (Wei et al.)', () =>
    expectClose(
      normalize([-1500, -250, 500, 1500], { type: 'scale', divisor: 1000, lo: -1, hi: 1 }),
      [-1, -0.25, 0.5, 1],
    ));
  it('nnU-Net CT: clip to the foreground percentiles, z-score with the foreground mean/std', () =>
    expectClose(
      normalize([-500, 50, 400], { type: 'ctForeground', p005: -100, p995: 300, mean: 100, std: 50 }),
      [-4, -1, 4],
    ));
  it('per-case z-score has mean 0 and std 1', () => {
    const z = normalize([1, 2, 3, 4], { type: 'zscore' });
    const sd = Math.sqrt(1.25); // population std of 1..4
    expectClose(z, [-1.5 / sd, -0.5 / sd, 0.5 / sd, 1.5 / sd], { atol: 1e-6 });
  });
});

describe('data/fingerprint', () => {
  it('collects spacings, shapes and exact foreground statistics when every voxel fits the sample', () => {
    const fp = computeFingerprint(
      [
        { image: [10, 20, 30, 40], label: [0, 1, 2, 0], shape: [1, 2, 2], spacingMm: [3, 1, 1] },
        { image: [0, 60, 0, 0, 0, 0], label: [0, 1, 0, 0, 0, 0], shape: [1, 2, 3], spacingMm: [5, 0.8, 0.8] },
      ],
      Rng.fromSeed(0),
    );
    // Foreground voxels 20, 30, 60: mean 110/3, population std over the three.
    expect(fp.foreground.samples).to.equal(3);
    expect(fp.foreground.mean).to.be.closeTo(110 / 3, 1e-9);
    expect(fp.foreground.std).to.be.closeTo(
      Math.sqrt(((20 - 110 / 3) ** 2 + (30 - 110 / 3) ** 2 + (60 - 110 / 3) ** 2) / 3),
      1e-9,
    );
    expect([fp.foreground.min, fp.foreground.max]).to.deep.equal([20, 60]);
    expect(fp.medianSpacing).to.deep.equal([4, 0.9, 0.9]);
    expect(fp.medianShape).to.deep.equal([1, 2, 2.5]);
  });

  it('target spacing: the median, unless a strongly anisotropic coarse axis takes its 10th percentile', () => {
    const iso = {
      spacings: [
        [1, 1, 1],
        [2, 2, 2],
        [3, 3, 3],
      ],
      shapes: [
        [100, 100, 100],
        [50, 50, 50],
        [40, 40, 40],
      ],
    } as const;
    expect(targetSpacing({ ...iso, medianSpacing: [2, 2, 2] })).to.deep.equal([2, 2, 2]);
    // Slices at 5, 5, 1 mm (median 5 > 3 · 0.8) and few of them: take percentile 10 of [5, 5, 1] = 1.8.
    const aniso = {
      spacings: [
        [5, 0.8, 0.8],
        [5, 0.8, 0.8],
        [1, 0.8, 0.8],
      ],
      shapes: [
        [40, 512, 512],
        [40, 512, 512],
        [200, 512, 512],
      ],
      medianSpacing: [5, 0.8, 0.8],
    } as const;
    const t = targetSpacing(aniso);
    expect(t[0]).to.be.closeTo(1.8, 1e-9);
    expect([t[1], t[2]]).to.deep.equal([0.8, 0.8]);
  });

  it('body box: voxels above −500 HU plus the margin, clamped to the volume', () => {
    const img = new Array(3 * 4 * 5).fill(-1000);
    img[(1 * 4 + 2) * 5 + 3] = 40; // d1 h2 w3
    img[(2 * 4 + 1) * 5 + 1] = 40; // d2 h1 w1
    expect(bodyBox(img, [3, 4, 5], -500, 1)).to.deep.equal({ lo: [0, 0, 0], hi: [3, 4, 5] });
    expect(bodyBox(img, [3, 4, 5], -500, 0)).to.deep.equal({ lo: [1, 1, 1], hi: [3, 3, 4] });
  });
});
