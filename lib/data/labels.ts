/**
 * Label-map checks and counts for the KiTS label sets (`core/labels.ts` defines the sets and their
 * regions).
 */
import { DataError } from '../core/errors.js';
import { LABEL_SCHEMES, type LabelSet } from '../core/labels.js';

/** Voxel count of each label 0 … classes − 1 (values outside are not counted). */
export function labelCounts(labels: ArrayLike<number>, classes = 3): number[] {
  const c = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i]!;
    if (Number.isInteger(v) && v >= 0 && v < classes) c[v]!++;
  }
  return c;
}

/**
 * Checks that every voxel is a label of `set` (0–2 for kits19, 0–3 for kits23).
 * @throws DataError naming the file, the first bad value and how many voxels carry bad values.
 */
export function assertKitsLabels(
  labels: ArrayLike<number>,
  path: string,
  scaling: { readonly slope: number; readonly inter: number } | null = null,
  set: LabelSet = 'kits19',
): void {
  const n = LABEL_SCHEMES[set].classes;
  let bad = 0;
  let first: number | undefined;
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i]!;
    if (!(v >= 0 && v < n && Number.isInteger(v))) {
      bad++;
      first ??= v;
    }
  }
  if (bad > 0) {
    const values = Array.from({ length: n }, (_, i) => i).join(', ');
    const hint = set === 'kits19' && first === 3 ? '; label 3 is a KiTS21/23 cyst: use the kits23 label set (data.labels, --labels)' : '';
    throw new DataError(
      `label value ${first} outside {${values}} (${bad} voxels with values outside the set)` +
        (scaling === null ? '' : `, after the header's scl_slope ${scaling.slope} / scl_inter ${scaling.inter}`) +
        hint,
      path,
    );
  }
}


/**
 * Checks that every voxel is finite.
 * @throws DataError naming the file and the count of NaN/Inf voxels.
 */
export function assertFinite(data: ArrayLike<number>, path: string): void {
  let nan = 0;
  let inf = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (Number.isNaN(v)) nan++;
    else if (!Number.isFinite(v)) inf++;
  }
  if (nan + inf > 0) throw new DataError(`${nan} NaN and ${inf} infinite voxels; expected finite values`, path);
}
