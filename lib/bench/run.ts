/**
 * `kitseg bench`: times the reference 3D U-Net train step and per-patch inference on the active
 * backend, plus one 3D convolution kernel alone, and reports achieved GFLOP/s. A benchmark
 * reports; nothing here asserts a time.
 */
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import { useConvPrecision, type Precision } from '../backend/precision.js';
import type { Config } from '../config/schema/index.js';
import { traitsOf, networkPatch } from '../config/traits.js';
import { UsageError } from '../core/errors.js';
import { buildLoss } from '../losses/index.js';
import { codingOf } from '../losses/targets.js';
import { buildModel } from '../models/index.js';
import { Rng } from '../rng/rng.js';
import { FusedAdam } from '../training/adam.js';
import { makeOptimizer } from '../training/loop.js';
import { profileStep, type StepProfile } from './profile.js';
import { diceCeLoss, referenceUnet } from './reference-unet.js';

export interface BenchOptions {
  readonly patch: number;
  readonly batch: number;
  readonly base: number;
  readonly steps: number;
  readonly levels?: number;
  /** Convolution precision (default fp32). */
  readonly precision?: Precision;
  /** Also time the three convolutions of `CONV_SHAPES` alone (default true). */
  readonly convBench?: boolean;
}

export interface BenchResult {
  readonly backend: string;
  readonly precision: Precision;
  readonly patch: number;
  readonly batch: number;
  readonly base: number;
  readonly params: number;
  /** Forward conv GFLOP of one training batch. */
  readonly forwardGflop: number;
  readonly trainStepMs: number;
  readonly inferPatchMs: number;
  /** Conv FLOPs per second over the whole step (forward + 2× for backward). */
  readonly trainGflops: number;
  readonly inferGflops: number;
  readonly conv3d: { shape: string; ms: number; gflops: number }[];
}

const now = () => performance.now();

/** Mean time of `reps` runs of `fn` after one warm-up run. */
function timeIt(reps: number, fn: () => void): number {
  fn();
  const t0 = now();
  for (let i = 0; i < reps; i++) fn();
  return (now() - t0) / reps;
}

/** Conv3D shapes timed alone: the brief's 16→16 example and the reference U-Net's first two levels. */
export const CONV_SHAPES: [number[], number[]][] = [
  [
    [1, 16, 32, 32, 16],
    [3, 3, 3, 16, 16],
  ],
  [
    [2, 64, 64, 64, 16],
    [3, 3, 3, 16, 16],
  ],
  [
    [2, 32, 32, 32, 32],
    [3, 3, 3, 32, 32],
  ],
];

/** Times `conv3d` (stride 1, same padding) through tfjs, allocation and read-back included. */
export function benchConv3d(reps = 5): BenchResult['conv3d'] {
  return CONV_SHAPES.map(([xs, ws]) => {
    const x = tf.randomUniform(
      xs as [number, number, number, number, number],
      -1,
      1,
      'float32',
      1,
    ) as tf.Tensor5D;
    const w = tf.randomUniform(
      ws as [number, number, number, number, number],
      -1,
      1,
      'float32',
      2,
    ) as tf.Tensor5D;
    // Returning the typed array from tidy would make tfjs walk every element looking for tensors.
    const ms = timeIt(reps, () =>
      tf.tidy(() => {
        tf.conv3d(x, w, 1, 'same').dataSync();
      }),
    );
    tf.dispose([x, w]);
    const flop = 2 * xs.slice(0, 4).reduce((a, b) => a * b, 1) * ws.reduce((a, b) => a * b, 1);
    return { shape: `[${xs.join(',')}] * [${ws.join(',')}]`, ms, gflops: flop / (ms * 1e6) };
  });
}

