import { expect } from 'chai';
import { aggregateStats, caseStats, percentile, WEI_ROI_MM } from '../../lib/data/stats.js';
import { diagonalAffine } from '../../lib/io/affine.js';
import type { CanonicalVolume } from '../../lib/io/canonical-volume.js';

/** A canonical label grid [D, H, W] = [10, 20, 40] at [3, 1, 1] mm with boxes painted in. */
function grid(boxes: { lo: number[]; hi: number[]; label: number }[]): CanonicalVolume {
  const shape = [10, 20, 40] as const;
  const data = new Uint8Array(10 * 20 * 40);
  for (const b of boxes)
    for (let d = b.lo[0]!; d <= b.hi[0]!; d++)
      for (let h = b.lo[1]!; h <= b.hi[1]!; h++) for (let w = b.lo[2]!; w <= b.hi[2]!; w++) data[(d * 20 + h) * 40 + w] = b.label;
  return {
    data,
    shape,
    spacingMm: [3, 1, 1],
    affine: diagonalAffine([1, 1, 3]),
    orientation: { fileAxis: [0, 1, 2], flip: [false, false, false], fileShape: [40, 20, 10] },
    sourceAffine: diagonalAffine([1, 1, 3]),
    datatype: 'uint8',
    scaling: null,
  };
}

describe('data/stats', () => {
  it('computes kidney volume ratio, tumour eigenvalue ratio and extent by hand', () => {
    // Voxels are 3 × 1 × 1 mm = 0.003 ml; both kidneys are above the 5 ml floor.
    const g = grid([
      { lo: [0, 0, 0], hi: [9, 19, 9], label: 1 }, // 10 × 20 × 10 voxels × 3 mm³ = 6 ml
      { lo: [0, 0, 20], hi: [9, 19, 28], label: 1 }, // 10 × 20 × 9 = 5.4 ml
      { lo: [2, 2, 2], hi: [3, 4, 6], label: 2 }, // tumour box 2 (D) × 3 (H) × 5 (W) inside kidney A
    ]);
    const s = caseStats('case_x', g);
    expect(s.components).to.equal(2);
    expect(s.kidneyVolumesMl[0]).to.be.closeTo(6, 1e-12);
    expect(s.kidneyVolumesMl[1]).to.be.closeTo(5.4, 1e-12);
    expect(s.kidneyVolumeRatio).to.be.closeTo(6 / 5.4, 1e-12);
    // Box variances (n² − 1)/12 · s²: D 2 × 3 mm → 2.25, W 5 × 1 mm → 2, H 3 × 1 mm → 0.667.
    expect(s.tumourEigenRatio).to.be.closeTo(2.25 / 2, 1e-9);
    expect(s.tumourVolumeMl).to.be.closeTo(30 * 0.003, 1e-12);
    // Extent: x over columns 0–28 (29 mm), y 20 mm, z 10 slices × 3 mm.
    expect(s.extentMm).to.deep.equal({ x: 29, y: 20, z: 30 });
    expect(s.fitsWeiRoi).to.equal(true);
  });

  it('tumour λ1/λ2: of the largest component, and of all tumour voxels together (by hand)', () => {
    const g = grid([
      { lo: [0, 0, 0], hi: [9, 19, 9], label: 1 },
      { lo: [0, 0, 20], hi: [9, 19, 28], label: 1 },
      { lo: [2, 2, 2], hi: [3, 4, 6], label: 2 }, // 2 × 3 × 5 box in kidney A, W 2–6
      { lo: [2, 2, 22], hi: [3, 4, 26], label: 2 }, // the same box 20 voxels further along W
    ]);
    const s = caseStats('two-tumours', g);
    // One box: D 2.25, W 2, H 0.667 mm² → 2.25 / 2.
    expect(s.tumourEigenRatio).to.be.closeTo(2.25 / 2, 1e-9);
    // Both: W adds the between-box variance (20 mm / 2)² = 100 → (100 + 2) / 2.25; no covariances.
    expect(s.tumourEigenRatioAll).to.be.closeTo(102 / 2.25, 1e-9);
  });

  it('a single kidney has no ratio; specks under 5 ml are not kidneys', () => {
    const g = grid([
      { lo: [0, 0, 0], hi: [9, 19, 9], label: 1 },
      { lo: [0, 0, 30], hi: [0, 0, 30], label: 1 },
    ]);
    const s = caseStats('one', g);
    expect(s.components).to.equal(2);
    expect(s.kidneyVolumeRatio).to.equal(null);
    expect(s.tumourEigenRatio).to.equal(null);
  });

  it('percentiles interpolate like numpy, and aggregation counts fractions', () => {
    expect(percentile([1, 2, 3, 4], 50)).to.equal(2.5);
    expect(percentile([10, 0, 20], 5)).to.be.closeTo(1, 1e-12);
    const big = caseStats('b', grid([{ lo: [0, 0, 0], hi: [9, 19, 39], label: 1 }]));
    expect(big.extentMm!.x).to.equal(40);
    const agg = aggregateStats([big, { ...big, id: 'c', fitsWeiRoi: false, kidneyVolumeRatio: 4 }, { ...big, id: 'd', kidneyVolumeRatio: 2 }]);
    expect(agg.extentMm.fractionFittingWeiRoi).to.be.closeTo(2 / 3, 1e-12);
    expect(agg.kidneyVolumeRatio.fractionWithin3x).to.equal(0.5);
    expect(WEI_ROI_MM.x).to.be.closeTo(299.52, 1e-9);
  });

  it('KiTS21/23 cysts: component volumes, which touch the kidney, and their share of the masses', () => {
    const g = grid([
      { lo: [0, 0, 0], hi: [9, 19, 9], label: 1 }, // kidney, 6 ml
      { lo: [2, 2, 2], hi: [3, 4, 6], label: 2 }, // tumour 30 voxels = 0.09 ml
      { lo: [4, 5, 10], hi: [5, 6, 11], label: 3 }, // cyst of 2 × 2 × 2 = 0.024 ml, face on the kidney (w 9 | 10)
      { lo: [0, 0, 30], hi: [0, 2, 30], label: 3 }, // cyst of 3 voxels = 0.009 ml, alone
    ]);
    const s = caseStats('c', g);
    expect(s.cystVolumesMl.map((v) => +v.toFixed(6))).to.deep.equal([0.024, 0.009]);
    expect(s.cystsTouchingKidney).to.equal(1);
    const none = caseStats('n', grid([{ lo: [0, 0, 0], hi: [9, 19, 9], label: 1 }]));
    const agg = aggregateStats([s, none]);
    expect(agg.cysts!.casesWithCysts).to.equal(1);
    expect(agg.cysts!.componentsPerCase).to.deep.equal({ median: 2, max: 2 });
    expect(agg.cysts!.fractionTouchingKidney).to.equal(0.5);
    expect(agg.cysts!.cystFractionOfMassVolume).to.be.closeTo(0.033 / (0.033 + 0.09), 1e-9);
    expect(aggregateStats([none]).cysts).to.equal(null);
  });
});
