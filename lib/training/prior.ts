/**
 * Spatial-prior corruption for cascade stage-2 training (as nnU-Net's cascade): the ground-truth
 * kidney mask given as the prior channel is degraded like a real stage-1 prediction would be —
 * eroded or dilated by a few voxels, and connected components dropped — so stage 2 learns not to
 * copy the prior.
 */
import type { Shape3D } from '../core/types.js';
import { connectedComponents } from '../ops/components.js';
import type { Rng } from '../rng/rng.js';

export interface PriorCorruption {
  /** Probability of a dilation and of an erosion (exclusive; dilation tried first). */
  readonly morphProb: number;
  /** Largest dilation/erosion radius in voxels (6-neighbour steps). */
  readonly maxRadius: number;
  /** Probability of dropping one connected component. */
  readonly dropProb: number;
}

/** One 6-neighbour dilation (grow = true) or erosion step of a 0/1 mask. */
export function morphStep(mask: Float32Array, shape: Shape3D, grow: boolean): Float32Array {
  const [D, H, W] = shape;
  const out = mask.slice();
  const on = grow ? 0 : 1;
  for (let d = 0; d < D; d++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++) {
        const i = (d * H + h) * W + w;
        if (mask[i] !== on) continue;
        const nb =
          (w > 0 && mask[i - 1] !== on) ||
          (w < W - 1 && mask[i + 1] !== on) ||
          (h > 0 && mask[i - W] !== on) ||
          (h < H - 1 && mask[i + W] !== on) ||
          (d > 0 && mask[i - H * W] !== on) ||
          (d < D - 1 && mask[i + H * W] !== on);
        if (nb) out[i] = 1 - on;
      }
  return out;
}

/** A corrupted copy of the 0/1 mask `mask` (draws from `rng` in a fixed order). */
export function corruptPrior(mask: Float32Array, shape: Shape3D, c: PriorCorruption, rng: Rng): Float32Array {
  let out = mask;
  const dilate = rng.bernoulli(c.morphProb);
  const erode = !dilate && rng.bernoulli(c.morphProb);
  const radius = rng.int(1, Math.max(1, c.maxRadius));
  if (dilate || erode) for (let r = 0; r < radius; r++) out = morphStep(out, shape, dilate);
  if (rng.bernoulli(c.dropProb)) {
    const cc = connectedComponents(out, shape, 6);
    if (cc.sizes.length > 0) {
      const id = rng.int(1, cc.sizes.length);
      out = out === mask ? mask.slice() : out;
      for (let i = 0; i < out.length; i++) if (cc.labels[i] === id) out[i] = 0;
    }
  }
  return out === mask ? mask.slice() : out;
}
