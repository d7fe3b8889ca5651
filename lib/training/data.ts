/**
 * Training data in memory: cases cropped to the body, resampled to the target spacing (image
 * linear/cubic, labels nearest), normalised, with their class locations for the sampler; and
 * seeded batches of patches drawn from them. (The on-disk preprocessing cache lands with #6.)
 */
import type { Config } from '../config/schema/index.js';
import type { Shape3D, Spacing3D } from '../core/types.js';
import { bodyBox, computeFingerprint, targetSpacing, type Fingerprint } from '../data/fingerprint.js';
import { loadCase, type CaseRef, type LoadedCase } from '../data/kits19.js';
import { classLocations, extractPatch, sampleCentre, type ClassLocations } from '../data/sampler.js';
import type { Rng } from '../rng/rng.js';
import { normalize, type Normalization } from '../transforms/intensity.js';
import { resampleVolume } from '../transforms/resample.js';

export interface PreparedCase {
  readonly id: string;
  readonly image: Float32Array;
  readonly label: Float32Array;
  readonly shape: Shape3D;
  readonly locs: ClassLocations;
  /** Value used to pad patches beyond the volume (the normalised image minimum). */
  readonly pad: number;
}

/** The preprocessing plan: target spacing and the concrete normalisation. */
export interface Plan {
  readonly spacingMm: Spacing3D;
  readonly normalization: Normalization;
  readonly fingerprint: Fingerprint;
}

/** Crops a loaded case to its body box. */
function crop(c: LoadedCase): { image: Float32Array; label: Float32Array; shape: Shape3D } {
  const shape = c.image.shape;
  const { lo, hi } = bodyBox(c.image.data, shape);
  const out: Shape3D = [hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]];
  const image = new Float32Array(out[0] * out[1] * out[2]);
  const label = new Float32Array(image.length);
  let o = 0;
  for (let d = lo[0]; d < hi[0]; d++)
    for (let h = lo[1]; h < hi[1]; h++) {
      const row = (d * shape[1] + h) * shape[2];
      for (let w = lo[2]; w < hi[2]; w++, o++) {
        image[o] = c.image.data[row + w]!;
        label[o] = c.label!.data[row + w]!;
      }
    }
  return { image, label, shape: out };
}

/** Derives the plan from the training cases (fingerprint → target spacing, normalisation stats). */
export function makePlan(cfg: Config, train: readonly LoadedCase[], rng: Rng): Plan {
  const fingerprint = computeFingerprint(
    train.map((c) => ({
      image: c.image.data,
      label: c.label!.data,
      shape: c.image.shape,
      spacingMm: c.image.spacingMm,
    })),
    rng,
  );
  const spacingMm = cfg.preprocess.spacing ?? targetSpacing(fingerprint);
  const n = cfg.preprocess.normalization;
  const f = fingerprint.foreground;
  const normalization: Normalization =
    n.type === 'ctForeground'
      ? { type: 'ctForeground', p005: f.p005, p995: f.p995, mean: f.mean, std: f.std }
      : n;
  return { spacingMm, normalization, fingerprint };
}

/** Crops, resamples and normalises one labelled case. */
export function prepareCase(
  c: LoadedCase,
  plan: Plan,
  interpolation: 'linear' | 'cubic',
  rng: Rng,
): PreparedCase {
  const cropped = crop(c);
  const img = resampleVolume(cropped.image, cropped.shape, c.image.spacingMm, plan.spacingMm, interpolation);
  const lab = resampleVolume(cropped.label, cropped.shape, c.image.spacingMm, plan.spacingMm, 'nearest');
  const image = normalize(img.data, plan.normalization);
  let pad = Infinity;
  for (let i = 0; i < image.length; i++) if (image[i]! < pad) pad = image[i]!;
  return { id: c.ref.id, image, label: lab.data, shape: img.shape, locs: classLocations(lab.data, rng), pad };
}

/** Loads labelled cases (for the plan and for training). */
export function loadCases(refs: readonly CaseRef[]): LoadedCase[] {
  return refs.map((r) => loadCase(r)).filter((c) => c.label !== undefined);
}

/** A batch `x` `[B, D, H, W, 1]` and label patches `[B, D, H, W]`, as flat arrays. */
export interface Batch {
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly shape: [number, number, number, number];
}

export function sampleBatch(
  cases: readonly PreparedCase[],
  patch: Shape3D,
  batchSize: number,
  rule: Config['train']['sampling'],
  rng: Rng,
): Batch {
  const n = patch[0] * patch[1] * patch[2];
  const x = new Float32Array(batchSize * n);
  const y = new Float32Array(batchSize * n);
  for (let b = 0; b < batchSize; b++) {
    const c = rng.pick(cases);
    const { centre } = sampleCentre(c.shape, rule, c.locs, rng);
    x.set(extractPatch(c.image, c.shape, centre, patch, c.pad), b * n);
    y.set(extractPatch(c.label, c.shape, centre, patch, 0), b * n);
  }
  return { x, y, shape: [batchSize, patch[0], patch[1], patch[2]] };
}
