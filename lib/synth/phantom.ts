/**
 * Synthetic KiTS19-style cases: anatomy + labelled kidneys painted on the canonical grid, then
 * stored in one of three file orientations (RAS, LPS, or KiTS19's slice-axis-first layout) so
 * every reader path is exercised. Same seed → same case, byte for byte.
 */
import { diagonalAffine, type Mat4 } from '../io/affine.js';
import { fileAffineFor, fromCanonical, type Orientation } from '../io/orientation.js';
import type { Rng } from '../rng/rng.js';
import { finishImage, paintBody, sampleBody } from './anatomy.js';
import { Canvas } from './canvas.js';
import { paintKidneys, sampleKidneys } from './kidney.js';

export type SynthPreset = 'small' | 'kits';
export type FileLayout = 'RAS' | 'LPS' | 'slice-first';

interface PresetGrid {
  readonly inPlane: number;
  readonly spacingXY: [number, number];
  readonly spacingZ: [number, number];
  readonly extentZ: [number, number];
}

/** Grid ranges per preset: `small` trains on a 2-core CPU in minutes; `kits` has KiTS19's size. */
export const PRESETS: Record<SynthPreset, PresetGrid> = {
  small: { inPlane: 128, spacingXY: [2.7, 3.2], spacingZ: [2.5, 5], extentZ: [190, 230] },
  kits: { inPlane: 512, spacingXY: [0.6, 0.95], spacingZ: [1, 5], extentZ: [220, 320] },
};

export interface SynthCase {
  /** File-order voxels. */
  readonly image: Int16Array;
  readonly label: Uint8Array;
  readonly fileShape: [number, number, number];
  readonly affine: Mat4;
  readonly layout: FileLayout;
  readonly spacingMm: [number, number, number];
}

/** Orientation that stores canonical data in the given layout. */
function layoutOrientation(layout: FileLayout, D: number, H: number, W: number): Orientation {
  switch (layout) {
    case 'RAS':
      return { fileAxis: [0, 1, 2], flip: [false, false, false], fileShape: [W, H, D] };
    case 'LPS':
      return { fileAxis: [0, 1, 2], flip: [true, true, false], fileShape: [W, H, D] };
    case 'slice-first':
      // KiTS19 original: file axes (slice, row, column) run along −z, −y, −x.
      return { fileAxis: [2, 1, 0], flip: [true, true, true], fileShape: [D, H, W] };
  }
}

/** Renders one case from its own random stream. */
export function synthCase(rng: Rng, preset: SynthPreset): SynthCase {
  const g = PRESETS[preset];
  const geo = rng.fork('geometry');
  const sxy = geo.uniform(...g.spacingXY);
  const sz = geo.uniform(...g.spacingZ);
  const D = Math.round(geo.uniform(...g.extentZ) / sz);
  const H = g.inPlane;
  const W = g.inPlane;
  const layoutDraw = geo.next();
  const layout: FileLayout = layoutDraw < 0.3 ? 'slice-first' : layoutDraw < 0.5 ? 'LPS' : 'RAS';
  // Body centred near the grid centre; kidneys a little below the middle of the z range.
  const shift = [geo.uniform(-15, 15), geo.uniform(-10, 10)];
  const origin: [number, number, number] = [
    -(W - 1) * sxy * 0.5 + shift[0]!,
    -(H - 1) * sxy * 0.5 + shift[1]!,
    -(D - 1) * sz * geo.uniform(0.45, 0.6),
  ];
  const cv = new Canvas([D, H, W], [sz, sxy, sxy], origin, -1000);
  const body = sampleBody(rng.fork('body'));
  paintBody(cv, body, rng.fork('anatomy'));
  const kidneys = sampleKidneys(rng.fork('kidneys'), body);
  paintKidneys(cv, kidneys, body, rng.fork('kidney-texture'));
  const image = finishImage(cv, rng.fork('noise'), rng.fork('scanner').uniform(6, 20));
  const o = layoutOrientation(layout, D, H, W);
  const canonicalAff = diagonalAffine([sxy, sxy, sz], origin);
  return {
    image: fromCanonical(image, o),
    label: fromCanonical(cv.label, o),
    fileShape: [...o.fileShape] as [number, number, number],
    affine: fileAffineFor(o, canonicalAff),
    layout,
    spacingMm: [sz, sxy, sxy],
  };
}
