/**
 * 3D connected components on `[D, H, W]` masks with 6-, 18- or 26-connectivity, by breadth-first
 * flood fill over a flat queue (linear time, no recursion).
 */
import { ShapeError } from '../core/errors.js';
import type { Shape3D } from '../core/types.js';

export type Connectivity = 6 | 18 | 26;

export interface Components {
  /** Component id per voxel: 0 background, 1..n by order of first voxel in memory order. */
  readonly labels: Int32Array;
  /** `sizes[id - 1]` = voxel count of component id. */
  readonly sizes: number[];
}

function neighbourOffsets(connectivity: Connectivity): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let dz = -1; dz <= 1; dz++)
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++) {
        const n = Math.abs(dz) + Math.abs(dy) + Math.abs(dx);
        if (n === 0) continue;
        if (connectivity === 6 && n > 1) continue;
        if (connectivity === 18 && n > 2) continue;
        out.push([dz, dy, dx]);
      }
  return out;
}

/**
 * Labels the connected components of the voxels where `isForeground(value)` holds (default: non-zero).
 */
export function connectedComponents(
  data: ArrayLike<number>,
  shape: Shape3D,
  connectivity: Connectivity = 26,
  isForeground: (v: number) => boolean = (v) => v !== 0,
): Components {
  const [D, H, W] = shape;
  if (data.length !== D * H * W)
    throw new ShapeError('connectedComponents', `${D * H * W} voxels`, `${data.length}`);
  const offs = neighbourOffsets(connectivity);
  const labels = new Int32Array(data.length);
  // The queue grows with the largest component, not the volume (a 600-slice CT is 157 M voxels).
  let queue = new Int32Array(Math.min(data.length, 1 << 16));
  const sizes: number[] = [];
  const HW = H * W;
  for (let seed = 0; seed < data.length; seed++) {
    if (labels[seed] !== 0 || !isForeground(data[seed]!)) continue;
    const id = sizes.length + 1;
    let head = 0;
    let tail = 0;
    queue[tail++] = seed;
    labels[seed] = id;
    while (head < tail) {
      const p = queue[head++]!;
      const z = Math.floor(p / HW);
      const y = Math.floor((p - z * HW) / W);
      const x = p - z * HW - y * W;
      for (const [dz, dy, dx] of offs) {
        const zz = z + dz;
        const yy = y + dy;
        const xx = x + dx;
        if (zz < 0 || zz >= D || yy < 0 || yy >= H || xx < 0 || xx >= W) continue;
        const q = zz * HW + yy * W + xx;
        if (labels[q] !== 0 || !isForeground(data[q]!)) continue;
        labels[q] = id;
        if (tail === queue.length) {
          const grown = new Int32Array(Math.min(data.length, queue.length * 2));
          grown.set(queue);
          queue = grown;
        }
        queue[tail++] = q;
      }
    }
    sizes.push(tail);
  }
  return { labels, sizes };
}
