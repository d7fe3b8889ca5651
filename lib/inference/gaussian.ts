/**
 * Gaussian importance map for sliding-window stitching (nnU-Net): σ = patch/8 per axis, peak 1 at
 * the window centre; floored so every voxel of a window keeps a positive weight (no division by
 * zero at the volume border, where a single window may cover a voxel).
 */
import type { Shape3D } from '../core/types.js';

const FLOOR = 1e-3;

export function gaussianImportance(patch: Shape3D, sigmaScale = 1 / 8): Float32Array {
  const axis = (n: number) => {
    const c = (n - 1) / 2;
    const s = Math.max(n * sigmaScale, 1e-6);
    return Float64Array.from({ length: n }, (_, i) => Math.exp(-((i - c) ** 2) / (2 * s * s)));
  };
  const [gd, gh, gw] = [axis(patch[0]), axis(patch[1]), axis(patch[2])];
  const out = new Float32Array(patch[0] * patch[1] * patch[2]);
  let max = 0;
  let o = 0;
  for (let d = 0; d < patch[0]; d++)
    for (let h = 0; h < patch[1]; h++)
      for (let w = 0; w < patch[2]; w++, o++) {
        out[o] = gd[d]! * gh[h]! * gw[w]!;
        if (out[o]! > max) max = out[o]!;
      }
  for (let i = 0; i < out.length; i++) out[i] = Math.max(out[i]! / max, FLOOR);
  return out;
}
