/**
 * Whole-case segmentation on the canonical grid: one stage on the body box, or the two-stage
 * cascade — stage 1 on the body box at coarse spacing, kidney boxes from its prediction, stage 2
 * on each box (grown by a margin) with the stage-1 mask as spatial prior, pasted back. Then the
 * configured post-processing. Labels come back at the input's full resolution.
 */
import type { Config } from '../config/schema/index.js';
import type { Shape3D } from '../core/types.js';
import { bodyBox, boxShape, type Box } from '../ops/crop.js';
import { postprocess, type PostprocessReport } from '../postprocess/index.js';
import { keepLargestComponent, kidneyBoxes } from '../postprocess/kidney-components.js';
import { labelOf, regionProbability, resampleVisit } from './resample-back.js';
import type { BoxCounts } from '../detection/metrics.js';
import type { CaseImage, Localizer } from './localization.js';
import { predictBox, type BoxPrediction, type Stage } from './stage.js';

export type { CaseImage } from './localization.js';

export type Region = 'kidney' | 'tumor';

/**
 * Region probabilities on the canonical grid, kept as the boxes' network-grid predictions: a map is
 * painted on demand, one at a time, so a 600-slice case never holds two full-resolution maps.
 */
export interface RegionProbabilities {
  /**
   * Paints the region's probability (max over overlapping boxes) into `out`, zero elsewhere:
   * canonical voxel `i` goes to `out[index(i)]` (default: `i`, the canonical grid).
   */
  paint(region: Region, out: Float32Array, index?: (i: number) => number): void;
}

export interface Segmentation {
  /** Labels 0/1/2 on the canonical grid, before post-processing (`labels` itself with `keepRaw: false`). */
  readonly raw: Uint8Array;
  /** After the configured post-processing (a copy; equals `raw` when none is configured). */
  readonly labels: Uint8Array;
  readonly probabilities: RegionProbabilities | null;
  readonly postprocess: PostprocessReport;
  /** Stage-2 boxes (cascade only). */
  readonly boxes: Box[];
  /** Detection cascade with a reference: per-slice box matches of the detector. */
  readonly detection: BoxCounts[] | null;
}

export interface SegmentOptions {
  readonly probabilities: boolean;
  readonly postprocess: Config['postprocess'];
  readonly onWindow?: (stage: string, done: number, total: number) => void;
  /** The reference labels (evaluation): a detector localizer then scores its boxes. */
  readonly reference?: ArrayLike<number>;
  /** false: post-process the raw labels in place (no second full-resolution array). Default true. */
  readonly keepRaw?: boolean;
}

/**
 * Labels of one box prediction on its original-grid box, pasted by max into `out`. With
 * `largestOnly` the box's labels are filtered first, through a box-sized buffer; otherwise they go
 * straight into the volume, with no full-resolution copy.
 */
function paste(
  pred: BoxPrediction,
  stage: Stage,
  out: Uint8Array,
  shape: Shape3D,
  largestOnly: boolean,
): void {
  const bs = boxShape(pred.box);
  const enc = stage.encoding;
  if (!largestOnly) {
    resampleVisit(
      pred.probs,
      pred.gridShape,
      stage.outChannels,
      bs,
      (i, v) => {
        const l = labelOf(v, enc);
        if (l > out[i]!) out[i] = l;
      },
      { shape, lo: pred.box.lo },
    );
    return;
  }
  const local = new Uint8Array(bs[0] * bs[1] * bs[2]);
  resampleVisit(pred.probs, pred.gridShape, stage.outChannels, bs, (i, v) => {
    local[i] = labelOf(v, enc);
  });
  keepLargestComponent(local, bs, 26);
  const [, H, W] = shape;
  let o = 0;
  for (let d = pred.box.lo[0]; d < pred.box.hi[0]; d++)
    for (let h = pred.box.lo[1]; h < pred.box.hi[1]; h++)
      for (let w = pred.box.lo[2]; w < pred.box.hi[2]; w++, o++) {
        const i = (d * H + h) * W + w;
        if (local[o]! > out[i]!) out[i] = local[o]!;
      }
}

/** The probabilities of `preds`, painted on demand (unfiltered by `largestPerCrop`, as before). */
function boxProbabilities(
  preds: readonly BoxPrediction[],
  stage: Stage,
  shape: Shape3D,
): RegionProbabilities {
  return {
    paint: (region, out, index = (i) => i) => {
      for (const pred of preds)
        resampleVisit(
          pred.probs,
          pred.gridShape,
          stage.outChannels,
          boxShape(pred.box),
          (i, v) => {
            const f = index(i);
            const p = regionProbability(v, stage.encoding, region);
            if (p > out[f]!) out[f] = p;
          },
          { shape, lo: pred.box.lo },
        );
    },
  };
}

/** One stage over the body box. */
export function segmentSingle(stage: Stage, image: CaseImage, opts: SegmentOptions): Uint8Array {
  const n = image.shape[0] * image.shape[1] * image.shape[2];
  const out = new Uint8Array(n);
  const box = bodyBox(image.data, image.shape);
  const pred = predictBox(stage, image, box, undefined, (d, t) => opts.onWindow?.(stage.cfg.name, d, t));
  paste(pred, stage, out, image.shape, false);
  return out;
}

/**
 * Segments a case with `main`, through the localizer `stage1` first when given (the cascade: its
 * mask gives the kidney boxes and the spatial prior), then applies the
 * post-processing of `opts.postprocess`.
 */
export function segmentCase(
  main: Stage,
  stage1: Localizer | null,
  image: CaseImage,
  opts: SegmentOptions,
): Segmentation {
  const n = image.shape[0] * image.shape[1] * image.shape[2];
  const preds: BoxPrediction[] = [];
  let raw: Uint8Array;
  let boxes: Box[] = [];
  let detection: BoxCounts[] | null = null;
  if (stage1 === null) {
    raw = new Uint8Array(n);
    const box = bodyBox(image.data, image.shape);
    const pred = predictBox(main, image, box, undefined, (d, t) => opts.onWindow?.(main.cfg.name, d, t));
    paste(pred, main, raw, image.shape, false);
    if (opts.probabilities) preds.push(pred);
  } else {
    const loc = stage1.locate(image, {
      ...(opts.reference === undefined ? {} : { reference: opts.reference }),
      ...(opts.onWindow === undefined ? {} : { onWindow: opts.onWindow }),
    });
    const coarse = loc.mask;
    detection = loc.counts;
    const rule = main.cfg.inference.cascade ?? { marginMm: [10, 10, 10] };
    boxes = kidneyBoxes(coarse, image.shape, image.spacingMm, rule);
    // The mask becomes the 0/1 prior in place: one full-resolution array less.
    const prior = coarse;
    for (let i = 0; i < prior.length; i++) if (prior[i]! > 0) prior[i] = 1;
    raw = new Uint8Array(n);
    for (const box of boxes) {
      const pred = predictBox(main, image, box, prior, (d, t) => opts.onWindow?.(main.cfg.name, d, t));
      paste(pred, main, raw, image.shape, opts.postprocess.largestPerCrop);
      if (opts.probabilities) preds.push(pred);
    }
  }
  const labels = opts.keepRaw === false ? raw : raw.slice();
  const report = postprocess(labels, image.data, image.shape, image.spacingMm, opts.postprocess);
  const probabilities = opts.probabilities ? boxProbabilities(preds, main, image.shape) : null;
  return { raw, labels, probabilities, postprocess: report, boxes, detection };
}
