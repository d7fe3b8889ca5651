/**
 * Hole filling: background regions enclosed by foreground (6-connected background components that
 * do not reach the volume border) take the most frequent label among their foreground neighbours
 * (labels 1–3, so KiTS21/23 cysts vote too; a tie goes to the lower label).
 */
import type { Shape3D } from '../core/types.js';
import { connectedComponents } from '../ops/components.js';

/** Fills enclosed holes in place; returns the number of voxels filled. */
export function fillHoles(labels: Uint8Array, shape: Shape3D): number {
  const [D, H, W] = shape;
  const bg = connectedComponents(labels, shape, 6, (v) => v === 0);
  const n = bg.sizes.length;
  const border = new Uint8Array(n + 1);
  // votes[id * 4 + label]: foreground neighbours of each background component, per label.
  const votes = new Int32Array((n + 1) * 4);
  for (let d = 0; d < D; d++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++) {
        const i = (d * H + h) * W + w;
        const id = bg.labels[i]!;
        if (id === 0) continue;
        if (d === 0 || d === D - 1 || h === 0 || h === H - 1 || w === 0 || w === W - 1) border[id] = 1;
        for (const j of [i - 1, i + 1, i - W, i + W, i - H * W, i + H * W]) {
          if (j < 0 || j >= labels.length) continue;
          const l = labels[j]!;
          if (l !== 0 && l < 4) votes[id * 4 + l]!++;
        }
      }
  let filled = 0;
  for (let i = 0; i < labels.length; i++) {
    const id = bg.labels[i]!;
    if (id === 0 || border[id] === 1) continue;
    let best = 1;
    for (let l = 2; l < 4; l++) if (votes[id * 4 + l]! > votes[id * 4 + best]!) best = l;
    labels[i] = best;
    filled++;
  }
  return filled;
}
