/**
 * Learning-rate schedules and early stopping as pure functions of the epoch and the validation
 * history, so their state is plain data saved in checkpoints (exact resume).
 */
import type { Config } from '../config/schema/index.js';

export type LrSchedule = Config['train']['lrSchedule'];

/** What the schedule and early stopping carry between validations. */
export interface ScheduleState {
  /** Current learning rate of a plateau schedule. */
  readonly plateauLr: number;
  /** Validations since the plateau schedule last saw an improvement. */
  readonly plateauBad: number;
  /** Validations since the best composite Dice. */
  readonly sinceBest: number;
  readonly best: number | null;
}

export function initialSchedule(lr0: number): ScheduleState {
  return { plateauLr: lr0, plateauBad: 0, sinceBest: 0, best: null };
}

/** The learning rate of epoch `epoch` (0-based) of `epochs`. */
export function lrFor(s: LrSchedule, lr0: number, epoch: number, epochs: number, st: ScheduleState): number {
  if (s === 'poly') return lr0 * (1 - epoch / epochs) ** 0.9;
  if (s === 'constant') return lr0;
  if (s.type === 'step') return lr0 * s.factor ** Math.floor(epoch / s.every);
  return st.plateauLr;
}

/** The state after a validation with composite Dice `metric` (higher is better). */
export function afterValidation(s: LrSchedule, st: ScheduleState, metric: number): ScheduleState {
  const improved = st.best === null || metric > st.best;
  const best = improved ? metric : st.best;
  const sinceBest = improved ? 0 : st.sinceBest + 1;
  if (typeof s === 'string' || s.type !== 'plateau') return { ...st, best, sinceBest };
  const bad = improved ? 0 : st.plateauBad + 1;
  if (bad >= s.patience)
    return { plateauLr: Math.max(st.plateauLr * s.factor, s.minLr), plateauBad: 0, sinceBest, best };
  return { ...st, plateauBad: bad, sinceBest, best };
}

/** Whether early stopping ends the run now. */
export function shouldStopEarly(patience: number | null, st: ScheduleState): boolean {
  return patience !== null && st.sinceBest >= patience;
}
