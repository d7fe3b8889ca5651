/**
 * Domain randomisation on the fly (`data.render`): a training patch's tissue map shaded anew with
 * a freshly drawn phase, palette and scanner, as SynthSeg draws new intensities for every training
 * example. A stored rendering shows each case in one contrast for the whole run; re-shading shows
 * every patch in another, so no tissue's brightness can stand in for its shape and place.
 */
import type { Shape3D, Spacing3D } from '../core/types.js';
import type { Rng } from '../rng/rng.js';
import { samplePalette, TISSUES, type Palette } from './palette.js';
import { degrade, sampleImaging, tissueTextures } from './randomized.js';

export interface Reshaded {
  /** HU, `[D, H, W]` like the tissue map. */
  readonly hu: Float32Array;
  readonly palette: Palette;
}

/**
 * Shades a tissue map (ids of `TISSUES`, 0 unpainted = air) with a palette and scanner drawn from
 * `rng`; `clean` leaves out the bias, noise and blur; `wild` is the share of wild palettes. The point spread is in voxels of this grid.
 */
export function reshade(
  tissue: ArrayLike<number>,
  shape: Shape3D,
  spacingMm: Spacing3D,
  rng: Rng,
  clean = false,
  wild = 0,
): Reshaded {
  const palette = samplePalette(rng.fork('palette'), wild);
  const tex = tissueTextures(rng.fork('texture'));
  const mean = TISSUES.map((t) => palette.shades[t].mean);
  const amp = TISSUES.map((t) => palette.shades[t].texture);
  // A random texture origin, so that patches of one case do not share their texture.
  const o = rng.fork('origin');
  const origin: [number, number, number] = [o.uniform(-500, 500), o.uniform(-500, 500), o.uniform(-500, 500)];
  const [D, H, W] = shape;
  const [sz, sy, sx] = spacingMm;
  const hu = new Float32Array(D * H * W);
  for (let d = 0, i = 0; d < D; d++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++, i++) {
        const id = Math.round(tissue[i]!);
        if (!(id >= 0 && id <= TISSUES.length))
          throw new RangeError(`reshade: tissue id ${id} at voxel ${i} is outside 0–${TISSUES.length}`);
        const k = Math.max(0, id - 1);
        const a = amp[k]!;
        hu[i] =
          mean[k]! + (a === 0 ? 0 : a * tex[k]!(origin[0] + w * sx, origin[1] + h * sy, origin[2] + d * sz));
      }
  if (!clean) degrade(hu, shape, spacingMm, origin, sampleImaging(rng.fork('scanner')), rng.fork('noise'));
  return { hu, palette };
}
