/**
 * Hard Dice on label maps, scored as the KiTS19 challenge does: kidney = label > 0 (kidney and
 * tumour), tumour = label == 2. When prediction and reference are both empty the Dice is 1, when
 * only one is empty it is 0 (the KiTS21/23 rule).
 */
import { ShapeError } from '../core/errors.js';

/** Dice of the voxel sets where `inRegion` holds in `pred` and `ref`. */
export function regionDice(
  pred: ArrayLike<number>,
  ref: ArrayLike<number>,
  inRegion: (label: number) => boolean,
): number {
  if (pred.length !== ref.length)
    throw new ShapeError('regionDice', `${ref.length} voxels`, `${pred.length}`);
  let inter = 0;
  let p = 0;
  let r = 0;
  for (let i = 0; i < ref.length; i++) {
    const a = inRegion(pred[i]!);
    const b = inRegion(ref[i]!);
    if (a) p++;
    if (b) r++;
    if (a && b) inter++;
  }
  if (p + r === 0) return 1;
  return (2 * inter) / (p + r);
}

/** Dice of two binary masks of equal length (both empty → 1). */
export function maskDice(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    inter += a[i]! & b[i]!;
    n += a[i]! + b[i]!;
  }
  return n === 0 ? 1 : (2 * inter) / n;
}

/** KiTS19 kidney Dice (label > 0), tumour Dice (label == 2) and their mean for one case. */
export function kitsDice(
  pred: ArrayLike<number>,
  ref: ArrayLike<number>,
): { kidney: number; tumor: number; composite: number } {
  const kidney = regionDice(pred, ref, (l) => l > 0);
  const tumor = regionDice(pred, ref, (l) => l === 2);
  return { kidney, tumor, composite: (kidney + tumor) / 2 };
}
