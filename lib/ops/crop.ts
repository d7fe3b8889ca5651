/** Boxes on `[D, H, W]` grids: cropping, pasting, and growing by a margin. */
import type { Shape3D } from '../core/types.js';

/** A half-open box `[lo, hi)` in voxels. */
export interface Box {
  readonly lo: Shape3D;
  readonly hi: Shape3D;
}

export function boxShape(b: Box): Shape3D {
  return [b.hi[0] - b.lo[0], b.hi[1] - b.lo[1], b.hi[2] - b.lo[2]];
}

/** The voxels of `data` inside `box`, as float32. */
export function cropBox<T extends Float32Array | Uint8Array = Float32Array>(
  data: ArrayLike<number>,
  shape: Shape3D,
  box: Box,
  into?: T,
): T {
  const [, H, W] = shape;
  const s = boxShape(box);
  const out = into ?? (new Float32Array(s[0] * s[1] * s[2]) as T);
  let o = 0;
  for (let d = box.lo[0]; d < box.hi[0]; d++)
    for (let h = box.lo[1]; h < box.hi[1]; h++) {
      const row = (d * H + h) * W;
      for (let w = box.lo[2]; w < box.hi[2]; w++, o++) out[o] = data[row + w]!;
    }
  return out;
}

/** Grows `box` by `margin` voxels per axis, clipped to `shape`. */
export function growBox(box: Box, margin: Shape3D, shape: Shape3D): Box {
  return {
    lo: [0, 1, 2].map((a) => Math.max(0, box.lo[a]! - margin[a]!)) as unknown as Shape3D,
    hi: [0, 1, 2].map((a) => Math.min(shape[a]!, box.hi[a]! + margin[a]!)) as unknown as Shape3D,
  };
}

/** Bounding box of the voxel indices where `keep(i)` holds; null when there are none. */
export function boundingBox(shape: Shape3D, keep: (i: number) => boolean): Box | null {
  const [D, H, W] = shape;
  const lo = [D, H, W];
  const hi = [-1, -1, -1];
  for (let d = 0, i = 0; d < D; d++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++, i++) {
        if (!keep(i)) continue;
        if (d < lo[0]!) lo[0] = d;
        if (h < lo[1]!) lo[1] = h;
        if (w < lo[2]!) lo[2] = w;
        if (d > hi[0]!) hi[0] = d;
        if (h > hi[1]!) hi[1] = h;
        if (w > hi[2]!) hi[2] = w;
      }
  if (hi[0]! < 0) return null;
  return { lo: lo as unknown as Shape3D, hi: hi.map((v) => v + 1) as unknown as Shape3D };
}

/**
 * Copies the `patch`-sized box centred at `centre` out of `[D, H, W]` data, padding with `pad`
 * outside the volume. The box starts at centre − ⌊patch/2⌋.
 */
export function extractPatch(
  data: ArrayLike<number>,
  shape: Shape3D,
  centre: Shape3D,
  patch: Shape3D,
  pad: number,
): Float32Array {
  const [D, H, W] = shape;
  const [pd, ph, pw] = patch;
  const out = new Float32Array(pd * ph * pw).fill(pad);
  const s = [0, 1, 2].map((a) => centre[a]! - Math.floor(patch[a]! / 2));
  for (let d = 0; d < pd; d++) {
    const z = s[0]! + d;
    if (z < 0 || z >= D) continue;
    for (let h = 0; h < ph; h++) {
      const y = s[1]! + h;
      if (y < 0 || y >= H) continue;
      const row = (z * H + y) * W;
      const o = (d * ph + h) * pw;
      for (let w = 0; w < pw; w++) {
        const x = s[2]! + w;
        if (x >= 0 && x < W) out[o + w] = data[row + x]!;
      }
    }
  }
  return out;
}

/**
 * Runs `fn` on the bounding box of `labels`' nonzero voxels grown by one voxel (clamped), with the
 * crop's labels and shape and its box, then writes the crop's labels back; a full-size copy is never
 * made. Component and hole computations give the same result there as on the whole volume: the
 * margin is background and connected to the volume's border outside the box.
 * @returns `fn`'s result, or `empty` when no voxel is nonzero.
 */
export function withinForeground<T>(
  labels: Uint8Array,
  shape: Shape3D,
  fn: (crop: Uint8Array, cropShape: Shape3D, box: Box) => T,
  empty: T,
): T {
  const tight = boundingBox(shape, (i) => labels[i] !== 0);
  if (tight === null) return empty;
  const box = growBox(tight, [1, 1, 1], shape);
  const cs = boxShape(box);
  if (cs.every((n, a) => n === shape[a])) return fn(labels, shape, box);
  const crop = cropBox(labels, shape, box, new Uint8Array(cs[0] * cs[1] * cs[2]));
  const out = fn(crop, cs, box);
  const [, H, W] = shape;
  for (let d = 0; d < cs[0]; d++)
    for (let h = 0; h < cs[1]; h++) {
      const o = ((box.lo[0] + d) * H + box.lo[1] + h) * W + box.lo[2];
      labels.set(crop.subarray((d * cs[1] + h) * cs[2], (d * cs[1] + h + 1) * cs[2]), o);
    }
  return out;
}

/**
 * Bounding box `[lo, hi)` of the body (voxels above `thresholdHu`) with a margin, for cropping to
 * the nonzero region; the whole volume when nothing passes.
 */
export function bodyBox(
  image: ArrayLike<number>,
  shape: Shape3D,
  thresholdHu = -500,
  margin = 2,
): { lo: Shape3D; hi: Shape3D } {
  const box = boundingBox(shape, (i) => image[i]! > thresholdHu);
  return box === null ? { lo: [0, 0, 0], hi: shape } : growBox(box, [margin, margin, margin], shape);
}
