// LR schedules and early stopping against hand-computed sequences.
import { expect } from 'chai';
import {
  afterValidation,
  initialSchedule,
  lrFor,
  shouldStopEarly,
  type LrSchedule,
} from '../../lib/training/schedule.js';

describe('training/schedule', () => {
  it('poly: α0·(1 − e/N)^0.9', () => {
    expect(lrFor('poly', 1, 0, 10, initialSchedule(1))).to.equal(1);
    expect(lrFor('poly', 1, 5, 10, initialSchedule(1))).to.be.closeTo(0.5 ** 0.9, 1e-12);
    expect(lrFor('constant', 0.3, 7, 10, initialSchedule(0.3))).to.equal(0.3);
  });

  it('step: halves every 2 epochs', () => {
    const s: LrSchedule = { type: 'step', every: 2, factor: 0.5 };
    expect([0, 1, 2, 3, 4].map((e) => lrFor(s, 1, e, 10, initialSchedule(1)))).to.deep.equal([
      1, 1, 0.5, 0.5, 0.25,
    ]);
  });

  it('plateau: × factor after `patience` validations without improvement, not below minLr', () => {
    const s: LrSchedule = { type: 'plateau', patience: 2, factor: 0.5, minLr: 0.3 };
    let st = initialSchedule(1);
    const lrs: number[] = [];
    for (const m of [0.5, 0.4, 0.45, 0.6, 0.5, 0.5]) {
      st = afterValidation(s, st, m);
      lrs.push(lrFor(s, 1, 0, 10, st));
    }
    // 0.5 best; 0.4, 0.45 → two bad → 0.5; 0.6 best; 0.5, 0.5 → two bad → max(0.25, 0.3).
    expect(lrs).to.deep.equal([1, 1, 0.5, 0.5, 0.5, 0.3]);
    expect(st.best).to.equal(0.6);
  });

  it('early stopping counts validations since the best', () => {
    let st = initialSchedule(1);
    for (const m of [0.5, 0.4]) st = afterValidation('poly', st, m);
    expect(shouldStopEarly(2, st)).to.equal(false);
    st = afterValidation('poly', st, 0.45);
    expect(st.sinceBest).to.equal(2);
    expect(shouldStopEarly(2, st)).to.equal(true);
    expect(shouldStopEarly(null, st)).to.equal(false);
  });
});
