/** Greedy non-maximum suppression (Neubeck & Van Gool; Faster R-CNN's proposal and output filter). */
import { boxAt, iou } from './boxes.js';

/**
 * Indices of the kept boxes, highest score first: a box is dropped when its IoU with an already
 * kept box exceeds `iouThreshold`. Ties keep the lower index first. At most `maxOut` are kept.
 */
export function nonMaxSuppression(
  boxes: ArrayLike<number>,
  scores: ArrayLike<number>,
  iouThreshold: number,
  maxOut = Infinity,
): number[] {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort(
    (a, b) => scores[b]! - scores[a]! || a - b,
  );
  const kept: number[] = [];
  for (const i of order) {
    if (kept.length >= maxOut) break;
    const bi = boxAt(boxes, i);
    if (kept.every((k) => iou(bi, boxAt(boxes, k)) <= iouThreshold)) kept.push(i);
  }
  return kept;
}
