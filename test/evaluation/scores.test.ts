// KiTS21/23 region scores on constructed label maps, against hand-derived values.
import { expect } from 'chai';
import type { Shape3D } from '../../lib/core/types.js';
import { LABEL_SCHEMES } from '../../lib/core/labels.js';
import { regionTolerance, scoreCase, summarize, type Scoring } from '../../lib/evaluation/scores.js';

const K23: Scoring = { labels: 'kits23', surface: 'area', toleranceMm: null };
const shape: Shape3D = [1, 1, 10];
const sp: [number, number, number] = [1, 1, 1];

describe('evaluation/scores (KiTS21/23 regions)', () => {
  it('Dice per hierarchical region and the mean over the three', () => {
    //          voxel  0  1  2  3  4  5  6  7  8  9
    const ref = [0, 1, 1, 1, 2, 2, 3, 3, 0, 0];
    const pred = [0, 1, 1, 3, 2, 3, 3, 0, 0, 0];
    // kidney+masses: ref {1..7} (7), pred {1..6} (6), both 6 → 12/13.
    // masses: ref {4, 5, 6, 7}, pred {3, 4, 5, 6}, both {4, 5, 6} → 6/8.
    // tumour: ref {4, 5}, pred {4} → 2/3.
    const s = scoreCase('c', pred, ref, shape, sp, K23);
    expect(s.kidney.dice).to.be.closeTo(12 / 13, 1e-12);
    expect(s.masses!.dice).to.be.closeTo(6 / 8, 1e-12);
    expect(s.tumor.dice).to.be.closeTo(2 / 3, 1e-12);
    expect(s.composite).to.be.closeTo((12 / 13 + 6 / 8 + 2 / 3) / 3, 1e-12);
    expect(s.meanSurfaceDice).to.be.closeTo(
      (s.kidney.surfaceDice + s.masses!.surfaceDice + s.tumor.surfaceDice) / 3,
      1e-12,
    );
  });

  it('both empty scores 1, one empty 0, for Dice and surface Dice alike', () => {
    const ref = [0, 1, 1, 1, 0, 0, 0, 0, 0, 0]; // kidney only
    const same = scoreCase('a', ref, ref, shape, sp, K23);
    expect([
      same.masses!.dice,
      same.masses!.surfaceDice,
      same.tumor.dice,
      same.tumor.surfaceDice,
    ]).to.deep.equal([1, 1, 1, 1]);
    expect(same.tumor.hd95).to.equal(0);
    const cyst = [0, 1, 1, 3, 0, 0, 0, 0, 0, 0]; // a false cyst: masses has only a prediction
    const s = scoreCase('b', cyst, ref, shape, sp, K23);
    expect([s.masses!.dice, s.masses!.surfaceDice, s.masses!.hd95]).to.deep.equal([0, 0, null]);
    expect([s.tumor.dice, s.tumor.surfaceDice]).to.deep.equal([1, 1]);
    expect(s.kidney.dice).to.equal(1);
  });

  it('the official tolerances per region; an explicit tolerance applies to every region', () => {
    const [kidney, masses, tumour] = LABEL_SCHEMES.kits23.regions;
    expect([kidney, masses, tumour].map((r) => +regionTolerance(r!, K23).toFixed(4))).to.deep.equal([
      1.0331, 1.1329, 1.1498,
    ]);
    expect(regionTolerance(tumour!, { ...K23, toleranceMm: 3 })).to.equal(3);
    expect(regionTolerance(LABEL_SCHEMES.kits19.regions[0]!, { ...K23, labels: 'kits19' })).to.equal(2);
    // A 1-voxel shift at 1.1 mm spacing lies inside tumour's 1.1498 mm but outside kidney+masses' 1.0331 mm.
    const a = [0, 0, 0, 2, 2, 2, 0, 0, 0, 0];
    const b = [0, 0, 0, 0, 2, 2, 2, 0, 0, 0];
    const s = scoreCase('s', a, b, shape, [1, 1, 1.1], K23);
    expect(s.tumor.surfaceDice).to.equal(1);
    expect(s.kidney.surfaceDice).to.be.lessThan(1);
  });

  it('summarize: region means over cases and the two challenge aggregates', () => {
    const ref = [0, 1, 1, 1, 2, 2, 3, 3, 0, 0];
    const c1 = scoreCase('1', ref, ref, shape, sp, K23);
    const c2 = scoreCase('2', [0, 1, 1, 3, 2, 3, 3, 0, 0, 0], ref, shape, sp, K23);
    const m = summarize([c1, c2], 'kits23');
    expect(m.masses!.dice).to.be.closeTo((1 + 0.75) / 2, 1e-12);
    expect(m.composite).to.be.closeTo((m.kidney + m.masses!.dice + m.tumor) / 3, 1e-12);
    expect(m.meanSurfaceDice).to.be.closeTo(
      (m.kidneySurfaceDice + m.masses!.surfaceDice + m.tumorSurfaceDice) / 3,
      1e-12,
    );
    const k19 = summarize([c1, c2], 'kits19');
    expect(k19.masses).to.equal(undefined);
    expect(k19.composite).to.be.closeTo((k19.kidney + k19.tumor) / 2, 1e-12);
  });
});
