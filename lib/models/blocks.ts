/**
 * Building blocks shared by the networks, on tfjs-layers symbolic tensors (channels-last):
 * convolution, normalisation + activation (instance norm fuses a LeakyReLU), upsampling in the
 * three configured modes, and output heads. Layer names are stable: `<block>_<part>`.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../rng/rng.js';
import { BatchNormalization } from './layers/batch-normalization.js';
import { Conv3DBias } from './layers/conv3d-bias.js';
import { InstanceNormalization } from './layers/instance-normalization.js';
import { TrilinearUpSampling3D, UpSampling3D } from './layers/resize3d.js';

export type Sym = tf.SymbolicTensor;
export type Norm = 'none' | 'batch' | 'instance';
export type Act = 'relu' | 'leaky' | 'prelu' | 'elu';
export type Upsampling = 'transposed' | 'nearestConv' | 'trilinear';

/** LeakyReLU negative slope used throughout (nnU-Net, Zhang et al.). */
export const LEAKY_SLOPE = 0.01;

const sym = (l: tf.layers.Layer, x: Sym | Sym[]) => l.apply(x) as Sym;

/** The seeded stream weight initialisers draw from while a model is being built (see `withInitRng`). */
let initRng: Rng | undefined;

/** Builds with every initialiser seeded from `rng`, so the same seed gives the same weights. */
export function withInitRng<T>(rng: Rng, build: () => T): T {
  const prev = initRng;
  initRng = rng;
  try {
    return build();
  } finally {
    initRng = prev;
  }
}

/** He-normal initialiser, seeded when a build stream is active. */
function heNormal(): ReturnType<typeof tf.initializers.heNormal> {
  return initRng === undefined
    ? tf.initializers.heNormal({})
    : tf.initializers.heNormal({ seed: initRng.tfSeed() });
}

/** Normal(0, std) initialiser, seeded when a build stream is active (detector output layers). */
export function seededNormal(stddev: number): ReturnType<typeof tf.initializers.randomNormal> {
  return tf.initializers.randomNormal(
    initRng === undefined ? { stddev } : { stddev, seed: initRng.tfSeed() },
  );
}

/** A convolution of the input's dimensionality (2D for rank-4 inputs, 3D for rank-5). */
export function conv(x: Sym, filters: number, kernel: number[], strides: number[], name: string): Sym {
  const args = {
    filters,
    kernelSize: kernel,
    strides,
    padding: 'same' as const,
    name,
    kernelInitializer: heNormal(),
  };
  // tfjs-layers' Conv2D already fuses its bias (tf.fused.conv2d); its Conv3D does not.
  return sym(x.shape.length === 5 ? new Conv3DBias(args) : tf.layers.conv2d(args), x);
}

export function activation(x: Sym, act: Act, name: string): Sym {
  switch (act) {
    case 'relu':
      return sym(tf.layers.reLU({ name }), x);
    case 'leaky':
      return sym(tf.layers.leakyReLU({ alpha: LEAKY_SLOPE, name }), x);
    case 'elu':
      return sym(tf.layers.elu({ name }), x);
    case 'prelu':
      // One slope per channel, shared over the spatial axes (He et al.; V-Net).
      return sym(tf.layers.prelu({ sharedAxes: x.shape.slice(1, -1).map((_, i) => i + 1), name }), x);
  }
}

/** Normalisation then activation; instance norm + LeakyReLU (or ReLU, slope 0) become one fused layer. */
export function normAct(x: Sym, norm: Norm, act: Act, name: string): Sym {
  if (norm === 'instance' && (act === 'leaky' || act === 'relu')) {
    const leakySlope = act === 'leaky' ? LEAKY_SLOPE : 0;
    return sym(new InstanceNormalization({ name: `${name}_norm`, leakySlope }), x);
  }
  let y = x;
  if (norm === 'instance') y = sym(new InstanceNormalization({ name: `${name}_norm` }), y);
  if (norm === 'batch') y = sym(new BatchNormalization({ name: `${name}_norm` }), y);
  return activation(y, act, `${name}_act`);
}

/** conv → norm → act. */
export function convNormAct(
  x: Sym,
  filters: number,
  kernel: number[],
  strides: number[],
  norm: Norm,
  act: Act,
  name: string,
): Sym {
  return normAct(conv(x, filters, kernel, strides, `${name}_conv`), norm, act, name);
}

/** Upsamples by `factor` to `filters` channels. */
export function upsample(x: Sym, filters: number, factor: number[], mode: Upsampling, name: string): Sym {
  const is3d = x.shape.length === 5;
  if (mode === 'transposed') {
    const args = {
      filters,
      kernelSize: factor,
      strides: factor,
      padding: 'valid' as const,
      name,
      kernelInitializer: heNormal(),
    };
    return sym(is3d ? tf.layers.conv3dTranspose(args) : tf.layers.conv2dTranspose(args), x);
  }
  let up: Sym;
  if (is3d) {
    const size = factor as [number, number, number];
    up = sym(
      mode === 'trilinear'
        ? new TrilinearUpSampling3D({ size, name: `${name}_resize` })
        : new UpSampling3D({ size, name: `${name}_resize` }),
      x,
    );
  } else {
    up = sym(
      tf.layers.upSampling2d({
        size: factor,
        interpolation: mode === 'trilinear' ? 'bilinear' : 'nearest',
        name: `${name}_resize`,
      }),
      x,
    );
  }
  // nearest + 3³ conv (learned smoothing); trilinear + 1³ conv (channel change only).
  return conv(
    up,
    filters,
    factor.map(() => (mode === 'trilinear' ? 1 : 3)),
    factor.map(() => 1),
    `${name}_conv`,
  );
}

/** 1×1(×1) convolution to the output channels, then softmax or sigmoid. */
export function head(x: Sym, outChannels: number, outActivation: 'softmax' | 'sigmoid', name: string): Sym {
  const y = conv(
    x,
    outChannels,
    x.shape.slice(1, -1).map(() => 1),
    x.shape.slice(1, -1).map(() => 1),
    `${name}_conv`,
  );
  return sym(tf.layers.activation({ activation: outActivation, name }), y);
}

export function concat(xs: Sym[], name: string): Sym {
  return sym(tf.layers.concatenate({ axis: -1, name }), xs);
}

export function add(xs: Sym[], name: string): Sym {
  return sym(tf.layers.add({ name }), xs);
}

/** Filters at level `i`: base · 2^i, capped. */
export function filtersAt(base: number, max: number, level: number): number {
  return Math.min(base * 2 ** level, max);
}

/**
 * Pre-activation residual block (He et al. 2016): norm → act → conv, twice, plus the input —
 * through a 1×1(×1) projection when `project` (channel change) is set.
 */
export function residualBlock(
  x: Sym,
  filters: number,
  kernel: number[],
  norm: Norm,
  act: Act,
  name: string,
  project = false,
  residual = true,
): Sym {
  const one = kernel.map(() => 1);
  let y = normAct(x, norm, act, `${name}_a`);
  y = conv(y, filters, kernel, one, `${name}_a_conv`);
  y = normAct(y, norm, act, `${name}_b`);
  y = conv(y, filters, kernel, one, `${name}_b_conv`);
  // Without the identity the block is a plain pre-activation double convolution (Zhang's "3D+DS").
  if (!residual) return y;
  const shortcut = project ? conv(x, filters, one, one, `${name}_proj`) : x;
  return add([shortcut, y], `${name}_add`);
}
