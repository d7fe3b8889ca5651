/**
 * The facts `kitseg inspect` reports about a NIfTI file, computed in file voxel order (i, j, k)
 * so they compare directly with nibabel: geometry, intensity statistics and, for label maps, voxel
 * counts per label, foreground components (26-connectivity) and the foreground bounding box.
 */
import type { Affine } from '../core/types.js';
import { spacingFromAffine } from '../io/affine.js';
import { UsageError } from '../core/errors.js';
import type { Volume } from '../io/nifti-codec.js';
import { axisCodes } from '../io/orientation.js';
import { DATATYPES } from '../io/voxels.js';
import { connectedComponents } from '../ops/components.js';

export interface LabelReport {
  /** Voxel count per label value present, keyed by the value. */
  readonly counts: Record<string, number>;
  /** Sizes of foreground (label > 0) components, largest first, 26-connectivity. */
  readonly componentSizes26: number[];
  /** Inclusive foreground bounding box in file voxel indices, or null when empty. */
  readonly bboxIjk: { min: [number, number, number]; max: [number, number, number] } | null;
}

export interface InspectReport {
  readonly shape: readonly number[];
  readonly datatype: string;
  readonly spacingMm: number[];
  readonly affine: Affine;
  readonly axcodes: string;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly sum: number;
  readonly labels?: LabelReport;
  readonly valueAt?: { ijk: number[]; value: number };
}

/** Treat a volume as a label map when its stored type is integral and it holds ≤ 16 distinct values. */
export function looksLikeLabels(v: Volume): boolean {
  if (!DATATYPES[v.datatype].isInteger) return false;
  const seen = new Set<number>();
  for (let i = 0; i < v.data.length; i++) {
    seen.add(v.data[i]!);
    if (seen.size > 16) return false;
  }
  return true;
}

export function labelReport(v: Volume): LabelReport {
  const [ni, nj, nk] = v.shape;
  const counts = new Map<number, number>();
  const min: [number, number, number] = [Infinity, Infinity, Infinity];
  const max: [number, number, number] = [-1, -1, -1];
  let i = 0;
  for (let k = 0; k < nk; k++)
    for (let j = 0; j < nj; j++)
      for (let x = 0; x < ni; x++, i++) {
        const l = v.data[i]!;
        counts.set(l, (counts.get(l) ?? 0) + 1);
        if (l !== 0) {
          if (x < min[0]) min[0] = x;
          if (x > max[0]) max[0] = x;
          if (j < min[1]) min[1] = j;
          if (j > max[1]) max[1] = j;
          if (k < min[2]) min[2] = k;
          if (k > max[2]) max[2] = k;
        }
      }
  return {
    counts: Object.fromEntries([...counts.entries()].sort((a, b) => a[0] - b[0]).map(([l, c]) => [String(l), c])),
    componentSizes26: max[0] < 0 ? [] : foregroundComponentSizes(v, min, max),
    bboxIjk: max[0] < 0 ? null : { min, max },
  };
}

/**
 * Sizes of the 26-connected foreground components, largest first, computed on the foreground
 * bounding box only so a 611 × 512 × 512 label map needs memory for its kidneys, not its field of view.
 */
function foregroundComponentSizes(v: Volume, min: number[], max: number[]): number[] {
  const [ni, nj] = v.shape;
  const [ci, cj, ck] = [0, 1, 2].map((a) => max[a]! - min[a]! + 1) as [number, number, number];
  const crop = new Uint8Array(ci * cj * ck);
  let o = 0;
  for (let k = min[2]!; k <= max[2]!; k++)
    for (let j = min[1]!; j <= max[1]!; j++) {
      const row = min[0]! + ni * (j + nj * k);
      for (let i = 0; i < ci; i++) crop[o++] = v.data[row + i]! !== 0 ? 1 : 0;
    }
  // File order has i fastest, i.e. a [k, j, i] array; connectivity does not care about axis names.
  return [...connectedComponents(crop, [ck, cj, ci], 26).sizes].sort((a, b) => b - a);
}

/** Computes the inspect report. `asLabels` undefined means "decide from the data". */
export function inspectVolume(v: Volume, opts: { asLabels?: boolean; at?: readonly number[] } = {}): InspectReport {
  let mn = Infinity;
  let mx = -Infinity;
  let sum = 0;
  for (let i = 0; i < v.data.length; i++) {
    const x = v.data[i]!;
    if (x < mn) mn = x;
    if (x > mx) mx = x;
    sum += x;
  }
  const report: InspectReport = {
    shape: v.shape,
    datatype: v.datatype,
    spacingMm: spacingFromAffine(v.affine),
    affine: v.affine,
    axcodes: axisCodes(v.affine),
    min: mn,
    max: mx,
    mean: sum / v.data.length,
    sum,
  };
  const withLabels = opts.asLabels ?? looksLikeLabels(v);
  const at = opts.at;
  let valueAt: InspectReport['valueAt'];
  if (at !== undefined) {
    const bad = at.findIndex((x, a) => !(Number.isInteger(x) && x >= 0 && x < v.shape[a]!));
    if (bad >= 0)
      throw new UsageError(
        `--at ${at.join(',')}: index ${bad} (${at[bad]}) is outside the file shape [${v.shape.join(', ')}] (0 ≤ i < n)`,
      );
    const [ni, nj] = v.shape;
    valueAt = { ijk: [...at], value: v.data[at[0]! + ni * (at[1]! + nj * at[2]!)]! };
  }
  return {
    ...report,
    ...(withLabels ? { labels: labelReport(v) } : {}),
    ...(valueAt === undefined ? {} : { valueAt }),
  };
}
