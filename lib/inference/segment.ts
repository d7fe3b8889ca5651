/**
 * Whole-case segmentation on the canonical grid: one stage on the body box, or the two-stage
 * cascade — stage 1 on the body box at coarse spacing, kidney boxes from its prediction, stage 2
 * on each box (grown by a margin) with the stage-1 mask as spatial prior, pasted back. Then the
 * configured post-processing. Labels come back at the input's full resolution.
 */
import type { Config } from '../config/schema/index.js';
import type { Shape3D } from '../core/types.js';
import { bodyBox } from '../data/fingerprint.js';
import { boxShape, type Box } from '../ops/crop.js';
import { postprocess, type PostprocessReport } from '../postprocess/index.js';
import { keepLargestComponent, kidneyBoxes } from '../postprocess/kidney-components.js';
import { labelOf, regionProbability, resampleVisit } from './resample-back.js';
import type { BoxCounts } from '../detection/metrics.js';
import type { CaseImage, Localizer } from './localization.js';
import { predictBox, type BoxPrediction, type Stage } from './stage.js';

export type { CaseImage } from './localization.js';

export interface RegionProbabilities {
  readonly kidney: Float32Array;
  readonly tumor: Float32Array;
}

export interface Segmentation {
  /** Labels 0/1/2 on the canonical grid, before post-processing. */
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
}

/** Labels of one box prediction on its original-grid box, optionally filtered, pasted by max. */
function paste(
  pred: BoxPrediction,
  stage: Stage,
  out: Uint8Array,
  shape: Shape3D,
  probs: RegionProbabilities | null,
  largestOnly: boolean,
): void {
  const bs = boxShape(pred.box);
  const local = new Uint8Array(bs[0] * bs[1] * bs[2]);
  const pk = probs === null ? null : new Float32Array(local.length);
  const pt = probs === null ? null : new Float32Array(local.length);
  resampleVisit(pred.probs, pred.gridShape, stage.outChannels, bs, (i, v) => {
    local[i] = labelOf(v, stage.encoding);
    if (pk !== null) {
      pk[i] = regionProbability(v, stage.encoding, 'kidney');
      pt![i] = regionProbability(v, stage.encoding, 'tumor');
    }
  });
  if (largestOnly) keepLargestComponent(local, bs, 26);
  const [, H, W] = shape;
  let o = 0;
  for (let d = pred.box.lo[0]; d < pred.box.hi[0]; d++)
    for (let h = pred.box.lo[1]; h < pred.box.hi[1]; h++)
      for (let w = pred.box.lo[2]; w < pred.box.hi[2]; w++, o++) {
        const i = (d * H + h) * W + w;
        if (local[o]! > out[i]!) out[i] = local[o]!;
        if (probs !== null) {
          probs.kidney[i] = Math.max(probs.kidney[i]!, pk![o]!);
          probs.tumor[i] = Math.max(probs.tumor[i]!, pt![o]!);
        }
      }
}

function newProbs(n: number, on: boolean): RegionProbabilities | null {
  return on ? { kidney: new Float32Array(n), tumor: new Float32Array(n) } : null;
}

/** One stage over the body box. */
export function segmentSingle(stage: Stage, image: CaseImage, opts: SegmentOptions): Uint8Array {
  const n = image.shape[0] * image.shape[1] * image.shape[2];
  const out = new Uint8Array(n);
  const box = bodyBox(image.data, image.shape);
  const pred = predictBox(stage, image, box, undefined, (d, t) => opts.onWindow?.(stage.cfg.name, d, t));
  paste(pred, stage, out, image.shape, null, false);
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
  const probs = newProbs(n, opts.probabilities);
  let raw: Uint8Array;
  let boxes: Box[] = [];
  let detection: BoxCounts[] | null = null;
  if (stage1 === null) {
    raw = new Uint8Array(n);
    const box = bodyBox(image.data, image.shape);
    const pred = predictBox(main, image, box, undefined, (d, t) => opts.onWindow?.(main.cfg.name, d, t));
    paste(pred, main, raw, image.shape, probs, false);
  } else {
    const loc = stage1.locate(image, {
      ...(opts.reference === undefined ? {} : { reference: opts.reference }),
      ...(opts.onWindow === undefined ? {} : { onWindow: opts.onWindow }),
    });
    const coarse = loc.mask;
    detection = loc.counts;
    const prior = coarse.map((v) => (v > 0 ? 1 : 0));
    const rule = main.cfg.inference.cascade ?? { marginMm: [10, 10, 10] };
    boxes = kidneyBoxes(coarse, image.shape, image.spacingMm, rule);
    raw = new Uint8Array(n);
    for (const box of boxes) {
      const pred = predictBox(main, image, box, prior, (d, t) => opts.onWindow?.(main.cfg.name, d, t));
      paste(pred, main, raw, image.shape, probs, opts.postprocess.largestPerCrop);
    }
  }
  const labels = raw.slice();
  const report = postprocess(labels, image.data, image.shape, image.spacingMm, opts.postprocess);
  return { raw, labels, probabilities: probs, postprocess: report, boxes, detection };
}
