/**
 * Chamfer distance transform in millimetres on `[D, H, W]` grids with anisotropic spacing: for
 * every voxel inside the mask, the approximate distance to the nearest voxel outside it (two
 * raster passes over the 26-neighbourhood; exact along grid axes and diagonals).
 */
import type { Shape3D, Spacing3D } from '../core/types.js';

export function distanceInside(
  inside: (i: number) => boolean,
  shape: Shape3D,
  spacingMm: Spacing3D,
): Float32Array {
  const [D, H, W] = shape;
  const n = D * H * W;
  const dist = new Float32Array(n);
  for (let i = 0; i < n; i++) dist[i] = inside(i) ? Infinity : 0;
  // Neighbours preceding a voxel in raster order (forward pass); the backward pass mirrors them.
  const fwd: { dz: number; dy: number; dx: number; w: number }[] = [];
  for (let dz = -1; dz <= 0; dz++)
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++) {
        if (dz === 0 && (dy > 0 || (dy === 0 && dx >= 0))) continue;
        fwd.push({ dz, dy, dx, w: Math.hypot(dz * spacingMm[0], dy * spacingMm[1], dx * spacingMm[2]) });
      }
  const pass = (sign: 1 | -1) => {
    const start = sign === 1 ? 0 : D - 1;
    for (let z = start; z >= 0 && z < D; z += sign)
      for (let y = sign === 1 ? 0 : H - 1; y >= 0 && y < H; y += sign)
        for (let x = sign === 1 ? 0 : W - 1; x >= 0 && x < W; x += sign) {
          const i = (z * H + y) * W + x;
          let best = dist[i]!;
          if (best === 0) continue;
          for (const o of fwd) {
            const zz = z + sign * o.dz;
            const yy = y + sign * o.dy;
            const xx = x + sign * o.dx;
            // Outside the grid counts as outside the mask, at the distance to the border voxel.
            const v =
              zz < 0 || zz >= D || yy < 0 || yy >= H || xx < 0 || xx >= W ? 0 : dist[(zz * H + yy) * W + xx]!;
            if (v + o.w < best) best = v + o.w;
          }
          dist[i] = best;
        }
  };
  pass(1);
  pass(-1);
  return dist;
}
