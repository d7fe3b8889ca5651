/**
 * Config schema: the network. One discriminated union keyed by `type`, which equals the model
 * registry key. Architecture is stored as data, so a run folder fully describes its network.
 * Defaults are each paper's values (see configs/models/); every structural choice is a key.
 */
import { z } from 'zod';

const Pos = z.number().int().positive();
const Int3 = z.tuple([Pos, Pos, Pos]);
const Int2 = z.tuple([Pos, Pos]);

const Common = {
  /** Input channels: 1 for CT, 2 with a spatial-prior channel (stage-1 mask). */
  inChannels: Pos.default(1),
  baseFilters: Pos.default(30),
  /** Filters double per level up to this cap (nnU-Net: 320). */
  maxFilters: Pos.default(320),
  norm: z.enum(['none', 'batch', 'instance']).default('instance'),
  activation: z.enum(['relu', 'leaky', 'prelu', 'elu']).default('leaky'),
  upsampling: z.enum(['transposed', 'nearestConv', 'trilinear']).default('transposed'),
  /** `softmax` over {background, kidney, tumour}, or `sigmoid` over regions {kidney+tumour, tumour}. */
  outActivation: z.enum(['softmax', 'sigmoid']).default('softmax'),
  /** Output channels: 3 for softmax classes, 2 for sigmoid regions, 1 for a single-region model. */
  outChannels: Pos.default(3),
};

export const Unet3dSchema = z.strictObject({
  type: z.literal('unet3d'),
  ...Common,
  /** Per-level pooling factors [D, H, W]; levels = length + 1. Zhang et al.: (4, 5, 5) poolings of 80×160×160. */
  poolSchedule: z
    .array(Int3)
    .min(1)
    .default([
      [1, 2, 2],
      [2, 2, 2],
      [2, 2, 2],
      [2, 2, 2],
      [2, 2, 2],
    ]),
  kernelSize: Int3.default([3, 3, 3]),
  convsPerLevel: Pos.default(2),
});

export const Unet2dSchema = z.strictObject({
  type: z.literal('unet2d'),
  ...Common,
  baseFilters: Pos.default(64),
  maxFilters: Pos.default(1024),
  norm: z.enum(['none', 'batch', 'instance']).default('batch'),
  activation: z.enum(['relu', 'leaky', 'prelu', 'elu']).default('relu'),
  outActivation: z.enum(['softmax', 'sigmoid']).default('sigmoid'),
  outChannels: Pos.default(1),
  /** Per-level pooling factors [H, W]; the original U-Net pools 2×2 four times. */
  poolSchedule: z
    .array(Int2)
    .min(1)
    .default([
      [2, 2],
      [2, 2],
      [2, 2],
      [2, 2],
    ]),
  kernelSize: Int2.default([3, 3]),
  convsPerLevel: Pos.default(2),
});

export const ResUnet3dSchema = z.strictObject({
  type: z.literal('resunet3d'),
  ...Common,
  activation: z.enum(['relu', 'leaky', 'prelu', 'elu']).default('relu'),
  /** Strided-conv downsampling factors; Zhang et al. stage 2: (3, 5, 5) per axis. */
  strideSchedule: z
    .array(Int3)
    .min(1)
    .default([
      [1, 2, 2],
      [1, 2, 2],
      [2, 2, 2],
      [2, 2, 2],
      [2, 2, 2],
    ]),
  firstKernel: Int3.default([1, 3, 3]),
  kernelSize: Int3.default([3, 3, 3]),
  /** Residual blocks per encoder level. */
  blocksPerLevel: Pos.default(1),
  /** Extra outputs at every lower decoder resolution, lowest excluded (nnU-Net). */
  deepSupervision: z.boolean().default(true),
  /** Identity (and 1×1×1 projection) shortcuts round each block; false: plain double convolutions. */
  residual: z.boolean().default(true),
});

/** V-Net options (Milletari et al.): convolutions per stage finest first, the last is the bottom stage. */
const VnetShape = {
  ...Common,
  baseFilters: Pos.default(16),
  maxFilters: Pos.default(256),
  norm: z.enum(['none', 'batch', 'instance']).default('none'),
  activation: z.enum(['relu', 'leaky', 'prelu', 'elu']).default('prelu'),
  convsPerStage: z.array(Pos).min(2).default([1, 2, 3, 3, 3]),
  kernelSize: Int3.default([5, 5, 5]),
  downFactor: Int3.default([2, 2, 2]),
};

