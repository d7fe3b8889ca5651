/**
 * Tumour component filters. A dropped tumour becomes kidney (label 1) when it touches kidney
 * tissue and background otherwise, so kidney Dice is not punished for a tumour-shape decision.
 */
import type { Shape3D, Spacing3D } from '../core/types.js';
import { connectedComponents, type Connectivity } from '../ops/components.js';
import { coordinateEigenvalues } from '../ops/eigen.js';

/** Tumour components as voxel index lists (label == 2). */
function tumourComponents(labels: Uint8Array, shape: Shape3D, connectivity: Connectivity): Int32Array[] {
  const cc = connectedComponents(labels, shape, connectivity, (v) => v === 2);
  const lists = cc.sizes.map((s) => new Int32Array(s));
  const fill = new Int32Array(cc.sizes.length);
  for (let i = 0; i < labels.length; i++) {
    const id = cc.labels[i]!;
    if (id > 0) lists[id - 1]![fill[id - 1]!++] = i;
  }
  return lists;
}

/** Whether any voxel of the component has a kidney (label 1) 6-neighbour. */
function touchesKidney(labels: Uint8Array, shape: Shape3D, voxels: Int32Array): boolean {
  const [D, H, W] = shape;
  for (const i of voxels) {
    const w = i % W;
    const h = Math.floor(i / W) % H;
    const d = Math.floor(i / (H * W));
    if (
      (w > 0 && labels[i - 1] === 1) ||
      (w < W - 1 && labels[i + 1] === 1) ||
      (h > 0 && labels[i - W] === 1) ||
      (h < H - 1 && labels[i + W] === 1) ||
      (d > 0 && labels[i - H * W] === 1) ||
      (d < D - 1 && labels[i + H * W] === 1)
    )
      return true;
  }
  return false;
}

function drop(labels: Uint8Array, shape: Shape3D, voxels: Int32Array): void {
  const to = touchesKidney(labels, shape, voxels) ? 1 : 0;
  for (const i of voxels) labels[i] = to;
}

/**
 * Keeps a tumour component only when at least `minFraction` of its voxels lie in a
 * kidney+tumour component that contains kidney tissue (label 1); tumour floating away from any
 * kidney is removed. Returns the number of components dropped.
 */
export function tumourInsideKidney(
  labels: Uint8Array,
  shape: Shape3D,
  minFraction: number,
  connectivity: Connectivity,
): number {
  const fg = connectedComponents(labels, shape, connectivity);
  const hasKidney = new Uint8Array(fg.sizes.length + 1);
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) hasKidney[fg.labels[i]!] = 1;
  let dropped = 0;
  for (const comp of tumourComponents(labels, shape, connectivity)) {
    let inside = 0;
    for (const i of comp) inside += hasKidney[fg.labels[i]!]!;
    if (inside < minFraction * comp.length) {
      for (const i of comp) labels[i] = 0;
      dropped++;
    }
  }
  return dropped;
}

/**
 * Cyst filter (Wei et al.): tumour components whose mean HU in `image` is below `minHu`
 * (fluid-density cysts, which KiTS19 labels as kidney) become kidney. Returns the count.
 */
export function cystFilter(
  labels: Uint8Array,
  image: ArrayLike<number>,
  shape: Shape3D,
  minHu: number,
  connectivity: Connectivity,
): number {
  let n = 0;
  for (const comp of tumourComponents(labels, shape, connectivity)) {
    let sum = 0;
    for (const i of comp) sum += image[i]!;
    if (sum / comp.length < minHu) {
      drop(labels, shape, comp);
      n++;
    }
  }
  return n;
}

/**
 * Tumour-shape filter (2D U-Net paper): drops tumour components whose ratio of the two largest
 * eigenvalues of their voxel coordinates (mm) lies outside `[lo, hi]`; components too small to
 * have a second eigenvalue are dropped too. Returns the count.
 */
export function eigenFilter(
  labels: Uint8Array,
  shape: Shape3D,
  spacingMm: Spacing3D,
  range: readonly [number, number],
  connectivity: Connectivity,
): number {
  let n = 0;
  for (const comp of tumourComponents(labels, shape, connectivity)) {
    const [l1, l2] = coordinateEigenvalues(comp, shape, spacingMm);
    const ratio = l2 > 0 ? l1 / l2 : Infinity;
    if (!(ratio >= range[0] && ratio <= range[1])) {
      drop(labels, shape, comp);
      n++;
    }
  }
  return n;
}
