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