export const VnetSchema = z.strictObject({ type: z.literal('vnet'), ...VnetShape });

/** Wei et al.'s phase-2 pair: two V-Nets of the same shape, decoder features of the first added into the second. */
export const VnetPairSchema = z.strictObject({ type: z.literal('vnetPair'), ...VnetShape });

export const BoundaryAwareSchema = z.strictObject({
  type: z.literal('boundaryAware'),
  ...Common,
  baseFilters: Pos.default(16),
  maxFilters: Pos.default(256),
  activation: z.enum(['relu', 'leaky', 'prelu', 'elu']).default('relu'),
  upsampling: z.enum(['transposed', 'nearestConv', 'trilinear']).default('trilinear'),
  outActivation: z.enum(['softmax', 'sigmoid']).default('sigmoid'),
  /** Two sigmoid regions: kidney+tumour and tumour. */
  outChannels: Pos.default(2),
  /** Strided 3×3×3 downsamplings (each doubles the features); 176³ crops → 11³ at the bottom. */
  downsamplings: Pos.default(4),
  bottomBlocks: Pos.default(4),
  /** Switch the boundary stream off for the ablation (plain encoder–decoder, one output). */
  boundaryStream: z.boolean().default(true),
});

/**
 * Faster R-CNN kidney detector on axial slices (the detection-cascade paper; Ren et al. 2015).
 * Defaults are the paper's ResNet-50 (bottleneck conv2_x–conv4_x as feature extractor at stride
 * 16, conv5_x as box head on 14 × 14 RoI crops); `configs/detector.yaml` sets a light ResNet for
 * CPU. Classes: background and kidney (one box per kidney, its tumours inside).
 */
export const FasterRcnnSchema = z.strictObject({
  type: z.literal('fasterRcnn'),
  inChannels: Pos.default(1),
  /** Softmax over {background, kidney}; fixed, kept so every model type names its output. */
  outActivation: z.literal('softmax').default('softmax'),
  outChannels: z.literal(2).default(2),
  norm: z.enum(['none', 'batch']).default('batch'),
  block: z.enum(['bottleneck', 'basic']).default('bottleneck'),
  stemFilters: Pos.default(64),
  /** Output filters of conv2_x, conv3_x, conv4_x, …; blocks and stride (1 or 2) of each stage. */
  stageFilters: z.array(Pos).min(1).default([256, 512, 1024]),
  stageBlocks: z.array(Pos).min(1).default([3, 4, 6]),
  /** The feature map's stride is 4 (stem) × the product: ResNet's conv4_x sits at 16. */
  stageStrides: z
    .array(z.union([z.literal(1), z.literal(2)]))
    .min(1)
    .default([1, 2, 2]),
  /** The box head: conv5_x on the RoI crops (stride 2), global average pooling, then the two outputs. */
  headFilters: Pos.default(2048),
  headBlocks: Pos.default(3),
  rpnChannels: Pos.default(512),
  /** Anchor sides in input pixels (area = size²) and height/width ratios. */
  anchorSizes: z.array(z.number().positive()).min(1).default([32, 64, 128, 256]),
  anchorRatios: z.array(z.number().positive()).min(1).default([0.5, 1, 2]),
  /** RoI crop side on the feature map (the head halves it). */
  roiSize: Pos.default(14),
  rpn: z
    .strictObject({
      batch: Pos.default(256),
      positiveFraction: z.number().gt(0).lt(1).default(0.5),
      positiveIou: z.number().min(0).max(1).default(0.7),
      negativeIou: z.number().min(0).max(1).default(0.3),
      preNms: Pos.default(6000),
      /** Proposals kept after NMS (the paper: 300). */
      postNms: Pos.default(300),
      nmsIou: z.number().min(0).max(1).default(0.7),
      /** Proposals narrower than this (pixels) are dropped. */
      minSize: z.number().nonnegative().default(2),
    })
    .prefault({}),
  roi: z
    .strictObject({
      /** RoIs per slice for the head loss, positives and negatives 1:1. */
      batch: Pos.default(64),
      positiveFraction: z.number().gt(0).lt(1).default(0.5),
      positiveIou: z.number().min(0).max(1).default(0.5),
    })
    .prefault({}),
  /** Output filter: kidney probability threshold, NMS IoU, detections per slice. */
  scoreThreshold: z.number().min(0).max(1).default(0.5),
  nmsIou: z.number().min(0).max(1).default(0.3),
  detectionsPerSlice: Pos.default(4),
  /** A tfjs-format model folder (`model.json` + weights) whose weights are copied by layer name. */
  pretrained: z.string().nullable().default(null),
});