/** The reference U-Net with its inputs, a train step and a forward pass, ready to time. */
function referenceSetup(opts: BenchOptions) {
  const rng = Rng.fromSeed(0);
  const net = referenceUnet(
    { inChannels: 1, classes: 3, base: opts.base, levels: opts.levels ?? 4 },
    rng.fork('init'),
  );
  const shape: [number, number, number, number, number] = [opts.batch, opts.patch, opts.patch, opts.patch, 1];
  const x = tf.randomNormal(shape, 0, 1, 'float32', rng.fork('x').tfSeed()) as tf.Tensor5D;
  const y = tf.randomUniform(
    [opts.batch, opts.patch, opts.patch, opts.patch],
    0,
    3,
    'int32',
    rng.fork('y').tfSeed(),
  ) as tf.Tensor4D;
  // tfjs's Adam rule (β 0.9/0.999), one fused update per variable; PyTorch's ε is 1e-8.
  const opt = new FusedAdam({ lr: 3e-4, epsilon: 1e-8 });
  const vars = [...net.params.values()];
  const step = (forwardDone: () => void = () => undefined) => {
    const loss = opt.minimize(
      () => {
        const l = diceCeLoss(net.forward(x), y, 3);
        forwardDone();
        return l;
      },
      true,
      vars,
    );
    loss!.dataSync();
    loss!.dispose();
  };
  return {
    net,
    step,
    dispose: () => {
      opt.dispose();
      tf.dispose([x, y]);
      net.dispose();
    },
  };
}

export function runBench(opts: BenchOptions): BenchResult {
  const precision = opts.precision ?? 'fp32';
  useConvPrecision(precision);
  const ref = referenceSetup(opts);
  const { net } = ref;
  const trainStepMs = timeIt(opts.steps, () => ref.step());
  const xi = tf.randomNormal([1, opts.patch, opts.patch, opts.patch, 1], 0, 1, 'float32', 3) as tf.Tensor5D;
  const inferPatchMs = timeIt(opts.steps, () =>
    tf.tidy(() => {
      net.forward(xi).dataSync();
    }),
  );
  const fwd = net.flops(opts.patch, opts.batch);
  const result: BenchResult = {
    backend: tf.getBackend(),
    precision,
    patch: opts.patch,
    batch: opts.batch,
    base: opts.base,
    params: net.paramCount(),
    forwardGflop: fwd / 1e9,
    trainStepMs,
    inferPatchMs,
    trainGflops: (3 * fwd) / (trainStepMs * 1e6),
    inferGflops: net.flops(opts.patch, 1) / (inferPatchMs * 1e6),
    conv3d: opts.convBench === false ? [] : benchConv3d(),
  };
  tf.dispose(xi);
  ref.dispose();
  useConvPrecision('fp32');
  return result;
}

/** Kernel-by-kernel profile of one reference U-Net train step. */
export async function profileReference(opts: BenchOptions): Promise<StepProfile> {
  useConvPrecision(opts.precision ?? 'fp32');
  const ref = referenceSetup(opts);
  try {
    return await profileStep(ref.step);
  } finally {
    ref.dispose();
    useConvPrecision('fp32');
  }
}

/**
 * Kernel-by-kernel profile of one train step of `cfg`'s model, loss and optimiser on a random
 * batch of its patch size (`train.precision` applies).
 */
export async function profileConfig(cfg: Config): Promise<StepProfile> {
  if (traitsOf(cfg).task !== 'segmentation')
    throw new UsageError(
      `--profile --config: ${cfg.model.type} is a detector; profile a segmentation config`,
    );
  useConvPrecision(cfg.train.precision);
  const rng = Rng.fromSeed(cfg.seed);
  const patch = networkPatch(cfg);
  const model = buildModel(cfg.model, patch);
  const loss = buildLoss(cfg.loss, codingOf(cfg));
  const opt = makeOptimizer(cfg);
  const B = cfg.train.batchSize;
  const x = tf.randomNormal([B, ...patch, cfg.model.inChannels], 0, 1, 'float32', rng.fork('x').tfSeed());
  const y = tf.randomUniform([B, ...patch], 0, 3, 'int32', rng.fork('y').tfSeed());
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const out = () => model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[];
  try {
    return await profileStep((forwardDone) => {
      const l = opt.minimize(
        () => {
          const v = loss(out(), y);
          forwardDone();
          return v;
        },
        true,
        vars,
      );
      l!.dataSync();
      l!.dispose();
    });
  } finally {
    opt.dispose();
    tf.dispose([x, y]);
    model.dispose();
    useConvPrecision('fp32');
  }
}
