/**
 * Detector training data: preprocessed cases (body crop, target spacing, window normalisation —
 * the same cache as the segmentation models) with their ground-truth boxes per axial slice, one
 * box per kidney with its tumours inside (the two largest kidney+tumour components); and seeded
 * batches of slices placed at a random offset in a fixed `h × w` canvas (random crop when larger,
 * random padding when smaller), their boxes moved with them.
 */
import type { Shape3D } from '../core/types.js';
import { connectedComponents } from '../ops/components.js';
import { keptKidneyComponents } from '../postprocess/kidney-components.js';
import type { Rng } from '../rng/rng.js';
import type { Box2D } from './boxes.js';

export interface DetectionCase {
  readonly id: string;
  /** Normalised image `[D, H, W]`. */
  readonly image: Float32Array;
  readonly shape: Shape3D;
  readonly pad: number;
  /** Ground-truth boxes of each axial slice. */
  readonly boxes: Box2D[][];
  /** Slices with at least one box. */
  readonly positives: number[];
}

/** Per-slice boxes of the two largest kidney+tumour components of a label map. */
export function kidneySliceBoxes(label: ArrayLike<number>, shape: Shape3D): Box2D[][] {
  const [D, H, W] = shape;
  const fg = new Uint8Array(label.length);
  for (let i = 0; i < fg.length; i++) fg[i] = label[i]! > 0 ? 1 : 0;
  const cc = connectedComponents(fg, shape, 26);
  const kept = keptKidneyComponents(cc.sizes, Infinity);
  const out: Box2D[][] = [];
  for (let d = 0; d < D; d++) {
    const lo = kept.map(() => [Infinity, Infinity]);
    const hi = kept.map(() => [-1, -1]);
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++) {
        const k = kept.indexOf(cc.labels[(d * H + h) * W + w]!);
        if (k < 0) continue;
        lo[k]![0] = Math.min(lo[k]![0]!, h);
        lo[k]![1] = Math.min(lo[k]![1]!, w);
        hi[k]![0] = Math.max(hi[k]![0]!, h + 1);
        hi[k]![1] = Math.max(hi[k]![1]!, w + 1);
      }
    out.push(
      kept.flatMap((_, k) =>
        hi[k]![0]! < 0 ? [] : [[lo[k]![0]!, lo[k]![1]!, hi[k]![0]!, hi[k]![1]!] as const],
      ),
    );
  }
  return out;
}

export function detectionCase(p: {
  readonly id: string;
  readonly image: Float32Array;
  readonly label: ArrayLike<number>;
  readonly shape: Shape3D;
  readonly pad: number;
}): DetectionCase {
  const boxes = kidneySliceBoxes(p.label, p.shape);
  const positives = boxes.flatMap((b, d) => (b.length > 0 ? [d] : []));
  return { id: p.id, image: p.image, shape: p.shape, pad: p.pad, boxes, positives };
}

/**
 * Slice `d` of `c` on an `h × w` canvas whose row/column 0 is source row/column `offset`
 * (negative: padding first), with its boxes moved and clipped; boxes thinner than a pixel are dropped.
 */
export function placeSlice(
  c: DetectionCase,
  d: number,
  h: number,
  w: number,
  offset: readonly [number, number],
): { image: Float32Array; boxes: Box2D[] } {
  const [, H, W] = c.shape;
  const image = new Float32Array(h * w).fill(c.pad);
  const [oy, ox] = offset;
  for (let y = 0; y < h; y++) {
    const sy = y + oy;
    if (sy < 0 || sy >= H) continue;
    for (let x = 0; x < w; x++) {
      const sx = x + ox;
      if (sx >= 0 && sx < W) image[y * w + x] = c.image[(d * H + sy) * W + sx]!;
    }
  }
  const boxes = c.boxes[d]!.flatMap((b) => {
    const m: Box2D = [
      Math.max(b[0] - oy, 0),
      Math.max(b[1] - ox, 0),
      Math.min(b[2] - oy, h),
      Math.min(b[3] - ox, w),
    ];
    return m[2] - m[0] >= 1 && m[3] - m[1] >= 1 ? [m] : [];
  });
  return { image, boxes };
}

export interface DetectionBatch {
  /** `[B, h, w, 1]` flat. */
  readonly x: Float32Array;
  readonly shape: [number, number, number, number];
  readonly boxes: Box2D[][];
}

/** `batch` slices: a slice with a kidney with probability `positiveShare`, any slice otherwise. */
export function sampleDetectionBatch(
  cases: readonly DetectionCase[],
  size: readonly [number, number],
  batch: number,
  positiveShare: number,
  rng: Rng,
): DetectionBatch {
  const [h, w] = size;
  const x = new Float32Array(batch * h * w);
  const boxes: Box2D[][] = [];
  for (let b = 0; b < batch; b++) {
    const c = rng.pick(cases);
    const d =
      c.positives.length > 0 && rng.bernoulli(positiveShare)
        ? rng.pick(c.positives)
        : rng.int(0, c.shape[0] - 1);
    const [, H, W] = c.shape;
    const off = (n: number, m: number) => (n <= m ? -rng.int(0, m - n) : rng.int(0, n - m));
    const s = placeSlice(c, d, h, w, [off(H, h), off(W, w)]);
    x.set(s.image, b * h * w);
    boxes.push(s.boxes);
  }
  return { x, shape: [batch, h, w, 1], boxes };
}
