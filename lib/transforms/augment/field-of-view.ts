/**
 * A short scan. Real CTs are often a slab of a few centimetres that ends inside an organ (the
 * real CT in `data/real-ct` is 90 mm and cuts both kidneys), while a rendered case spans the whole
 * KiTS scan, so a network trained on it has never seen a body end. Outside a random axial slab the
 * patch becomes what inference reads beyond a volume: the pad value, with background labels.
 */
import type { Shape3D } from '../../core/types.js';
import type { Rng } from '../../rng/rng.js';

/** The kept slab `[lo, hi)` along D: `extentVoxels` long, holding the patch centre. */
export function sampleSlab(patchD: number, extentVoxels: number, rng: Rng): readonly [number, number] {
  const centre = Math.floor(patchD / 2);
  const len = Math.max(1, Math.round(extentVoxels));
  const start = centre - rng.int(0, len - 1);
  return [Math.max(0, start), Math.min(patchD, start + len)];
}

/** Sets the image to `pad` and every nearest map to 0 outside slices `[lo, hi)`, in place. */
export function limitFieldOfView(
  image: Float32Array,
  nearest: readonly Float32Array[],
  patch: Shape3D,
  slab: readonly [number, number],
  pad: number,
): void {
  const plane = patch[1] * patch[2];
  for (let d = 0; d < patch[0]; d++) {
    if (d >= slab[0] && d < slab[1]) continue;
    image.fill(pad, d * plane, (d + 1) * plane);
    for (const m of nearest) m.fill(0, d * plane, (d + 1) * plane);
  }
}
