/**
 * Trains whatever a config describes: a segmentation network through the patch trainer, or a
 * Faster R-CNN detector (`model.type: fasterRcnn`) through the detector trainer. `kitseg train`
 * and `kitseg experiment run` both come through here.
 */
import type { Config } from '../config/schema/index.js';
import { trainDetector, type DetectorTrainSummary } from '../detection/train.js';
import { train, type TrainOptions, type TrainSummary } from './trainer.js';

export type TrainResult =
  | { readonly kind: 'segmentation'; readonly summary: TrainSummary }
  | { readonly kind: 'detector'; readonly summary: DetectorTrainSummary };

export async function trainConfig(cfg: Config, opts: TrainOptions): Promise<TrainResult> {
  if (cfg.model.type === 'fasterRcnn') return { kind: 'detector', summary: await trainDetector(cfg, opts) };
  return { kind: 'segmentation', summary: await train(cfg, opts) };
}
