/**
 * Dataset facts the KiTS19 papers rely on, computed from label maps alone (`kitseg stats`):
 * tumour shape (ratio of the two largest covariance eigenvalues of tumour voxel positions in mm,
 * the 2D U-Net paper's filter), the volume ratio of a patient's two kidneys (the detection-cascade
 * paper's 3× rule), the kidney+tumour extent against Wei et al.'s fixed ROI, foreground component
 * counts and the spacing distribution.
 */
import type { Shape3D, Spacing3D } from '../core/types.js';
import type { CanonicalVolume } from '../io/canonical-volume.js';
import { connectedComponents } from '../ops/components.js';
import { coordinateEigenvalues } from '../ops/eigen.js';

/** Wei et al.'s ROI: 384 × 240 × 80 voxels at 0.78 × 0.78 × 3 mm, as mm along (x, y, z). */
export const WEI_ROI_MM = { x: 384 * 0.78, y: 240 * 0.78, z: 80 * 3 } as const;

/** The papers' claims our figures are printed beside. */
export const PAPER_CLAIMS = {
  tumourEigenRatio: { p5: 1.07, p95: 2.8, source: '2D U-Net + statistical post-processing paper (5th–95th percentile)' },
  kidneyVolumeRatioMax: { value: 3, source: 'detection-cascade paper (second kidney dropped when > 3× smaller)' },
  weiRoiMm: { ...WEI_ROI_MM, source: 'Wei et al. (384 × 240 × 80 voxels at 0.78 × 0.78 × 3 mm)' },
} as const;

/** Smallest foreground component (ml) counted as a kidney for the volume ratio. */
export const KIDNEY_MIN_ML = 5;

export interface CaseStats {
  readonly id: string;
  readonly spacingMm: Spacing3D;
  readonly shape: Shape3D;
  /** Foreground (label > 0) components, 26-connectivity. */
  readonly components: number;
  /** Volumes (ml) of the two largest foreground components of at least `KIDNEY_MIN_ML`. */
  readonly kidneyVolumesMl: number[];
  /** Larger / smaller of the two largest components; null with one component. */
  readonly kidneyVolumeRatio: number | null;
  /** λ1/λ2 of the voxel positions of the case's largest tumour component; null without tumour. */
  readonly tumourEigenRatio: number | null;
  /** λ1/λ2 of all the case's tumour voxels together (several tumours: their spread); null without. */
  readonly tumourEigenRatioAll: number | null;
  readonly tumourVolumeMl: number;
  /** KiTS21/23 cysts (label 3): the volume (ml) of each 26-connected cyst component, largest first. */
  readonly cystVolumesMl: number[];
  /** How many cyst components share a face with kidney or tumour voxels. */
  readonly cystsTouchingKidney: number;
  /** Extent (mm) of all foreground along world x, y, z; null when empty. */
  readonly extentMm: { x: number; y: number; z: number } | null;
  readonly fitsWeiRoi: boolean | null;
}

/** Cyst components of a cropped label volume: volumes, and how many touch kidney tissue (1 or 2). */
function cystFacts(
  crop: Uint8Array,
  cs: Shape3D,
  voxelMl: number,
): { cystVolumesMl: number[]; cystsTouchingKidney: number } {
  const cc = connectedComponents(crop, cs, 26, (v) => v === 3);
  if (cc.sizes.length === 0) return { cystVolumesMl: [], cystsTouchingKidney: 0 };
  const [D, H, W] = cs;
  const touching = new Set<number>();
  for (let d = 0, i = 0; d < D; d++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++, i++) {
        const c = cc.labels[i]!;
        if (c === 0 || touching.has(c)) continue;
        const near = [
          d > 0 ? i - H * W : -1,
          d < D - 1 ? i + H * W : -1,
          h > 0 ? i - W : -1,
          h < H - 1 ? i + W : -1,
          w > 0 ? i - 1 : -1,
          w < W - 1 ? i + 1 : -1,
        ];
        if (near.some((j) => j >= 0 && (crop[j] === 1 || crop[j] === 2))) touching.add(c);
      }
  return {
    cystVolumesMl: [...cc.sizes].sort((a, b) => b - a).map((n) => n * voxelMl),
    cystsTouchingKidney: touching.size,
  };
}