export const ModelSchema = z.discriminatedUnion('type', [
  Unet3dSchema,
  Unet2dSchema,
  ResUnet3dSchema,
  VnetSchema,
  VnetPairSchema,
  BoundaryAwareSchema,
  FasterRcnnSchema,
]);
export type ModelConfig = z.infer<typeof ModelSchema>;
export type Unet3dConfig = z.infer<typeof Unet3dSchema>;
export type Unet2dConfig = z.infer<typeof Unet2dSchema>;
export type ResUnet3dConfig = z.infer<typeof ResUnet3dSchema>;
export type VnetConfig = z.infer<typeof VnetSchema>;
export type VnetPairConfig = z.infer<typeof VnetPairSchema>;
export type BoundaryAwareConfig = z.infer<typeof BoundaryAwareSchema>;
export type FasterRcnnConfig = z.infer<typeof FasterRcnnSchema>;

/** What a model is trained for: voxel labels, or kidney boxes on slices. */
export type TaskName = 'segmentation' | 'detection';

/** Facts about a model type that the trainer, inference and the rules of the schema ask. */
export interface ModelTraits<M = ModelConfig> {
  readonly task: TaskName;
  /** 2: the network sees axial slices `[B, H, W, C]` (patchSize must be `[1, H, W]`); 3: patches. */
  readonly dims: 2 | 3;
  /** `train.patchSize` must be a multiple of this on each axis: the network's total downsampling. */
  readonly patchMultiple: (model: M) => readonly [number, number, number];
}

const product = (factors: readonly (readonly number[])[], axis: number) =>
  factors.reduce((p, f) => p * f[axis]!, 1);
const products3 = (factors: readonly (readonly number[])[]): [number, number, number] => [
  product(factors, 0),
  product(factors, 1),
  product(factors, 2),
];
const vnetMultiple = (m: VnetConfig | VnetPairConfig): [number, number, number] => {
  const downs = m.convsPerStage.length - 1;
  return [m.downFactor[0] ** downs, m.downFactor[1] ** downs, m.downFactor[2] ** downs];
};

/** Every model type's traits (exhaustive: a new model type does not compile without its entry). */
export const MODEL_TRAITS: {
  readonly [K in ModelConfig['type']]: ModelTraits<Extract<ModelConfig, { type: K }>>;
} = {
  unet3d: {
    task: 'segmentation',
    dims: 3,
    patchMultiple: (m) => products3(m.poolSchedule),
  },
  unet2d: {
    task: 'segmentation',
    dims: 2,
    patchMultiple: (m) => [1, product(m.poolSchedule, 0), product(m.poolSchedule, 1)],
  },
  resunet3d: {
    task: 'segmentation',
    dims: 3,
    patchMultiple: (m) => products3(m.strideSchedule),
  },
  vnet: { task: 'segmentation', dims: 3, patchMultiple: vnetMultiple },
  vnetPair: { task: 'segmentation', dims: 3, patchMultiple: vnetMultiple },
  boundaryAware: {
    task: 'segmentation',
    dims: 3,
    patchMultiple: (m) => [2 ** m.downsamplings, 2 ** m.downsamplings, 2 ** m.downsamplings],
  },
  // The stem downsamples by 4, then each stage by its stride.
  fasterRcnn: {
    task: 'detection',
    dims: 2,
    patchMultiple: (m) => {
      const s = m.stageStrides.reduce((a, b) => a * b, 4);
      return [1, s, s];
    },
  },
};

/** The traits of `model`'s type. */
export function modelTraits(model: ModelConfig): ModelTraits {
  return MODEL_TRAITS[model.type] as ModelTraits;
}
