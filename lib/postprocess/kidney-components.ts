/**
 * Kidney component filter (2D U-Net and detection-cascade papers): keep the two largest
 * kidney+tumour components, and drop the second when it is more than `maxRatio` times smaller
 * than the first (a patient has at most two kidneys; `kitseg stats` finds 91.8 % of the real
 * KiTS19 pairs within 3×).
 */
import type { Shape3D, Spacing3D } from '../core/types.js';
import { growBox, withinForeground, type Box } from '../ops/crop.js';
import { connectedComponents, type Connectivity } from '../ops/components.js';

export interface KidneyComponentOptions {
  readonly maxRatio: number;
  readonly connectivity: Connectivity;
}

/** Ids (1-based) of the components to keep, largest first. */
export function keptKidneyComponents(sizes: readonly number[], maxRatio: number): number[] {
  const order = sizes.map((s, i) => ({ s, id: i + 1 })).sort((a, b) => b.s - a.s || a.id - b.id);
  const keep: number[] = [];
  if (order[0] !== undefined) keep.push(order[0].id);
  if (order[1] !== undefined && order[0]!.s <= maxRatio * order[1].s) keep.push(order[1].id);
  return keep;
}

/** Zeroes every kidney+tumour component but the kept ones, in place; returns the kept count. */
export function keepLargestKidneys(labels: Uint8Array, shape: Shape3D, opts: KidneyComponentOptions): number {
  const cc = connectedComponents(labels, shape, opts.connectivity);
  const keep = new Set(keptKidneyComponents(cc.sizes, opts.maxRatio));
  for (let i = 0; i < labels.length; i++) if (labels[i] !== 0 && !keep.has(cc.labels[i]!)) labels[i] = 0;
  return keep.size;
}

/** Keeps only the largest kidney+tumour component, in place (stage 2: one kidney per crop). */
export function keepLargestComponent(labels: Uint8Array, shape: Shape3D, connectivity: Connectivity): void {
  keepLargestKidneys(labels, shape, { maxRatio: 0, connectivity });
}

/** How stage-2 crops are cut: each kidney's box plus a margin, or one fixed-size ROI (mm, [D, H, W]). */
export type CropRule = {
  readonly marginMm: readonly number[];
  readonly roiMm?: readonly number[] | null;
  readonly resizeTo?: readonly number[] | null;
  readonly cropsPerKidney?: number;
  readonly jitterMm?: readonly number[];
};

/**
 * Kidney boxes from a stage-1 label map: the (at most two) kept components, each grown by
 * `marginMm`; or, with `roiMm` (Wei et al.'s fixed ROI), one box of that size centred on both
 * kidneys together, clipped to the volume.
 */
export function kidneyBoxes(labels: Uint8Array, shape: Shape3D, spacingMm: Spacing3D, rule: CropRule): Box[] {
  // Components of the foreground's box (small), with their boxes moved back to the volume's grid.
  const tight = withinForeground(
    labels,
    shape,
    (crop, cs, box) =>
      componentBoxes(crop, cs).map((b) => ({
        lo: [0, 1, 2].map((a) => b.lo[a]! + box.lo[a]!) as unknown as Shape3D,
        hi: [0, 1, 2].map((a) => b.hi[a]! + box.lo[a]!) as unknown as Shape3D,
      })),
    [] as Box[],
  );
  return boxesFor(tight, shape, spacingMm, rule);
}

/** The boxes of the (at most two) kept kidney components of `labels`. */
function componentBoxes(labels: Uint8Array, shape: Shape3D): Box[] {
  const cc = connectedComponents(labels, shape, 26);
  const keep = keptKidneyComponents(cc.sizes, 3);
  const [, H, W] = shape;
  return keep.map((id) => {
    const lo = [Infinity, Infinity, Infinity];
    const hi = [-1, -1, -1];
    for (let i = 0; i < labels.length; i++) {
      if (cc.labels[i] !== id) continue;
      const c = [Math.floor(i / (H * W)), Math.floor(i / W) % H, i % W];
      for (let a = 0; a < 3; a++) {
        lo[a] = Math.min(lo[a]!, c[a]!);
        hi[a] = Math.max(hi[a]!, c[a]! + 1);
      }
    }
    return { lo: lo as unknown as Shape3D, hi: hi as unknown as Shape3D };
  });
}

/** Grows each kidney box by the rule's margin, or makes Wei et al.'s one fixed ROI around them. */
function boxesFor(boxes: Box[], shape: Shape3D, spacingMm: Spacing3D, rule: CropRule): Box[] {
  if (rule.roiMm !== null && rule.roiMm !== undefined && boxes.length > 0) {
    const size = [0, 1, 2].map((a) => Math.max(1, Math.round(rule.roiMm![a]! / spacingMm[a]!)));
    const lo = [0, 1, 2].map((a) => {
      const centre = (Math.min(...boxes.map((b) => b.lo[a]!)) + Math.max(...boxes.map((b) => b.hi[a]!))) / 2;
      return Math.round(centre - size[a]! / 2);
    });
    const clip = (v: number, a: number) => Math.min(Math.max(v, 0), shape[a]!);
    return [
      {
        lo: lo.map((v, a) => clip(v, a)) as unknown as Shape3D,
        hi: lo.map((v, a) => clip(v + size[a]!, a)) as unknown as Shape3D,
      },
    ];
  }
  const margin = [0, 1, 2].map((a) => Math.ceil(rule.marginMm[a]! / spacingMm[a]!)) as unknown as Shape3D;
  return boxes.map((b) => growBox(b, margin, shape));
}