/** Facts of one case from its canonical label volume. */
export function caseStats(id: string, label: CanonicalVolume): CaseStats {
  const [D, H, W] = label.shape;
  const sp = label.spacingMm;
  const voxelMl = (sp[0] * sp[1] * sp[2]) / 1000;
  const lo = [D, H, W];
  const hi = [-1, -1, -1];
  let tumourVoxels = 0;
  for (let d = 0, i = 0; d < D; d++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++, i++) {
        const l = label.data[i]!;
        if (l === 0) continue;
        if (l === 2) tumourVoxels++;
        if (d < lo[0]!) lo[0] = d;
        if (d > hi[0]!) hi[0] = d;
        if (h < lo[1]!) lo[1] = h;
        if (h > hi[1]!) hi[1] = h;
        if (w < lo[2]!) lo[2] = w;
        if (w > hi[2]!) hi[2] = w;
      }
  const base = { id, spacingMm: sp, shape: label.shape, tumourVolumeMl: tumourVoxels * voxelMl };
  if (hi[0]! < 0) {
    return { ...base, cystVolumesMl: [], cystsTouchingKidney: 0, components: 0, kidneyVolumesMl: [], kidneyVolumeRatio: null, tumourEigenRatio: null, tumourEigenRatioAll: null, extentMm: null, fitsWeiRoi: null };
  }
  const cs = [0, 1, 2].map((a) => hi[a]! - lo[a]! + 1) as [number, number, number];
  const crop = new Uint8Array(cs[0] * cs[1] * cs[2]);
  for (let d = 0, o = 0; d < cs[0]; d++)
    for (let h = 0; h < cs[1]; h++) {
      const row = ((lo[0]! + d) * H + lo[1]! + h) * W + lo[2]!;
      for (let w = 0; w < cs[2]; w++) crop[o++] = label.data[row + w]!;
    }
  const fg = connectedComponents(crop, cs, 26);
  const sizes = [...fg.sizes].sort((a, b) => b - a);
  // Fragments under KIDNEY_MIN_ML are annotation specks, not a second kidney.
  const vols = sizes
    .map((s) => s * voxelMl)
    .filter((v) => v >= KIDNEY_MIN_ML)
    .slice(0, 2);
  let tumourEigenRatio: number | null = null;
  let tumourEigenRatioAll: number | null = null;
  if (tumourVoxels > 0) {
    const tc = connectedComponents(crop, cs, 26, (v) => v === 2);
    const largest = tc.sizes.indexOf(Math.max(...tc.sizes)) + 1;
    const idx: number[] = [];
    const all: number[] = [];
    for (let i = 0; i < tc.labels.length; i++) {
      if (tc.labels[i] === largest) idx.push(i);
      if (tc.labels[i]! > 0) all.push(i);
    }
    const ratio = (v: number[]) => {
      const [l1, l2] = coordinateEigenvalues(v, cs, sp);
      return l2 > 0 ? l1 / l2 : null;
    };
    tumourEigenRatio = ratio(idx);
    tumourEigenRatioAll = ratio(all);
  }
  const cysts = cystFacts(crop, cs, voxelMl);
  // Canonical axes: D ↔ z, H ↔ y, W ↔ x.
  const extentMm = { x: cs[2] * sp[2], y: cs[1] * sp[1], z: cs[0] * sp[0] };
  return {
    ...base,
    ...cysts,
    components: sizes.length,
    kidneyVolumesMl: vols,
    kidneyVolumeRatio: vols.length === 2 ? vols[0]! / vols[1]! : null,
    tumourEigenRatio,
    tumourEigenRatioAll,
    extentMm,
    fitsWeiRoi: extentMm.x <= WEI_ROI_MM.x && extentMm.y <= WEI_ROI_MM.y && extentMm.z <= WEI_ROI_MM.z,
  };
}

