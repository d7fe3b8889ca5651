/**
 * The KiTS19 label convention and the evaluation regions built on it.
 * Labels: 0 background, 1 kidney, 2 tumour. Regions (KiTS19 scoring): kidney = label > 0
 * ("kidney and tumour"), tumour = label == 2.
 */
import { DataError } from '../core/errors.js';

/** Voxel count of each label 0, 1, 2. */
export function labelCounts(labels: ArrayLike<number>): [number, number, number] {
  const c: [number, number, number] = [0, 0, 0];
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i]!;
    if (v === 0 || v === 1 || v === 2) c[v]++;
  }
  return c;
}

/**
 * Checks that every voxel is 0, 1 or 2.
 * @throws DataError naming the file, the first bad value and how many voxels carry bad values.
 */
export function assertKitsLabels(
  labels: ArrayLike<number>,
  path: string,
  scaling: { readonly slope: number; readonly inter: number } | null = null,
): void {
  let bad = 0;
  let first: number | undefined;
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i]!;
    if (v !== 0 && v !== 1 && v !== 2) {
      bad++;
      first ??= v;
    }
  }
  if (bad > 0) {
    throw new DataError(
      `label value ${first} outside {0, 1, 2} (${bad} voxels with values outside the set)` +
        (scaling === null ? '' : `, after the header's scl_slope ${scaling.slope} / scl_inter ${scaling.inter}`),
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
