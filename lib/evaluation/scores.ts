/**
 * Per-case scores as the KiTS challenges compute them, on the original grid: Dice of kidney
 * (label > 0, i.e. kidney + masses) and tumour (label 2), composite = their mean; plus HD95,
 * surface Dice, sensitivity and precision per region in mm (conventions in `metrics/surface.ts`).
 * Aggregates are means over cases; HD95 means skip the cases where it is undefined.
 */
import type { Shape3D, Spacing3D } from '../core/types.js';
import { kitsDice } from '../metrics/dice.js';
import { surfaceMetrics, type SurfaceMetrics } from '../metrics/surface.js';

export interface RegionScores extends SurfaceMetrics {
  readonly dice: number;
}

export interface CaseScores {
  readonly id: string;
  readonly kidney: RegionScores;
  readonly tumor: RegionScores;
  readonly composite: number;
  /** Wall seconds to predict the case (absent when scoring existing files). */
  readonly seconds?: number;
}

export interface Summary {
  readonly cases: number;
  readonly kidney: number;
  readonly tumor: number;
  readonly composite: number;
  readonly kidneyHd95: number | null;
  readonly tumorHd95: number | null;
  readonly kidneySurfaceDice: number;
  readonly tumorSurfaceDice: number;
}

function mask(labels: ArrayLike<number>, region: 'kidney' | 'tumor'): Uint8Array {
  const m = new Uint8Array(labels.length);
  for (let i = 0; i < m.length; i++) m[i] = region === 'kidney' ? +(labels[i]! > 0) : +(labels[i] === 2);
  return m;
}

export function scoreCase(
  id: string,
  pred: ArrayLike<number>,
  ref: ArrayLike<number>,
  shape: Shape3D,
  spacingMm: Spacing3D,
  toleranceMm: number,
): CaseScores {
  const dice = kitsDice(pred, ref);
  const region = (r: 'kidney' | 'tumor'): RegionScores => ({
    dice: dice[r],
    ...surfaceMetrics(mask(pred, r), mask(ref, r), shape, spacingMm, toleranceMm),
  });
  return { id, kidney: region('kidney'), tumor: region('tumor'), composite: dice.composite };
}

function mean(values: readonly (number | null)[]): number | null {
  const v = values.filter((x): x is number => x !== null);
  return v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length;
}

export function summarize(cases: readonly CaseScores[]): Summary {
  const kidney = mean(cases.map((c) => c.kidney.dice)) ?? NaN;
  const tumor = mean(cases.map((c) => c.tumor.dice)) ?? NaN;
  return {
    cases: cases.length,
    kidney,
    tumor,
    composite: (kidney + tumor) / 2,
    kidneyHd95: mean(cases.map((c) => c.kidney.hd95)),
    tumorHd95: mean(cases.map((c) => c.tumor.hd95)),
    kidneySurfaceDice: mean(cases.map((c) => c.kidney.surfaceDice)) ?? NaN,
    tumorSurfaceDice: mean(cases.map((c) => c.tumor.surfaceDice)) ?? NaN,
  };
}