/** Linear-interpolated percentile (numpy's default) of `values`, p in [0, 100]. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = ((s.length - 1) * p) / 100;
  const i = Math.floor(pos);
  const f = pos - i;
  return i + 1 < s.length ? s[i]! * (1 - f) + s[i + 1]! * f : s[i]!;
}

export interface EigenSummary {
  readonly n: number;
  readonly p5: number;
  readonly median: number;
  readonly p95: number;
  readonly claim: typeof PAPER_CLAIMS.tumourEigenRatio;
}

function eigenSummary(values: readonly number[]): EigenSummary {
  return {
    n: values.length,
    p5: percentile(values, 5),
    median: percentile(values, 50),
    p95: percentile(values, 95),
    claim: PAPER_CLAIMS.tumourEigenRatio,
  };
}

export interface DatasetStats {
  readonly cases: number;
  readonly spacingMm: { axis: 'z' | 'y' | 'x'; min: number; median: number; max: number }[];
  /** Per case, of the largest tumour component (the filter's unit: one component). */
  readonly tumourEigenRatio: EigenSummary;
  /** Per case, of all tumour voxels together: wider where a case has several tumours. */
  readonly tumourEigenRatioAll: EigenSummary;
  readonly kidneyVolumeRatio: {
    twoComponentCases: number;
    median: number;
    max: number;
    fractionWithin3x: number;
    claim: typeof PAPER_CLAIMS.kidneyVolumeRatioMax;
  };
  readonly extentMm: {
    max: { x: number; y: number; z: number };
    p95: { x: number; y: number; z: number };
    fractionFittingWeiRoi: number;
    claim: typeof PAPER_CLAIMS.weiRoiMm;
  };
  readonly components: { median: number; max: number; histogram: Record<string, number> };
  /** KiTS21/23 cysts; null when no case has one (KiTS19 labels). */
  readonly cysts: {
    casesWithCysts: number;
    componentsPerCase: { median: number; max: number };
    volumeMl: { median: number; p95: number; max: number };
    /** Of all cyst components, the fraction sharing a face with kidney or tumour. */
    fractionTouchingKidney: number;
    /** Of all mass voxels (tumour + cyst), the cyst fraction, pooled over cases. */
    cystFractionOfMassVolume: number;
  } | null;
  readonly perCase: readonly CaseStats[];
}

function cystSummary(perCase: readonly CaseStats[]): DatasetStats['cysts'] {
  const withCysts = perCase.filter((c) => c.cystVolumesMl.length > 0);
  if (withCysts.length === 0) return null;
  const vols = perCase.flatMap((c) => c.cystVolumesMl);
  const counts = withCysts.map((c) => c.cystVolumesMl.length);
  const cystMl = vols.reduce((a, b) => a + b, 0);
  const tumourMl = perCase.reduce((a, c) => a + c.tumourVolumeMl, 0);
  return {
    casesWithCysts: withCysts.length,
    componentsPerCase: { median: percentile(counts, 50), max: Math.max(...counts) },
    volumeMl: { median: percentile(vols, 50), p95: percentile(vols, 95), max: Math.max(...vols) },
    fractionTouchingKidney: perCase.reduce((a, c) => a + c.cystsTouchingKidney, 0) / vols.length,
    cystFractionOfMassVolume: cystMl / (cystMl + tumourMl),
  };
}

export function aggregateStats(perCase: readonly CaseStats[]): DatasetStats {
  const nonNull = <T>(xs: (T | null)[]) => xs.filter((x): x is T => x !== null);
  const eig = nonNull(perCase.map((c) => c.tumourEigenRatio));
  const eigAll = nonNull(perCase.map((c) => c.tumourEigenRatioAll));
  const kr = nonNull(perCase.map((c) => c.kidneyVolumeRatio));
  const ext = nonNull(perCase.map((c) => c.extentMm));
  const fits = nonNull(perCase.map((c) => c.fitsWeiRoi));
  const comps = perCase.map((c) => c.components);
  const hist: Record<string, number> = {};
  for (const c of comps) hist[String(c)] = (hist[String(c)] ?? 0) + 1;
  const axes = ['z', 'y', 'x'] as const;
  return {
    cases: perCase.length,
    spacingMm: axes.map((axis, a) => {
      const v = perCase.map((c) => c.spacingMm[a]!);
      return { axis, min: Math.min(...v), median: percentile(v, 50), max: Math.max(...v) };
    }),
    tumourEigenRatio: eigenSummary(eig),
    tumourEigenRatioAll: eigenSummary(eigAll),
    kidneyVolumeRatio: {
      twoComponentCases: kr.length,
      median: percentile(kr, 50),
      max: Math.max(...kr),
      fractionWithin3x: kr.filter((r) => r <= 3).length / kr.length,
      claim: PAPER_CLAIMS.kidneyVolumeRatioMax,
    },
    extentMm: {
      max: { x: Math.max(...ext.map((e) => e.x)), y: Math.max(...ext.map((e) => e.y)), z: Math.max(...ext.map((e) => e.z)) },
      p95: {
        x: percentile(ext.map((e) => e.x), 95),
        y: percentile(ext.map((e) => e.y), 95),
        z: percentile(ext.map((e) => e.z), 95),
      },
      fractionFittingWeiRoi: fits.filter(Boolean).length / fits.length,
      claim: PAPER_CLAIMS.weiRoiMm,
    },
    components: { median: percentile(comps, 50), max: Math.max(...comps), histogram: hist },
    cysts: cystSummary(perCase),
    perCase,
  };
}
