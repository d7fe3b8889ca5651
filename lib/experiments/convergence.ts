/**
 * The reproduction's convergence rule (issue #17): a variant has converged when its best val
 * score over the last 20 % of its steps beats its best before them by less than 0.01. The score is
 * the one the trainer selects checkpoints by: the composite Dice, or a detector's box F2.
 */
import { existsSync, readFileSync } from 'node:fs';
import { f2 } from '../detection/metrics.js';

export interface Convergence {
  /** The last validated step. */
  readonly steps: number;
  /** Best score in the last `tail` of the steps minus the best before them. */
  readonly gain: number;
  readonly converged: boolean;
  /** What was compared (absent in results written before detectors had the rule). */
  readonly score?: 'composite' | 'box F2';
}

interface Record {
  step?: number;
  val?: { composite?: number };
  boxes?: { recall: number; precision: number };
}

/** The rule applied to a run's `metrics.jsonl`; null without a validation on each side of the cut. */
export function convergence(metricsPath: string, tolerance = 0.01, tail = 0.2): Convergence | null {
  if (!existsSync(metricsPath)) return null;
  const vals: { step: number; value: number; score: NonNullable<Convergence['score']> }[] = [];
  for (const line of readFileSync(metricsPath, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const m = JSON.parse(line) as Record;
    if (m.step === undefined) continue;
    if (typeof m.val?.composite === 'number')
      vals.push({ step: m.step, value: m.val.composite, score: 'composite' });
    else if (m.boxes !== undefined) vals.push({ step: m.step, value: f2(m.boxes), score: 'box F2' });
  }
  if (vals.length === 0) return null;
  const steps = Math.max(...vals.map((v) => v.step));
  const cut = steps * (1 - tail);
  const before = vals.filter((v) => v.step <= cut).map((v) => v.value);
  const after = vals.filter((v) => v.step > cut).map((v) => v.value);
  if (before.length === 0 || after.length === 0) return null;
  const gain = Math.max(...after) - Math.max(...before);
  return { steps, gain, converged: gain < tolerance, score: vals[0]!.score };
}

/** A table cell: `yes (+0.004 at 3000 steps)`, `no (+0.031 …, box F2)`, or `—`. */
export function convergenceCell(c: Convergence | null | undefined): string {
  if (c === null || c === undefined) return '—';
  const g = `${c.gain >= 0 ? '+' : ''}${c.gain.toFixed(3)}`;
  const of = c.score === 'box F2' ? ', box F2' : '';
  return `${c.converged ? 'yes' : 'no'} (${g} at ${c.steps} steps${of})`;
}

/**
 * Training seconds recorded in `metrics.jsonl` (its per-epoch `seconds` records). Read before a
 * variant resumes, they are the training time of its earlier sittings (an epoch a kill made the
 * trainer redo was run twice, and counts twice).
 */
export function epochSeconds(metricsPath: string): number {
  if (!existsSync(metricsPath)) return 0;
  let total = 0;
  for (const line of readFileSync(metricsPath, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const m = JSON.parse(line) as { epoch?: unknown; seconds?: unknown };
    if (typeof m.epoch === 'number' && typeof m.seconds === 'number') total += m.seconds;
  }
  return total;
}
