/**
 * A detector on disk: the backbone as the checkpoint's `model.json` + weights, the box head in
 * `head/`, plus the usual optimiser state and `state.json` (see training/checkpoint.ts). Pretrained
 * weights (a tfjs-format model folder, e.g. a converted ImageNet ResNet) are copied by layer name.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { FasterRcnnConfig } from '../config/schema/model.js';
import { IoError } from '../core/errors.js';
import { loadModel, saveModel } from '../io/checkpoint.js';
import type { DetectorModels } from '../models/faster-rcnn.js';
import { saveCheckpoint, type NamedTensor, type TrainState } from '../training/checkpoint.js';
import { Detector } from './detector.js';

export async function saveDetectorCheckpoint(
  dir: string,
  det: Detector,
  optimizerWeights: readonly NamedTensor[],
  state: TrainState,
): Promise<void> {
  await saveCheckpoint(dir, det.models.backbone, optimizerWeights, state, (tmp) =>
    saveModel(det.models.head, join(tmp, 'head')),
  );
}

export async function loadDetectorModels(dir: string): Promise<DetectorModels> {
  for (const p of [join(dir, 'model.json'), join(dir, 'head', 'model.json')])
    if (!existsSync(p)) throw new IoError('not a detector checkpoint (missing this file)', p);
  return { backbone: await loadModel(dir), head: await loadModel(join(dir, 'head')) };
}

export async function loadDetector(dir: string, cfg: FasterRcnnConfig): Promise<Detector> {
  return new Detector(cfg, await loadDetectorModels(dir));
}

/**
 * Copies the weights of every layer of `path`'s model whose name and weight shapes match a layer
 * of `models`; returns the names copied. A model with no matching layer is an error, not a no-op.
 */
export async function loadPretrained(models: DetectorModels, path: string): Promise<string[]> {
  if (!existsSync(join(path, 'model.json')))
    throw new IoError('no model.json in the pretrained folder', path);
  const src = await loadModel(path);
  const copied: string[] = [];
  try {
    const byName = new Map<string, tf.layers.Layer>(src.layers.map((l) => [l.name, l]));
    for (const m of [models.backbone, models.head])
      for (const layer of m.layers) {
        const from = byName.get(layer.name);
        if (from === undefined) continue;
        const w = from.getWeights();
        const ours = layer.getWeights();
        if (w.length === 0 || w.length !== ours.length) continue;
        if (!w.every((t, i) => t.shape.join() === ours[i]!.shape.join())) continue;
        layer.setWeights(w);
        copied.push(layer.name);
      }
  } finally {
    src.dispose();
  }
  if (copied.length === 0)
    throw new IoError('no layer of the pretrained model matches a detector layer by name and shape', path);
  return copied;
}
