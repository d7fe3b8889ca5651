/**
 * Overlay figures: CT with reference and/or predicted labels, side by side, on one slice chosen by
 * the caller or where the labels have the most foreground. Inputs on the canonical grid.
 */
import type { Shape3D, Spacing3D } from '../core/types.js';
import { UsageError } from '../core/errors.js';
import { renderSlice, type SliceAxis } from './overlay.js';
import { encodePng } from './png.js';

export interface RenderInput {
  readonly image: ArrayLike<number>;
  readonly shape: Shape3D;
  readonly spacingMm: Spacing3D;
  /** Panels besides the plain CT, e.g. reference then prediction. */
  readonly panels: readonly ArrayLike<number>[];
  readonly axis: SliceAxis;
  /** Slice index along the axis; default: the one with the most foreground over all panels. */
  readonly index?: number;
  readonly window?: readonly [number, number];
}

const AXIS: Record<SliceAxis, number> = { axial: 0, coronal: 1, sagittal: 2 };

/** The slice along `axis` with the most labelled voxels in `panels` (the middle when none). */
export function busiestSlice(shape: Shape3D, panels: readonly ArrayLike<number>[], axis: SliceAxis): number {
  const a = AXIS[axis];
  const [, H, W] = shape;
  const counts = new Float64Array(shape[a]!);
  for (const p of panels)
    for (let i = 0; i < p.length; i++) {
      if (p[i] === 0) continue;
      const c = [Math.floor(i / (H * W)), Math.floor(i / W) % H, i % W][a]!;
      counts[c] = counts[c]! + 1;
    }
  let best = -1;
  let at = Math.floor(shape[a]! / 2);
  counts.forEach((v, i) => {
    if (v > best && v > 0) {
      best = v;
      at = i;
    }
  });
  return at;
}

/** A PNG: the plain CT slice followed by one overlay per panel, 4 px apart. */
export function renderOverlayPng(inp: RenderInput): { png: Uint8Array; index: number } {
  const n = inp.shape[AXIS[inp.axis]]!;
  const index = inp.index ?? busiestSlice(inp.shape, inp.panels, inp.axis);
  if (!Number.isInteger(index) || index < 0 || index >= n)
    throw new UsageError(`--slice: expected 0…${n - 1} along the ${inp.axis} axis, got ${index}`);
  const base = { image: inp.image, shape: inp.shape, spacingMm: inp.spacingMm, axis: inp.axis, index };
  const win = inp.window === undefined ? {} : { window: inp.window };
  const tiles = [
    renderSlice({ ...base, ...win }),
    ...inp.panels.map((labels) => renderSlice({ ...base, ...win, labels })),
  ];
  const gap = 4;
  const { width: w, height: h } = tiles[0]!;
  const width = tiles.length * w + (tiles.length - 1) * gap;
  const rgb = new Uint8Array(width * h * 3);
  tiles.forEach((t, k) => {
    for (let y = 0; y < h; y++)
      rgb.set(t.rgb.subarray(y * w * 3, (y + 1) * w * 3), (y * width + k * (w + gap)) * 3);
  });
  return { png: encodePng(rgb, width, h), index };
}
