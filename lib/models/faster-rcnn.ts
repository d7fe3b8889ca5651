/**
 * `fasterRcnn` — the detection-cascade paper's kidney detector (Ren et al. 2015 with a ResNet):
 * two LayersModels sharing nothing but the feature map between them, because RoI selection sits
 * between them and is not a layer.
 * - `backbone`: stem (7×7/2 conv, 3×3/2 max pool), residual stages conv2_x… (post-activation
 *   ResNet; bottleneck or basic blocks), then the RPN (3×3 conv, 1×1 objectness logits per anchor
 *   and 1×1 box deltas). Outputs `[features, objectness, deltas]`; fully convolutional, any slice size.
 * - `head`: conv5_x on the RoI crops (stride 2), global average pooling, class logits
 *   {background, kidney} and kidney box deltas.
 */
import * as tf from '@tensorflow/tfjs';
import { MODEL_TRAITS, type FasterRcnnConfig } from '../config/schema/model.js';
import { add, conv, seededNormal, type Sym } from './blocks.js';
import { BatchNormalization } from './layers/batch-normalization.js';

export interface DetectorModels {
  readonly backbone: tf.LayersModel;
  readonly head: tf.LayersModel;
}

const sym = (l: tf.layers.Layer, x: Sym | Sym[]) => l.apply(x) as Sym;

/** Input pixels per feature-map cell: 4 (stem) × the stage strides. */
/** RPN anchors per feature cell: one per (size, ratio); the RPN head has this many channels. */
export function anchorsPerCell(sizes: readonly number[], ratios: readonly number[]): number {
  return sizes.length * ratios.length;
}

export function featureStride(cfg: FasterRcnnConfig): number {
  return MODEL_TRAITS.fasterRcnn.patchMultiple(cfg)[1];
}

/** conv → batch norm (when configured) → ReLU (unless the block's add comes first). */
function convBn(
  x: Sym,
  f: number,
  k: number,
  s: number,
  cfg: FasterRcnnConfig,
  name: string,
  relu: boolean,
): Sym {
  let y = conv(x, f, [k, k], [s, s], `${name}_conv`);
  if (cfg.norm === 'batch') y = sym(new BatchNormalization({ name: `${name}_norm` }), y);
  return relu ? sym(tf.layers.reLU({ name: `${name}_relu` }), y) : y;
}

/** One residual block; the first block of a stage projects the shortcut (1×1, with the stride). */
function block(
  x: Sym,
  f: number,
  stride: number,
  project: boolean,
  cfg: FasterRcnnConfig,
  name: string,
): Sym {
  let y: Sym;
  if (cfg.block === 'bottleneck') {
    const w = Math.max(1, Math.floor(f / 4));
    y = convBn(x, w, 1, 1, cfg, `${name}_a`, true);
    y = convBn(y, w, 3, stride, cfg, `${name}_b`, true);
    y = convBn(y, f, 1, 1, cfg, `${name}_c`, false);
  } else {
    y = convBn(x, f, 3, stride, cfg, `${name}_a`, true);
    y = convBn(y, f, 3, 1, cfg, `${name}_b`, false);
  }
  const shortcut = project ? convBn(x, f, 1, stride, cfg, `${name}_proj`, false) : x;
  return sym(tf.layers.reLU({ name: `${name}_out` }), add([shortcut, y], `${name}_add`));
}

function stage(x: Sym, f: number, blocks: number, stride: number, cfg: FasterRcnnConfig, name: string): Sym {
  let y = x;
  for (let b = 0; b < blocks; b++) y = block(y, f, b === 0 ? stride : 1, b === 0, cfg, `${name}_${b}`);
  return y;
}

export function buildFasterRcnn(cfg: FasterRcnnConfig): DetectorModels {
  if (
    cfg.stageFilters.length !== cfg.stageBlocks.length ||
    cfg.stageFilters.length !== cfg.stageStrides.length
  )
    throw new Error('fasterRcnn: stageFilters, stageBlocks and stageStrides must have the same length');
  const image = tf.input({ shape: [null, null, cfg.inChannels], name: 'image' });
  let x = convBn(image, cfg.stemFilters, 7, 2, cfg, 'stem', true);
  x = sym(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'stem_pool' }), x);
  cfg.stageFilters.forEach((f, i) => {
    x = stage(x, f, cfg.stageBlocks[i]!, cfg.stageStrides[i]!, cfg, `conv${i + 2}`);
  });
  const features = x;
  const A = anchorsPerCell(cfg.anchorSizes, cfg.anchorRatios);
  const r = sym(
    tf.layers.conv2d({
      filters: cfg.rpnChannels,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: seededNormal(0.01),
      name: 'rpn_conv',
    }),
    features,
  );
  const out1x1 = (filters: number, name: string) =>
    sym(tf.layers.conv2d({ filters, kernelSize: 1, kernelInitializer: seededNormal(0.01), name }), r);
  const backbone = tf.model({
    inputs: image,
    outputs: [features, out1x1(A, 'rpn_objectness'), out1x1(4 * A, 'rpn_deltas')],
    name: 'fasterRcnnBackbone',
  });

  const C = cfg.stageFilters.at(-1)!;
  const roi = tf.input({ shape: [cfg.roiSize, cfg.roiSize, C], name: 'roi_features' });
  let h = stage(roi, cfg.headFilters, cfg.headBlocks, 2, cfg, `conv${cfg.stageFilters.length + 2}`);
  h = sym(tf.layers.globalAveragePooling2d({ name: 'head_pool' }), h);
  const dense = (units: number, std: number, name: string) =>
    sym(tf.layers.dense({ units, kernelInitializer: seededNormal(std), name }), h);
  const head = tf.model({
    inputs: roi,
    outputs: [dense(2, 0.01, 'cls_logits'), dense(4, 0.001, 'box_deltas')],
    name: 'fasterRcnnHead',
  });
  return { backbone, head };
}
