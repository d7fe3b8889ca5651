/** Model summaries as data: layers with class, output shape and parameter count. */
import type * as tf from '@tensorflow/tfjs';
import type { Config } from '../config/schema/index.js';
import { networkPatch } from '../config/traits.js';
import { buildFasterRcnn } from './faster-rcnn.js';
import { buildModel } from './index.js';

export interface LayerSummary {
  readonly name: string;
  readonly className: string;
  readonly outputShape: (number | null)[] | (number | null)[][];
  readonly params: number;
}

export interface ModelSummary {
  readonly type: string;
  readonly patchSize: number[];
  readonly params: number;
  readonly trainableParams: number;
  readonly outputs: (number | null)[][];
  readonly layers: LayerSummary[];
}

export function summarize(model: tf.LayersModel, type: string, patchSize: number[]): ModelSummary {
  const layers = model.layers.map((l) => ({
    name: l.name,
    className: l.getClassName(),
    outputShape: l.outputShape as LayerSummary['outputShape'],
    params: l.countParams(),
  }));
  const trainable = model.trainableWeights.reduce(
    (n, w) => n + (w.shape as number[]).reduce((a, b) => a * b, 1),
    0,
  );
  return {
    type,
    patchSize,
    params: model.countParams(),
    trainableParams: trainable,
    outputs: model.outputs.map((o) => o.shape),
    layers,
  };
}

/** Builds the config's model and summarises it (disposing the weights afterwards). */
export function summarizeConfig(cfg: Config): ModelSummary {
  const patch = networkPatch(cfg);
  if (cfg.model.type === 'fasterRcnn') {
    // The detector's two networks, backbone + RPN first, then the box head.
    const m = buildFasterRcnn(cfg.model);
    try {
      const [b, h] = [
        summarize(m.backbone, 'fasterRcnn', patch.slice(1)),
        summarize(m.head, 'fasterRcnn', []),
      ];
      return {
        ...b,
        params: b.params + h.params,
        trainableParams: b.trainableParams + h.trainableParams,
        outputs: [...b.outputs, ...h.outputs],
        layers: [...b.layers, ...h.layers],
      };
    } finally {
      m.backbone.dispose();
      m.head.dispose();
    }
  }
  const model = buildModel(cfg.model, patch);
  try {
    return summarize(model, cfg.model.type, patch);
  } finally {
    model.dispose();
  }
}
