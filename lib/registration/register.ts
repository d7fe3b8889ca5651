/**
 * Deformable registration with tfjs autodiff (for Wei et al.'s registration-based augmentation):
 * an affine stage (initialised by aligning the body centres of mass), then a dense displacement
 * field optimised coarse to fine, with a local-NCC (or MSE) similarity and a diffusion smoothness
 * penalty on the field. Volumes are canonical `[D, H, W]` grids treated as axis-aligned in mm.
 */
import * as tf from '@tensorflow/tfjs';
import type { Shape3D, Spacing3D } from '../core/types.js';
import { resampleToShape, resampleVolume } from '../transforms/resample.js';
import { nearestIndex, trilinearAt } from '../ops/interpolate.js';
import { trilinear } from './sample.js';

export interface RegVolume {
  readonly data: ArrayLike<number>;
  readonly shape: Shape3D;
  readonly spacingMm: Spacing3D;
  /** World position (mm) of voxel (0, 0, 0) along D, H, W. */
  readonly originMm: readonly [number, number, number];
}

export interface RegistrationOptions {
  /** Downsampling factors of the pyramid, coarse to fine (e.g. [4, 2]). */
  readonly levels: readonly number[];
  readonly affineIterations: number;
  readonly fieldIterations: number;
  readonly similarity: 'ncc' | 'mse';
  /** Local NCC window (voxels, odd). */
  readonly nccWindow: number;
  /** Weight of the smoothness penalty (mean squared field gradient, mm²/voxel²). */
  readonly smoothness: number;
  /** HU window mapped to [0, 1] before comparing. */
  readonly window: readonly [number, number];
}

export const DEFAULT_REGISTRATION: RegistrationOptions = {
  levels: [4, 2],
  affineIterations: 80,
  fieldIterations: 80,
  similarity: 'ncc',
  nccWindow: 5,
  smoothness: 0.5,
  window: [-200, 300],
};

/** The fixed → moving mapping: x_m = M (x_f − c) + c + t + u(x_f), positions in mm. */
export interface Registration {
  /** Row-major 3 × 3. */
  readonly matrix: number[];
  readonly translation: [number, number, number];
  /** Fixed-grid centre c (mm). */
  readonly centre: [number, number, number];
  /** Displacement (mm) `[d, h, w, 3]` on a downsampled fixed grid, stretched over the fixed extent. */
  readonly field: { readonly data: Float32Array; readonly shape: Shape3D };
  readonly nccBefore: number;
  readonly nccAfter: number;
}

function windowed(v: RegVolume, w: readonly [number, number]): Float32Array {
  const out = new Float32Array(v.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.min(1, Math.max(0, (v.data[i]! - w[0]) / (w[1] - w[0])));
  return out;
}

/** Centre of mass (mm) of the voxels above −500 HU. */
function bodyCentre(v: RegVolume): [number, number, number] {
  const [, H, W] = v.shape;
  const s = [0, 0, 0];
  let n = 0;
  for (let i = 0; i < v.data.length; i++) {
    if (v.data[i]! <= -500) continue;
    s[0] = s[0]! + Math.floor(i / (H * W));
    s[1] = s[1]! + (Math.floor(i / W) % H);
    s[2] = s[2]! + (i % W);
    n++;
  }
  if (n === 0)
    return [0, 1, 2].map((a) => v.originMm[a]! + ((v.shape[a]! - 1) / 2) * v.spacingMm[a]!) as [
      number,
      number,
      number,
    ];
  return [0, 1, 2].map((a) => v.originMm[a]! + (s[a]! / n) * v.spacingMm[a]!) as [number, number, number];
}

/** One pyramid level of a volume: data, shape, and the mm ↔ level-index maps. */
interface Level {
  readonly data: Float32Array;
  readonly shape: Shape3D;
  /** mm position of level index j along axis a. */
  pos(a: number, j: number): number;
  /** continuous level index of mm position x along axis a. */
  readonly scale: number[];
  readonly offset: number[];
}

function level(v: RegVolume, intensity: Float32Array, factor: number): Level {
  const target = v.spacingMm.map((s) => s * factor) as unknown as Spacing3D;
  const r = resampleVolume(intensity, v.shape, v.spacingMm, target, 'linear');
  // Level index j sits at old index (j + ½)·n/m − ½ (the resampler's extent-preserving positions).
  const ratio = [0, 1, 2].map((a) => v.shape[a]! / r.shape[a]!);
  return {
    data: r.data,
    shape: r.shape,
    pos: (a, j) => v.originMm[a]! + ((j + 0.5) * ratio[a]! - 0.5) * v.spacingMm[a]!,
    // j = ((x − origin)/sp + ½)/ratio − ½ = x·scale + offset
    scale: [0, 1, 2].map((a) => 1 / (v.spacingMm[a]! * ratio[a]!)),
    offset: [0, 1, 2].map((a) => (-v.originMm[a]! / v.spacingMm[a]! + 0.5) / ratio[a]! - 0.5),
  };
}

function globalNcc(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]! / n;
    mb += b[i]! / n;
  }
  let c = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < n; i++) {
    c += (a[i]! - ma) * (b[i]! - mb);
    va += (a[i]! - ma) ** 2;
    vb += (b[i]! - mb) ** 2;
  }
  return c / Math.sqrt(va * vb + 1e-12);
}

