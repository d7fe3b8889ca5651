/**
 * A Faster R-CNN detector ready to run: its config, the two networks, anchors cached per feature
 * map size, and the host-side steps between the networks — proposals (decode, clip, drop tiny,
 * top-k, NMS) and the final per-slice detections (softmax, decode, threshold, NMS).
 */
import * as tf from '@tensorflow/tfjs';
import type { FasterRcnnConfig } from '../config/schema/model.js';
import { featureStride, type DetectorModels } from '../models/faster-rcnn.js';
import { generateAnchors } from './anchors.js';
import { boxAt, clip, decode, type Box2D, type DeltaWeights } from './boxes.js';
import { nonMaxSuppression } from './nms.js';
import { cropAndResize, roiBoxes } from './roi-crop.js';

export const RPN_WEIGHTS: DeltaWeights = [1, 1, 1, 1];
export const HEAD_WEIGHTS: DeltaWeights = [10, 10, 5, 5];

export interface Detection {
  readonly box: Box2D;
  readonly score: number;
}

export interface Proposals {
  readonly boxes: Box2D[];
  readonly scores: number[];
}

export class Detector {
  readonly stride: number;
  private readonly anchorCache = new Map<string, Float32Array>();

  constructor(
    readonly cfg: FasterRcnnConfig,
    readonly models: DetectorModels,
  ) {
    this.stride = featureStride(cfg);
  }

  /** Every trainable weight of both networks. */
  get trainableWeights(): tf.LayerVariable[] {
    return [...this.models.backbone.trainableWeights, ...this.models.head.trainableWeights];
  }

  anchors(fh: number, fw: number): Float32Array {
    const key = `${fh}x${fw}`;
    let a = this.anchorCache.get(key);
    if (a === undefined) {
      a = generateAnchors(fh, fw, this.stride, this.cfg.anchorSizes, this.cfg.anchorRatios);
      this.anchorCache.set(key, a);
    }
    return a;
  }

  /**
   * RPN proposals of one image from its objectness logits (N = fh·fw·A) and deltas (N × 4), on an
   * `H × W` image: decoded, clipped, tiny ones dropped, top `preNms` by score, NMS, `postNms` kept.
   */
  proposals(
    obj: Float32Array,
    deltas: Float32Array,
    fh: number,
    fw: number,
    H: number,
    W: number,
  ): Proposals {
    const anchors = this.anchors(fh, fw);
    const r = this.cfg.rpn;
    const order = Array.from({ length: obj.length }, (_, i) => i)
      .sort((a, b) => obj[b]! - obj[a]! || a - b)
      .slice(0, r.preNms);
    const flat = new Float32Array(order.length * 4);
    const scores: number[] = [];
    let n = 0;
    for (const i of order) {
      const d = [deltas[4 * i]!, deltas[4 * i + 1]!, deltas[4 * i + 2]!, deltas[4 * i + 3]!] as const;
      const b = clip(decode(boxAt(anchors, i), d, RPN_WEIGHTS), H, W);
      if (b[2] - b[0] < r.minSize || b[3] - b[1] < r.minSize) continue;
      flat.set(b, 4 * n++);
      scores.push(obj[i]!);
    }
    const kept = nonMaxSuppression(flat.subarray(0, 4 * n), scores, r.nmsIou, r.postNms);
    return { boxes: kept.map((k) => boxAt(flat, k)), scores: kept.map((k) => scores[k]!) };
  }

  /** RoI crops of `features` for the head: `[R, roiSize, roiSize, C]`. */
  crops(features: tf.Tensor4D, boxes: readonly Box2D[], boxIndex: readonly number[]): tf.Tensor4D {
    const [, fh, fw] = features.shape;
    const size = this.cfg.roiSize;
    return cropAndResize(features, roiBoxes(boxes, this.stride, fh, fw, size), boxIndex, size);
  }

  /**
   * Detections per image of a batch `[B, H, W, C]` (normalised slices). The batch is padded with
   * `padValue` at the bottom and right to a multiple of the stride: TF-style "same" padding depends on
   * the parity of each level's size, so only then do the feature cells sit on the pixels they sat on
   * in training (whose canvas is such a multiple).
   */
  detect(x: tf.Tensor4D, padValue: number): Detection[][] {
    const [B, H, W] = x.shape;
    let result: Detection[][] = [];
    // tidy's callback returns tensors only: the host-side result is assigned from inside.
    tf.tidy(() => {
      const up = (n: number) => Math.ceil(n / this.stride) * this.stride;
      const padded =
        up(H) === H && up(W) === W
          ? x
          : x.pad(
              [
                [0, 0],
                [0, up(H) - H],
                [0, up(W) - W],
                [0, 0],
              ],
              padValue,
            );
      const [feat, obj, del] = this.models.backbone.predict(padded) as tf.Tensor4D[];
      const [, fh, fw] = feat!.shape;
      const objAll = obj!.dataSync() as Float32Array;
      const delAll = del!.dataSync() as Float32Array;
      const per = objAll.length / B;
      const props: Proposals[] = [];
      for (let b = 0; b < B; b++)
        props.push(
          this.proposals(
            objAll.subarray(b * per, (b + 1) * per),
            delAll.subarray(4 * b * per, 4 * (b + 1) * per),
            fh,
            fw,
            H,
            W,
          ),
        );
      const boxes = props.flatMap((p) => p.boxes);
      const index = props.flatMap((p, b) => p.boxes.map(() => b));
      if (boxes.length === 0) {
        result = props.map(() => []);
        return;
      }
      const [logits, deltas] = this.models.head.predict(this.crops(feat!, boxes, index)) as tf.Tensor2D[];
      const prob = tf.softmax(logits!).dataSync();
      const d = deltas!.dataSync();
      const out: Detection[][] = props.map(() => []);
      const perImage = props.map(() => ({ flat: [] as number[], scores: [] as number[] }));
      boxes.forEach((p, r) => {
        const score = prob[2 * r + 1]!;
        if (score < this.cfg.scoreThreshold) return;
        const b = clip(
          decode(p, [d[4 * r]!, d[4 * r + 1]!, d[4 * r + 2]!, d[4 * r + 3]!], HEAD_WEIGHTS),
          H,
          W,
        );
        if (b[2] - b[0] <= 0 || b[3] - b[1] <= 0) return;
        perImage[index[r]!]!.flat.push(...b);
        perImage[index[r]!]!.scores.push(score);
      });
      perImage.forEach((p, b) => {
        const kept = nonMaxSuppression(p.flat, p.scores, this.cfg.nmsIou, this.cfg.detectionsPerSlice);
        out[b] = kept.map((k) => ({ box: boxAt(p.flat, k), score: p.scores[k]! }));
      });
      result = out;
    });
    return result;
  }

  dispose(): void {
    this.models.backbone.dispose();
    this.models.head.dispose();
  }
}
