/** The interface of the `kitseg-native` oneDNN addon (native/src/*.cc). All buffers are float32, channels-last. */

export interface DnnlAddon {
  /** act: 0 none, 1 relu, 2 leaky relu (alpha), 3 elu, 4 relu6. */
  convForward(
    x: Float32Array,
    xShape: number[],
    w: Float32Array,
    wShape: number[],
    bias: Float32Array | null,
    y: Float32Array,
    yShape: number[],
    strides: number[],
    dilations: number[],
    padL: number[],
    padR: number[],
    act: number,
    alpha: number,
  ): void;
  convBackwardData(
    dy: Float32Array,
    dyShape: number[],
    w: Float32Array,
    wShape: number[],
    dx: Float32Array,
    dxShape: number[],
    strides: number[],
    dilations: number[],
    padL: number[],
    padR: number[],
  ): void;
  convBackwardWeights(
    x: Float32Array,
    xShape: number[],
    dy: Float32Array,
    dyShape: number[],
    dw: Float32Array,
    dwShape: number[],
    strides: number[],
    dilations: number[],
    padL: number[],
    padR: number[],
    db?: Float32Array | null,
  ): void;
  matMul(
    a: Float32Array,
    b: Float32Array,
    c: Float32Array,
    batchA: number,
    batchB: number,
    M: number,
    K: number,
    N: number,
    transposeA: boolean,
    transposeB: boolean,
  ): void;
  /** y = reverse ? part ∘ full : full ∘ part on [A, B]; mode 0 same, 1 part [1,B], 2 part [A,1], 3 scalar. */
  binary2(
    alg: number,
    full: Float32Array,
    part: Float32Array,
    y: Float32Array,
    A: number,
    B: number,
    mode: number,
    reverse: boolean,
  ): void;
  /** y[a, c] = reduce over b of x[a, b, c]; alg 0 sum, 1 mean, 2 max, 3 min. */
  reduce3(alg: number, x: Float32Array, A: number, B: number, C: number, y: Float32Array): void;
  /** alg: 0 relu (alpha = negative slope), 1 exp, 2 log, 3 sqrt, 4 square, 5 abs, 6 tanh, 7 sigmoid, 8 elu, 9 linear. */
  eltwise(alg: number, x: Float32Array, y: Float32Array, n: number, alpha: number, beta: number): void;
  eltwiseBackward(
    alg: number,
    x: Float32Array,
    dy: Float32Array,
    dx: Float32Array,
    n: number,
    alpha: number,
    beta: number,
  ): void;
  /** Softmax over the last axis of [rows, C]. */
  softmax(x: Float32Array, y: Float32Array, rows: number, C: number): void;
  slice(x: Float32Array, shape: number[], begin: number[], size: number[], y: Float32Array): void;
  concat(xs: Float32Array[], shapes: number[][], axis: number, y: Float32Array, outShape: number[]): void;
  maxPool3d(
    x: Float32Array,
    xShape: number[],
    y: Float32Array,
    yShape: number[],
    kernel: number[],
    strides: number[],
    padL: number[],
    padR: number[],
  ): void;
  maxPool3dGrad(
    x: Float32Array,
    xShape: number[],
    dy: Float32Array,
    yShape: number[],
    dx: Float32Array,
    kernel: number[],
    strides: number[],
    padL: number[],
    padR: number[],
  ): void;
  /** dtype 0 float32, 1 int32. */
  transpose(
    x: Float32Array | Int32Array,
    shape: number[],
    perm: number[],
    y: Float32Array | Int32Array,
    dtype: number,
  ): void;
  /** alg: 0 add, 1 sub, 2 mul, 3 div, 4 max, 5 min; aShape is the output shape, bShape broadcasts (same rank). */
  binary(
    alg: number,
    a: Float32Array,
    aShape: number[],
    b: Float32Array,
    bShape: number[],
    y: Float32Array,
  ): void;
  /** alg: 0 sum, 1 mean, 2 max, 3 min; outShape keeps reduced axes as 1. */
  reduce(alg: number, x: Float32Array, shape: number[], y: Float32Array, outShape: number[]): void;
  instanceNormForward(
    x: Float32Array,
    N: number,
    S: number,
    C: number,
    gamma: Float32Array,
    beta: Float32Array,
    eps: number,
    y: Float32Array,
    mean: Float32Array,
    rstd: Float32Array,
    slope: number,
  ): void;
  instanceNormBackward(
    x: Float32Array,
    dy: Float32Array,
    N: number,
    S: number,
    C: number,
    mean: Float32Array,
    rstd: Float32Array,
    gamma: Float32Array,
    dx: Float32Array,
    dgamma: Float32Array,
    dbeta: Float32Array,
    beta: Float32Array,
    slope: number,
  ): void;
  /** Per group and class: Σ p·y, Σ p, Σ y, Σ y·log(clamp(p)) into `out` [G, 4, C]. */
  segStats(
    p: Float32Array,
    y: Float32Array,
    G: number,
    S: number,
    C: number,
    withCe: boolean,
    eps: number,
    out: Float32Array,
  ): void;
  /** dp from the gradient `dStats` [G, 4, C] of segStats' output. */
  segStatsGrad(
    p: Float32Array,
    y: Float32Array,
    dStats: Float32Array,
    G: number,
    S: number,
    C: number,
    eps: number,
    dp: Float32Array,
  ): void;
  /** dx = y · (dy − Σ_c dy·y) over the last axis of [rows, C]. */
  softmaxGrad(y: Float32Array, dy: Float32Array, dx: Float32Array, rows: number, C: number): void;
  /** y = x > 0 ? x : alpha[c]·x over [N, C] (C = 1: one shared slope). */
  prelu(x: Float32Array, alpha: Float32Array, y: Float32Array, C: number): void;
  /** dx and the slope gradient dAlpha [C] of prelu in one pass. */
  preluGrad(
    x: Float32Array,
    alpha: Float32Array,
    dy: Float32Array,
    dx: Float32Array,
    dAlpha: Float32Array,
    C: number,
  ): void;
  /** One fused Adam step (tfjs's formula); c1 = 1 − β1^t, c2 = 1 − β2^t. */
  adamUpdate(
    w: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    w2: Float32Array,
    m2: Float32Array,
    v2: Float32Array,
    lr: number,
    beta1: number,
    beta2: number,
    epsilon: number,
    c1: number,
    c2: number,
  ): void;
  /** Keeps large allocations on the malloc heap (no mmap) so freed tensor buffers are reused. */
  keepLargeAllocations(): boolean;
  /** Later convolutions read their inputs in bf16 (f32 accumulation and outputs). */
  setBf16(on: boolean): void;
  /** Maps allocations above `thresholdBytes` and unmaps them on free (inference: bounded RSS). */
  releaseLargeAllocations(thresholdBytes: number): boolean;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  version(): { dnnl: string; isa: number };
}

/** The specifier of the optional addon package. */
export const ADDON_PACKAGE = 'kitseg-native';

/** Loads the addon; throws the loader's error when it is not installed or not built. */
export async function loadAddon(): Promise<DnnlAddon> {
  const specifier: string = ADDON_PACKAGE;
  const mod = (await import(specifier)) as { default: DnnlAddon };
  return mod.default;
}
