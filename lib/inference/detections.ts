/**
 * From slices to a volume (the detection-cascade paper): the detector runs on every axial slice of
 * the case as training saw it (body crop, target spacing, normalisation); the detected boxes are
 * stacked into a mask volume, brought back to the original grid. The cascade then keeps the two
 * largest components (the second only within 3× of the first) and cuts one crop per kidney from
 * the extent of its boxes (`kidneyBoxes`). With a reference label map, each slice's detections are
 * also matched to its ground-truth boxes (box recall and precision).
 */
import * as tf from '@tensorflow/tfjs';
import type { Shape3D } from '../core/types.js';
import { bodyBox, boxShape } from '../ops/crop.js';
import { preprocessRegion, type GridPlan, type RegionSource } from '../preprocess/pipeline.js';
import type { Interpolation } from '../transforms/resample.js';
import { resampleVisit } from './resample-back.js';
import { kidneySliceBoxes } from '../detection/data.js';
import type { Detection, Detector } from '../detection/detector.js';
import { matchSlice, type BoxCounts } from '../detection/metrics.js';

export interface CaseDetections {
  /** 1 inside a detected box, on the original grid. */
  readonly mask: Uint8Array;
  /** Detections per slice of the resampled body crop. */
  readonly slices: Detection[][];
  /** Per-slice matches with the reference's kidney boxes (when a reference was given). */
  readonly counts: BoxCounts[] | null;
}

/** Fills pixels whose centres lie inside `box` on slice `d` of a `[D, H, W]` mask. */
function fillBox(mask: Float32Array, shape: Shape3D, d: number, box: readonly number[]): void {
  const [, H, W] = shape;
  const r0 = Math.max(0, Math.ceil(box[0]! - 0.5));
  const r1 = Math.min(H, Math.ceil(box[2]! - 0.5));
  const c0 = Math.max(0, Math.ceil(box[1]! - 0.5));
  const c1 = Math.min(W, Math.ceil(box[3]! - 0.5));
  for (let r = r0; r < r1; r++) mask.fill(1, (d * H + r) * W + c0, (d * H + r) * W + c1);
}

export function detectCase(
  det: Detector,
  plan: GridPlan,
  image: RegionSource,
  opts: {
    readonly batchSize: number;
    readonly interpolation: Interpolation;
    readonly reference?: ArrayLike<number>;
  },
): CaseDetections {
  const box = bodyBox(image.data, image.shape);
  const bs = boxShape(box);
  const r = preprocessRegion(image, box, plan, {
    interpolation: opts.interpolation,
    masks: opts.reference === undefined ? [] : [opts.reference],
  });
  const grid = r.shape;
  const x = r.image;
  const pad = r.pad;
  const gts = opts.reference === undefined ? null : kidneySliceBoxes(r.masks[0]!, grid);
  const [D, H, W] = grid;
  const slices: Detection[][] = [];
  for (let d0 = 0; d0 < D; d0 += opts.batchSize) {
    const n = Math.min(opts.batchSize, D - d0);
    const t = tf.tensor4d(x.subarray(d0 * H * W, (d0 + n) * H * W), [n, H, W, 1]);
    slices.push(...det.detect(t, pad));
    t.dispose();
  }
  const gridMask = new Float32Array(D * H * W);
  slices.forEach((ds, d) => ds.forEach((o) => fillBox(gridMask, grid, d, o.box)));
  const mask = new Uint8Array(image.shape[0] * image.shape[1] * image.shape[2]);
  const [, FH, FW] = image.shape;
  const [, bh, bw] = bs;
  resampleVisit(gridMask, grid, 1, bs, (i, v) => {
    if (v[0]! < 0.5) return;
    const d = Math.floor(i / (bh * bw));
    const h = Math.floor(i / bw) % bh;
    const w = i % bw;
    mask[((box.lo[0] + d) * FH + box.lo[1] + h) * FW + box.lo[2] + w] = 1;
  });
  const counts = gts === null ? null : slices.map((ds, d) => matchSlice(ds, gts[d]!, 0.5));
  return { mask, slices, counts };
}