/**
 * Local NCC over `win`³ windows. The five local means come from one separable box filter (three
 * 1-D convolutions over a batch of five maps): tfjs's avgPool3d gradient is far slower.
 */
function localNcc(i: tf.Tensor5D, j: tf.Tensor5D, win: number): tf.Scalar {
  return tf.tidy(() => {
    const stack = tf.concat([i, j, tf.mul(i, j), tf.square(i), tf.square(j)], 0) as tf.Tensor5D;
    let m = stack;
    for (const shape of [
      [win, 1, 1],
      [1, win, 1],
      [1, 1, win],
    ] as const) {
      const k = tf.fill([...shape, 1, 1], 1 / win) as tf.Tensor5D;
      m = tf.conv3d(m, k, 1, 'same');
    }
    const [mi, mj, mij, mii, mjj] = tf.split(m, 5, 0) as [
      tf.Tensor5D,
      tf.Tensor5D,
      tf.Tensor5D,
      tf.Tensor5D,
      tf.Tensor5D,
    ];
    const cross = tf.sub(mij, tf.mul(mi, mj));
    const vi = tf.sub(mii, tf.square(mi));
    const vj = tf.sub(mjj, tf.square(mj));
    return tf.mean(tf.div(tf.square(cross), tf.add(tf.mul(vi, vj), 1e-5))) as tf.Scalar;
  });
}

/**
 * Global NCC on a level pair under the starting transform (x_m = x_f + t0): measured on the same
 * grid as the final NCC, so before and after compare like with like.
 */
