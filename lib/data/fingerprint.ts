/**
 * The dataset fingerprint (nnU-Net): spacings, shapes and foreground intensity statistics over
 * the training cases, and the target spacing derived from it — the median spacing, except that a
 * strongly anisotropic coarse axis takes its 10th-percentile spacing (nnU-Net's rule).
 */
import type { Shape3D, Spacing3D } from '../core/types.js';
import type { Rng } from '../rng/rng.js';
import { percentile } from './stats.js';

export interface Fingerprint {
  readonly cases: number;
  readonly spacings: readonly Spacing3D[];
  readonly shapes: readonly Shape3D[];
  readonly medianSpacing: Spacing3D;
  readonly medianShape: Shape3D;
  /** Intensities of foreground (label > 0) voxels, sampled per case. */
  readonly foreground: { mean: number; std: number; p005: number; p995: number; min: number; max: number; samples: number };
}

/** One case as the fingerprint needs it: canonical `[D, H, W]` image and labels. */
export interface FingerprintCase {
  readonly image: ArrayLike<number>;
  readonly label: ArrayLike<number>;
  readonly shape: Shape3D;
  readonly spacingMm: Spacing3D;
}

/** Samples up to `perCase` foreground intensities from each case (uniformly, with `rng`). */
export function computeFingerprint(cases: Iterable<FingerprintCase>, rng: Rng, perCase = 10000): Fingerprint {
  const spacings: Spacing3D[] = [];
  const shapes: Shape3D[] = [];
  const values: number[] = [];
  for (const c of cases) {
    spacings.push(c.spacingMm);
    shapes.push(c.shape);
    const fg: number[] = [];
    for (let i = 0; i < c.label.length; i++) if (c.label[i]! > 0) fg.push(i);
    const take = Math.min(perCase, fg.length);
    for (let k = 0; k < take; k++) values.push(c.image[fg[take === fg.length ? k : rng.int(0, fg.length - 1)]!]!);
  }
  const n = values.length;
  const mean = n === 0 ? 0 : values.reduce((a, b) => a + b, 0) / n;
  const std = n === 0 ? 1 : Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  const axis = (xs: readonly (readonly number[])[], a: number) => xs.map((x) => x[a]!);
  return {
    cases: spacings.length,
    spacings,
    shapes,
    medianSpacing: [0, 1, 2].map((a) => percentile(axis(spacings, a), 50)) as unknown as Spacing3D,
    medianShape: [0, 1, 2].map((a) => percentile(axis(shapes, a), 50)) as unknown as Shape3D,
    foreground: {
      mean,
      std,
      p005: percentile(values, 0.5),
      p995: percentile(values, 99.5),
      min: values.reduce((a, b) => Math.min(a, b), n === 0 ? 0 : Infinity),
      max: values.reduce((a, b) => Math.max(a, b), n === 0 ? 0 : -Infinity),
      samples: n,
    },
  };
}

/** nnU-Net's anisotropy threshold. */
export const ANISOTROPY = 3;

/** Target spacing from a fingerprint (nnU-Net `determine_fullres_target_spacing`). */
export function targetSpacing(fp: Pick<Fingerprint, 'spacings' | 'shapes' | 'medianSpacing'>): Spacing3D {
  const target = [...fp.medianSpacing];
  const sizes = [0, 1, 2].map((a) => percentile(fp.shapes.map((s, i) => (s[a]! * fp.spacings[i]![a]!) / target[a]!), 50));
  const worst = target.indexOf(Math.max(...target));
  const others = [0, 1, 2].filter((a) => a !== worst);
  const otherMax = Math.max(...others.map((a) => target[a]!));
  const anisoSpacing = target[worst]! > ANISOTROPY * otherMax;
  const anisoVoxels = sizes[worst]! * ANISOTROPY < Math.min(...others.map((a) => sizes[a]!));
  if (anisoSpacing && anisoVoxels) {
    let t = percentile(fp.spacings.map((s) => s[worst]!), 10);
    if (t < otherMax) t = Math.max(otherMax, t) + 1e-5;
    target[worst] = t;
  }
  return target as unknown as Spacing3D;
}

