/**
 * Spatial augmentation sampled straight from the case volume (as nnU-Net: one interpolation, no
 * border artefacts from warping a pre-cut patch): every patch voxel maps through rotation, zoom
 * and a smooth elastic displacement, in millimetres around the patch centre, to a position in the
 * case; the image is read with trilinear interpolation, labels and the prior with nearest
 * neighbour, so image and labels stay aligned exactly.
 */
import type { Shape3D, Spacing3D } from '../../core/types.js';
import { nearestIndex, trilinearAt } from '../../ops/interpolate.js';
import type { Rng } from '../../rng/rng.js';

/** A sampled spatial transform. */
export interface SpatialParams {
  /** Row-major 3 × 3 matrix mapping patch offsets (mm) to source offsets (mm). */
  readonly matrix: readonly number[];
  /** Control-point displacements (mm) `[gd, gh, gw, 3]` spanning the patch, or null. */
  readonly elastic: { readonly grid: Shape3D; readonly disp: Float32Array } | null;
}

function rot(axis: number, a: number): number[] {
  const c = Math.cos(a);
  const s = Math.sin(a);
  // Rotation in the plane of the two other axes (order D, H, W).
  if (axis === 0) return [1, 0, 0, 0, c, -s, 0, s, c];
  if (axis === 1) return [c, 0, s, 0, 1, 0, -s, 0, c];
  return [c, -s, 0, s, c, 0, 0, 0, 1];
}

function mul(a: readonly number[], b: readonly number[]): number[] {
  const o = new Array<number>(9).fill(0);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) o[i * 3 + j]! += a[i * 3 + k]! * b[k * 3 + j]!;
  return o;
}

/** The transform for rotation angles (radians, about D, H, W), a zoom, and an optional elastic field. */
export function spatialParams(
  anglesRad: readonly [number, number, number],
  zoom: number,
  elastic: SpatialParams['elastic'],
): SpatialParams {
  let m = [1, 0, 0, 0, 1, 0, 0, 0, 1];
  for (let a = 0; a < 3; a++) if (anglesRad[a] !== 0) m = mul(m, rot(a, anglesRad[a]!));
  // Zooming in (zoom > 1) reads a smaller source region.
  return { matrix: m.map((v) => v / zoom), elastic };
}

/** Random control-point displacements for a patch: one point every `sigmaMm`, N(0, alphaMm). */
export function elasticField(
  patch: Shape3D,
  spacingMm: Spacing3D,
  alphaMm: number,
  sigmaMm: number,
  rng: Rng,
): SpatialParams['elastic'] {
  const grid = [0, 1, 2].map((a) =>
    Math.max(2, Math.ceil((patch[a]! * spacingMm[a]!) / sigmaMm) + 1),
  ) as unknown as Shape3D;
  const disp = new Float32Array(grid[0] * grid[1] * grid[2] * 3);
  for (let i = 0; i < disp.length; i++) disp[i] = rng.normal() * alphaMm;
  return { grid, disp };
}

function elasticAt(
  e: NonNullable<SpatialParams['elastic']>,
  patch: Shape3D,
  d: number,
  h: number,
  w: number,
  out: number[],
): void {
  const [gd, gh, gw] = e.grid;
  const pos = [d, h, w].map((v, a) => (patch[a]! <= 1 ? 0 : (v / (patch[a]! - 1)) * ([gd, gh, gw][a]! - 1)));
  const i0 = pos.map((p, a) => Math.min(Math.floor(p), [gd, gh, gw][a]! - 2));
  const t = pos.map((p, a) => p - i0[a]!);
  out[0] = out[1] = out[2] = 0;
  for (let c = 0; c < 8; c++) {
    const dd = i0[0]! + (c >> 2);
    const hh = i0[1]! + ((c >> 1) & 1);
    const ww = i0[2]! + (c & 1);
    const wgt =
      (c >> 2 ? t[0]! : 1 - t[0]!) * ((c >> 1) & 1 ? t[1]! : 1 - t[1]!) * (c & 1 ? t[2]! : 1 - t[2]!);
    const o = ((dd * gh + hh) * gw + ww) * 3;
    for (let k = 0; k < 3; k++) out[k]! += wgt * e.disp[o + k]!;
  }
}

/** Volumes read through one transform: the image (linear) and label-like maps (nearest). */
export interface WarpSource {
  readonly image: Float32Array;
  readonly nearest: readonly Float32Array[];
  readonly shape: Shape3D;
  readonly spacingMm: Spacing3D;
  readonly pad: number;
}

/**
 * Patches of `src` around `centre` (voxel), `patch` in size, through `params`.
 * @returns the image patch and one patch per `nearest` map (0 outside the volume).
 */
export function warpPatch(
  src: WarpSource,
  centre: Shape3D,
  patch: Shape3D,
  params: SpatialParams,
): { image: Float32Array; nearest: Float32Array[] } {
  const sp = src.spacingMm;
  const n = patch[0] * patch[1] * patch[2];
  const image = new Float32Array(n);
  const nearest = src.nearest.map(() => new Float32Array(n));
  const m = params.matrix;
  const e = [0, 0, 0];
  // The patch's own centre sits at centre − ⌊patch/2⌋ + (patch − 1)/2, as `extractPatch` places it.
  const origin = [0, 1, 2].map((a) => centre[a]! - Math.floor(patch[a]! / 2) + (patch[a]! - 1) / 2);
  let o = 0;
  for (let d = 0; d < patch[0]; d++)
    for (let h = 0; h < patch[1]; h++)
      for (let w = 0; w < patch[2]; w++, o++) {
        const off = [
          (d - (patch[0] - 1) / 2) * sp[0],
          (h - (patch[1] - 1) / 2) * sp[1],
          (w - (patch[2] - 1) / 2) * sp[2],
        ];
        if (params.elastic !== null) elasticAt(params.elastic, patch, d, h, w, e);
        const q = [0, 1, 2].map(
          (r) =>
            (m[r * 3]! * off[0]! + m[r * 3 + 1]! * off[1]! + m[r * 3 + 2]! * off[2]! + e[r]!) / sp[r]! +
            origin[r]!,
        );
        const [z, y, x] = q as [number, number, number];
        const ni = nearestIndex(src.shape, z, y, x);
        for (let k = 0; k < nearest.length; k++) nearest[k]![o] = ni >= 0 ? src.nearest[k]![ni]! : 0;
        image[o] = trilinearAt(src.image, src.shape, z, y, x, src.pad);
      }
  return { image, nearest };
}

/** Reverses a `[D, H, W]` patch along `axis`, in place. */
export function flipAxis(data: Float32Array, shape: Shape3D, axis: number): void {
  const [D, H, W] = shape;
  const stride = axis === 0 ? H * W : axis === 1 ? W : 1;
  const n = shape[axis]!;
  for (let i = 0; i < data.length; i++) {
    const c = axis === 0 ? Math.floor(i / (H * W)) : axis === 1 ? Math.floor(i / W) % H : i % W;
    if (c >= n / 2) continue;
    const j = i + (n - 1 - 2 * c) * stride;
    const t = data[i]!;
    data[i] = data[j]!;
    data[j] = t;
  }
  void D;
}
