/**
 * The 2D slice sampler (2D U-Net paper): whole axial slices — all of them, or only those with
 * foreground — optionally only their posterior ("lower", as displayed) half where the kidneys lie,
 * resized to the network's input (e.g. 256 × 256): image linear, labels nearest. The same crop
 * and resize run at inference (`inference/slices.ts`), and their inverse maps predictions back.
 */
import type { Shape3D } from '../core/types.js';
import { resampleToShape } from '../transforms/resample.js';

export interface SliceRule {
  readonly foregroundOnly: boolean;
  /** Keep rows h < H/2 of the canonical grid (H runs posterior → anterior). */
  readonly lowerHalf: boolean;
}

/** Rows `[h0, h1)` of a slice the rule keeps. */
export function sliceRows(H: number, rule: Pick<SliceRule, 'lowerHalf'>): [number, number] {
  return rule.lowerHalf ? [0, Math.max(1, Math.ceil(H / 2))] : [0, H];
}

/** Axial slice indices the rule samples from. */
export function sliceIndices(label: ArrayLike<number>, shape: Shape3D, rule: SliceRule): number[] {
  const [D, H, W] = shape;
  const [h0, h1] = sliceRows(H, rule);
  const out: number[] = [];
  for (let d = 0; d < D; d++) {
    if (!rule.foregroundOnly) {
      out.push(d);
      continue;
    }
    let any = false;
    for (let i = (d * H + h0) * W; i < (d * H + h1) * W && !any; i++) any = label[i] !== 0;
    if (any) out.push(d);
  }
  return out;
}

/** Slice `d`'s kept rows resized to `size` `[h, w]`. */
export function extractSlice(
  data: ArrayLike<number>,
  shape: Shape3D,
  d: number,
  rule: Pick<SliceRule, 'lowerHalf'>,
  size: readonly [number, number],
  mode: 'linear' | 'nearest',
): Float32Array {
  const [, H, W] = shape;
  const [h0, h1] = sliceRows(H, rule);
  const crop = new Float32Array((h1 - h0) * W);
  for (let h = h0; h < h1; h++) for (let w = 0; w < W; w++) crop[(h - h0) * W + w] = data[(d * H + h) * W + w]!;
  return resampleToShape(crop, [1, h1 - h0, W], [1, size[0], size[1]], mode).data;
}
