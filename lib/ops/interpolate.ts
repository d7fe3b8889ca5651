/** Point reads of `[D, H, W]` volumes at continuous voxel positions. */
import type { Shape3D } from '../core/types.js';

/** Trilinear value at (z, y, x); corners outside the volume read `pad`. */
export function trilinearAt(
  data: ArrayLike<number>,
  shape: Shape3D,
  z: number,
  y: number,
  x: number,
  pad: number,
): number {
  const [D, H, W] = shape;
  const z0 = Math.floor(z);
  const y0 = Math.floor(y);
  const x0 = Math.floor(x);
  let acc = 0;
  for (let c = 0; c < 8; c++) {
    const zz = z0 + (c >> 2);
    const yy = y0 + ((c >> 1) & 1);
    const xx = x0 + (c & 1);
    const wgt =
      (c >> 2 ? z - z0 : 1 - z + z0) * ((c >> 1) & 1 ? y - y0 : 1 - y + y0) * (c & 1 ? x - x0 : 1 - x + x0);
    if (wgt === 0) continue;
    acc +=
      wgt *
      (zz >= 0 && zz < D && yy >= 0 && yy < H && xx >= 0 && xx < W ? data[(zz * H + yy) * W + xx]! : pad);
  }
  return acc;
}

/** Flat index of the voxel nearest (z, y, x), or −1 outside the volume. */
export function nearestIndex(shape: Shape3D, z: number, y: number, x: number): number {
  const [D, H, W] = shape;
  const zn = Math.round(z);
  const yn = Math.round(y);
  const xn = Math.round(x);
  return zn >= 0 && zn < D && yn >= 0 && yn < H && xn >= 0 && xn < W ? (zn * H + yn) * W + xn : -1;
}