function startingNcc(fl: Level, ml: Level, t0: readonly number[]): number {
  const [D, H, W] = fl.shape;
  const n = D * H * W;
  const idx = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  for (let d = 0, o = 0; d < D; d++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++, o++)
        [d, h, w].forEach((j, a) => {
          idx[a]![o] = ml.scale[a]! * (fl.pos(a, j) + t0[a]!) + ml.offset[a]!;
        });
  return tf.tidy(() => {
    const [z, y, x] = idx.map((v) => tf.tensor1d(v)) as [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
    return globalNcc(fl.data, trilinear(ml.data, ml.shape, z, y, x).dataSync());
  });
}

/**
 * Registers `moving` onto `fixed`; returns the fixed → moving mapping and the global NCC before
 * (centres of mass aligned) and after, both on the finest pyramid level.
 */
export function register(
  fixed: RegVolume,
  moving: RegVolume,
  opts: RegistrationOptions = DEFAULT_REGISTRATION,
): Registration {
  const fi = windowed(fixed, opts.window);
  const mi = windowed(moving, opts.window);
  const cf = bodyCentre(fixed);
  const cm = bodyCentre(moving);
  const centre = [0, 1, 2].map(
    (a) => fixed.originMm[a]! + ((fixed.shape[a]! - 1) / 2) * fixed.spacingMm[a]!,
  ) as [number, number, number];
  const mVar = tf.tidy(() => tf.variable(tf.zeros([3, 3])));
  const tVar = tf.tidy(() => tf.variable(tf.zeros([3])));
  const t0 = tf.tensor1d([0, 1, 2].map((a) => cm[a]! - cf[a]!));
  let field: { data: Float32Array; shape: Shape3D } | null = null;
  const pyramid = opts.levels.map((f) => [level(fixed, fi, f), level(moving, mi, f)] as const);
  const [fineF, fineM] = pyramid[pyramid.length - 1]!;
  const nccBefore = startingNcc(
    fineF,
    fineM,
    [0, 1, 2].map((a) => cm[a]! - cf[a]!),
  );
  let nccAfter = NaN;
  try {
    for (const [li, [fl, ml]] of pyramid.entries()) {
      const [D, H, W] = fl.shape;
      const n = D * H * W;
      const rel = new Float32Array(n * 3);
      for (let d = 0, o = 0; d < D; d++)
        for (let h = 0; h < H; h++)
          for (let w = 0; w < W; w++, o++) {
            rel[3 * o] = fl.pos(0, d) - centre[0];
            rel[3 * o + 1] = fl.pos(1, h) - centre[1];
            rel[3 * o + 2] = fl.pos(2, w) - centre[2];
          }
      // Homogeneous fixed positions [4, N] (relative to the centre) and constants of the level.
      const relH = new Float32Array(4 * n);
      for (let o = 0; o < n; o++) {
        relH[o] = rel[3 * o]!;
        relH[n + o] = rel[3 * o + 1]!;
        relH[2 * n + o] = rel[3 * o + 2]!;
        relH[3 * n + o] = 1;
      }
      const relT = tf.tensor2d(relH, [4, n]);
      const fixT = tf.tensor5d(fl.data, [1, D, H, W, 1]);
      const scaleDiag = tf.tidy(() => tf.diag(tf.tensor1d(ml.scale)) as tf.Tensor2D);
      const shift = tf.tensor2d(
        [0, 1, 2].map((a) => [ml.offset[a]! + ml.scale[a]! * centre[a]!]),
        [3, 1],
      );
      // Field for this level ([3, N], mm): upsampled from the previous one, or zero.
      const init = new Float32Array(n * 3);
      if (field !== null) {
        for (let k = 0; k < 3; k++) {
          const comp = Float32Array.from(
            { length: field.data.length / 3 },
            (_, i) => field!.data[3 * i + k]!,
          );
          init.set(resampleToShape(comp, field.shape, fl.shape, 'linear').data, k * n);
        }
      }
      const uVar = tf.tidy(() => tf.variable(tf.tensor2d(init, [3, n])));
      const warp = (): tf.Tensor5D => {
        // idx = diag(scale)·(M·x + t + c + u) + offset, as two matMuls (no broadcasting).
        const m = tf.add(tf.eye(3), mVar);
        const t = tf.add(t0, tf.mul(tVar, 10)).reshape([3, 1]);
        const a = tf.concat(
          [tf.matMul(scaleDiag, m), tf.add(tf.matMul(scaleDiag, t), shift)],
          1,
        ) as tf.Tensor2D;
        const idx = tf.add(tf.matMul(a, relT), tf.matMul(scaleDiag, uVar));
        const [z, y, x] = tf.unstack(idx) as [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
        return trilinear(ml.data, ml.shape, z, y, x).reshape([1, D, H, W, 1]);
      };
      const loss = (withField: boolean): tf.Scalar =>
        tf.tidy(() => {
          const wm = warp();
          const sim =
            opts.similarity === 'ncc'
              ? tf.neg(localNcc(fixT, wm, opts.nccWindow))
              : tf.mean(tf.squaredDifference(fixT, wm));
          if (!withField) return sim as tf.Scalar;
          const u = uVar.reshape([3, D, H, W]);
          const diff = (a: number) => {
            const sz = [3, D, H, W];
            const s1 = [0, 0, 0, 0];
            const s0 = [0, 0, 0, 0];
            sz[a + 1] = sz[a + 1]! - 1;
            s1[a + 1] = 1;
            return tf.mean(tf.square(tf.sub(tf.slice(u, s1, sz), tf.slice(u, s0, sz))));
          };
          const smooth = tf.add(tf.add(D > 1 ? diff(0) : 0, H > 1 ? diff(1) : 0), W > 1 ? diff(2) : 0);
          return tf.add(sim, tf.mul(smooth, opts.smoothness)) as tf.Scalar;
        });
      const ncc = () => tf.tidy(() => globalNcc(fl.data, warp().dataSync()));
      if (li === 0) {
        const opt = tf.train.adam(0.01);
        for (let it = 0; it < opts.affineIterations; it++)
          opt.minimize(() => loss(false), false, [mVar, tVar])?.dispose();
        opt.dispose();
      }
      const opt = tf.train.adam(0.1);
      for (let it = 0; it < opts.fieldIterations; it++)
        opt.minimize(() => loss(true), false, [uVar])?.dispose();
      opt.dispose();
      const u = uVar.dataSync();
      const interleaved = new Float32Array(3 * n);
      for (let o = 0; o < n; o++) for (let k = 0; k < 3; k++) interleaved[3 * o + k] = u[k * n + o]!;
      field = { data: interleaved, shape: fl.shape };
      if (li === opts.levels.length - 1) nccAfter = ncc();
      tf.dispose([relT, fixT, scaleDiag, shift, uVar]);
    }
    const m = tf.tidy(() => tf.add(tf.eye(3), mVar).dataSync());
    const t = tf.tidy(() => tf.add(t0, tf.mul(tVar, 10)).dataSync());
    return {
      matrix: Array.from(m),
      translation: [t[0]!, t[1]!, t[2]!],
      centre,
      field: field!,
      nccBefore,
      nccAfter,
    };
  } finally {
    tf.dispose([mVar, tVar, t0]);
  }
}

/**
 * Moving-grid voxel positions `[D·H·W, 3]` of every fixed voxel at full resolution (the field
 * upsampled linearly over the fixed extent).
 */
export function movingPositions(reg: Registration, fixed: RegVolume, moving: RegVolume): Float32Array {
  const [D, H, W] = fixed.shape;
  const n = D * H * W;
  const comps = [0, 1, 2].map(
    (k) =>
      resampleToShape(
        Float32Array.from({ length: reg.field.data.length / 3 }, (_, i) => reg.field.data[3 * i + k]!),
        reg.field.shape,
        fixed.shape,
        'linear',
      ).data,
  );
  const out = new Float32Array(n * 3);
  const m = reg.matrix;
  for (let d = 0, o = 0; d < D; d++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++, o++) {
        const x = [d, h, w].map((j, a) => fixed.originMm[a]! + j * fixed.spacingMm[a]! - reg.centre[a]!);
        for (let r = 0; r < 3; r++) {
          const xm =
            m[3 * r]! * x[0]! +
            m[3 * r + 1]! * x[1]! +
            m[3 * r + 2]! * x[2]! +
            reg.centre[r]! +
            reg.translation[r]! +
            comps[r]![o]!;
          out[3 * o + r] = (xm - moving.originMm[r]!) / moving.spacingMm[r]!;
        }
      }
  return out;
}

/** The moving image (linear, `pad` outside) and labels (nearest, 0 outside) on the fixed grid. */
export function warpToFixed(
  reg: Registration,
  fixed: RegVolume,
  moving: RegVolume,
  movingLabels: ArrayLike<number>,
  pad: number,
): { image: Float32Array; labels: Uint8Array } {
  const pos = movingPositions(reg, fixed, moving);
  const n = pos.length / 3;
  const image = new Float32Array(n);
  const labels = new Uint8Array(n);
  for (let o = 0; o < n; o++) {
    const z = pos[3 * o]!;
    const y = pos[3 * o + 1]!;
    const x = pos[3 * o + 2]!;
    const ni = nearestIndex(moving.shape, z, y, x);
    if (ni >= 0) labels[o] = movingLabels[ni]!;
    image[o] = trilinearAt(moving.data, moving.shape, z, y, x, pad);
  }
  return { image, labels };
}
