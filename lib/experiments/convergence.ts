/**
 * The reproduction's convergence rule (issue #17): a variant has converged when its best val
 * composite over the last 20 % of its steps beats its best before them by less than 0.01.
 */
import { existsSync, readFileSync } from 'node:fs';

export interface Convergence {
  /** The last validated step. */
  readonly steps: number;
  /** Best composite in the last `tail` of the steps minus the best before them. */
  readonly gain: number;
  readonly converged: boolean;
}

/** The rule applied to a run's `metrics.jsonl`; null without a validation on each side of the cut. */
export function convergence(metricsPath: string, tolerance = 0.01, tail = 0.2): Convergence | null {
  if (!existsSync(metricsPath)) return null;
  const vals: { step: number; composite: number }[] = [];
  for (const line of readFileSync(metricsPath, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const m = JSON.parse(line) as { step?: number; val?: { composite?: number } };
    if (m.step !== undefined && typeof m.val?.composite === 'number')
      vals.push({ step: m.step, composite: m.val.composite });
  }
  if (vals.length === 0) return null;
  const steps = Math.max(...vals.map((v) => v.step));
  const cut = steps * (1 - tail);
  const before = vals.filter((v) => v.step <= cut).map((v) => v.composite);
  const after = vals.filter((v) => v.step > cut).map((v) => v.composite);
  if (before.length === 0 || after.length === 0) return null;
  const gain = Math.max(...after) - Math.max(...before);
  return { steps, gain, converged: gain < tolerance };
}

/** A table cell: `yes (+0.004)`, `no (+0.031)`, or `—`. */
export function convergenceCell(c: Convergence | null | undefined): string {
  if (c === null || c === undefined) return '—';
  const g = `${c.gain >= 0 ? '+' : ''}${c.gain.toFixed(3)}`;
  return `${c.converged ? 'yes' : 'no'} (${g} at ${c.steps} steps)`;
}
