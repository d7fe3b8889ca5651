/**
 * Per-case scores as the KiTS challenges compute them, on the original grid, per region of the
 * label set: KiTS19 kidney (label > 0) and tumour (label 2), composite = their mean Dice; KiTS21/23
 * kidney+masses {1, 2, 3}, masses {2, 3} and tumour {2}, with the two challenge aggregates (mean
 * Dice and mean surface Dice over the three regions). Each region also gets HD95, surface Dice,
 * sensitivity and precision in mm (definitions in `metrics/surface.ts`). Aggregates are means over
 * cases; HD95 means skip the cases where it is undefined.
 */
import type { Shape3D, Spacing3D } from '../core/types.js';
import { LABEL_SCHEMES, regionMask, type LabelSet, type Region, type RegionName } from '../core/labels.js';
import { maskDice } from '../metrics/dice.js';
import { surfaceMetrics, type SurfaceDefinition, type SurfaceMetrics } from '../metrics/surface.js';

export interface RegionScores extends SurfaceMetrics {
  readonly dice: number;
}

/** How cases are scored: the label set's regions, the surface definition and its tolerance. */
export interface Scoring {
  readonly labels: LabelSet;
  readonly surface: SurfaceDefinition;
  /** One tolerance for every region; null: the label set's official ones (2 mm for KiTS19). */
  readonly toleranceMm: number | null;
}

export const KITS19_SCORING: Scoring = { labels: 'kits19', surface: 'area', toleranceMm: null };

/** The tolerance a region is scored at. */
export function regionTolerance(region: Region, scoring: Scoring): number {
  return scoring.toleranceMm ?? region.officialToleranceMm ?? 2;
}

export interface CaseScores {
  readonly id: string;
  readonly kidney: RegionScores;
  readonly tumor: RegionScores;
  /** KiTS21/23 only. */
  readonly masses?: RegionScores;
  /** KiTS19: mean of kidney and tumour Dice; KiTS21/23: mean Dice over the three regions. */
  readonly composite: number;
  /** KiTS21/23 only: mean surface Dice over the three regions. */
  readonly meanSurfaceDice?: number;
  /** Wall seconds to predict the case (absent when scoring existing files). */
  readonly seconds?: number;
}

export interface RegionSummary {
  readonly dice: number;
  readonly hd95: number | null;
  readonly surfaceDice: number;
}

export interface Summary {
  readonly cases: number;
  readonly labels: LabelSet;
  readonly kidney: number;
  readonly tumor: number;
  readonly composite: number;
  readonly kidneyHd95: number | null;
  readonly tumorHd95: number | null;
  readonly kidneySurfaceDice: number;
  readonly tumorSurfaceDice: number;
  /** KiTS21/23 only. */
  readonly masses?: RegionSummary;
  readonly meanSurfaceDice?: number;
}

export function scoreCase(
  id: string,
  pred: ArrayLike<number>,
  ref: ArrayLike<number>,
  shape: Shape3D,
  spacingMm: Spacing3D,
  scoring: Scoring,
): CaseScores {
  const regions = LABEL_SCHEMES[scoring.labels].regions;
  const by = new Map<RegionName, RegionScores>();
  for (const r of regions) {
    const p = regionMask(pred, r);
    const q = regionMask(ref, r);
    by.set(r.name, {
      dice: maskDice(p, q),
      ...surfaceMetrics(p, q, shape, spacingMm, regionTolerance(r, scoring), scoring.surface),
    });
  }
  const all = [...by.values()];
  const meanOf = (k: 'dice' | 'surfaceDice') => all.reduce((a, s) => a + s[k], 0) / all.length;
  const masses = by.get('masses');
  return {
    id,
    kidney: by.get('kidney')!,
    tumor: by.get('tumor')!,
    ...(masses === undefined ? {} : { masses, meanSurfaceDice: meanOf('surfaceDice') }),
    composite: meanOf('dice'),
  };
}

function mean(values: readonly (number | null | undefined)[]): number | null {
  const v = values.filter((x): x is number => x !== null && x !== undefined);
  return v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length;
}

export function summarize(cases: readonly CaseScores[], labels: LabelSet = 'kits19'): Summary {
  const kidney = mean(cases.map((c) => c.kidney.dice)) ?? NaN;
  const tumor = mean(cases.map((c) => c.tumor.dice)) ?? NaN;
  const base = {
    cases: cases.length,
    labels,
    kidney,
    tumor,
    kidneyHd95: mean(cases.map((c) => c.kidney.hd95)),
    tumorHd95: mean(cases.map((c) => c.tumor.hd95)),
    kidneySurfaceDice: mean(cases.map((c) => c.kidney.surfaceDice)) ?? NaN,
    tumorSurfaceDice: mean(cases.map((c) => c.tumor.surfaceDice)) ?? NaN,
  };
  if (labels === 'kits19') return { ...base, composite: (kidney + tumor) / 2 };
  const masses: RegionSummary = {
    dice: mean(cases.map((c) => c.masses?.dice)) ?? NaN,
    hd95: mean(cases.map((c) => c.masses?.hd95)),
    surfaceDice: mean(cases.map((c) => c.masses?.surfaceDice)) ?? NaN,
  };
  return {
    ...base,
    masses,
    composite: (kidney + masses.dice + tumor) / 3,
    meanSurfaceDice: (base.kidneySurfaceDice + masses.surfaceDice + base.tumorSurfaceDice) / 3,
  };
}
