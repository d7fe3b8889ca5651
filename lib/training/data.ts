/**
 * Training data in memory: cases cropped to the body, resampled to the target spacing (image
 * linear/cubic, labels nearest), normalised, with their class locations for the sampler; and
 * seeded batches of patches drawn from them. (The on-disk preprocessing cache lands with #6.)
 */
import type { Config } from '../config/schema/index.js';
import type { Shape3D, Spacing3D } from '../core/types.js';
import { loadCase, type CaseRef, type LoadedCase } from '../data/kits19.js';
import type { LabelSet } from '../core/labels.js';
import { classLocations, sampleCentre, type ClassLocations } from '../data/sampler.js';
import { kidneyBoxes, type CropRule } from '../postprocess/kidney-components.js';
import { extractSlice, sliceIndices, type SliceRule } from '../data/slices.js';
import { bodyBox, boxShape, cropBox, extractPatch, type Box } from '../ops/crop.js';
import type { Rng } from '../rng/rng.js';
import { resampleToShape } from '../transforms/resample.js';
import { preprocessRegion, type GridPlan } from '../preprocess/pipeline.js';
import type { Augmenter } from '../transforms/augment/index.js';
import { corruptPrior, type PriorCorruption } from './prior.js';
import { reshade } from '../synth/reshade.js';
import { normalize, type Normalization } from '../transforms/intensity.js';

export interface PreparedCase {
  readonly id: string;
  readonly image: Float32Array;
  readonly label: Float32Array;
  readonly shape: Shape3D;
  readonly locs: ClassLocations;
  /** Value used to pad patches beyond the volume (the normalised image minimum). */
  readonly pad: number;
  /** Cascade stage 2: the clean spatial prior (kidney+tumour mask), corrupted per patch. */
  readonly prior?: Float32Array;
  /** 2D slice mode: the slice indices to sample (precomputed by `withLocations`). */
  readonly slices?: number[];
  /** `data.render`: the tissue map the patches are re-shaded from. */
  readonly tissue?: Float32Array;
}

/** A case cropped, resampled and normalised (what the preprocessing cache stores). */
export type PreprocessedCase = Omit<PreparedCase, 'locs' | 'prior'>;

/** Crops one labelled case to its body, resamples and normalises it (the shared pipeline). */
export function preprocessCase(
  c: LoadedCase,
  plan: GridPlan,
  interpolation: 'linear' | 'cubic',
  tissue: ArrayLike<number> | null = null,
): PreprocessedCase {
  const box = bodyBox(c.image.data, c.image.shape);
  const masks = tissue === null ? [c.label!.data] : [c.label!.data, tissue];
  const r = preprocessRegion(c.image, box, plan, { interpolation, masks });
  const out = { id: c.ref.id, image: r.image, label: r.masks[0]!, shape: r.shape, pad: r.pad };
  return tissue === null ? out : { ...out, tissue: r.masks[1]! };
}

/** Adds the sampler's class locations (seeded subsampling). */
export function withLocations(p: PreprocessedCase, rng: Rng, slices: SliceRule | null = null): PreparedCase {
  const locs = classLocations(p.label, rng);
  return slices === null ? { ...p, locs } : { ...p, locs, slices: sliceIndices(p.label, p.shape, slices) };
}

/** Loads labelled cases (for the plan and for training). */
export function loadCases(refs: readonly CaseRef[], labels: LabelSet): LoadedCase[] {
  return refs.map((r) => loadCase(r, labels)).filter((c) => c.label !== undefined);
}

/**
 * Cascade stage-2 training cases: one crop per ground-truth kidney (the kept components, as the
 * cascade's inference derives its boxes from stage 1), grown by the rule's margin (or one fixed
 * ROI), with the kidney+tumour mask as the prior channel. With `resizeTo` (detection cascade) each
 * crop is resized to that shape, and `cropsPerKidney − 1` more crops with per-side margins jittered
 * by up to `jitterMm` are added (the paper's random crops, drawn once from the seeded stream).
 * `from` (stage 1's labels on the case's grid) replaces the reference as the source of the boxes
 * and the prior; the crops' labels are always the reference.
 */
export function kidneyCrops(
  c: PreparedCase,
  spacingMm: Spacing3D,
  rule: CropRule,
  rng: Rng,
  from?: Uint8Array,
): PreparedCase[] {
  const labels = from ?? Uint8Array.from(c.label);
  const boxes = kidneyBoxes(labels, c.shape, spacingMm, rule);
  const resize = rule.resizeTo ?? null;
  const jittered: Box[] = [];
  if (resize !== null) {
    const tight = kidneyBoxes(labels, c.shape, spacingMm, { marginMm: [0, 0, 0] });
    const jitter = rule.jitterMm ?? [0, 0, 0];
    for (const b of tight)
      for (let k = 1; k < (rule.cropsPerKidney ?? 1); k++) {
        const side = (a: number) =>
          Math.max(0, Math.round((rule.marginMm[a]! + rng.uniform(-jitter[a]!, jitter[a]!)) / spacingMm[a]!));
        jittered.push({
          lo: [0, 1, 2].map((a) => Math.max(0, b.lo[a]! - side(a))) as unknown as Shape3D,
          hi: [0, 1, 2].map((a) => Math.min(c.shape[a]!, b.hi[a]! + side(a))) as unknown as Shape3D,
        });
      }
  }
  return [...boxes, ...jittered].map((box, k) => {
    let shape = boxShape(box);
    let image = cropBox(c.image, c.shape, box);
    let label = cropBox(c.label, c.shape, box);
    let prior = from === undefined ? label : cropBox(from, c.shape, box);
    let tissue = c.tissue === undefined ? undefined : cropBox(c.tissue, c.shape, box);
    if (resize !== null) {
      const target = resize as unknown as Shape3D;
      image = resampleToShape(image, shape, target, 'linear').data;
      label = resampleToShape(label, shape, target, 'nearest').data;
      prior = from === undefined ? label : resampleToShape(prior, shape, target, 'nearest').data;
      if (tissue !== undefined) tissue = resampleToShape(tissue, shape, target, 'nearest').data;
      shape = target;
    }
    return {
      id: `${c.id}#${k}`,
      image,
      label,
      shape,
      locs: classLocations(label, rng),
      pad: c.pad,
      prior: Float32Array.from(prior, (v) => (v > 0 ? 1 : 0)),
      ...(tissue === undefined ? {} : { tissue }),
    };
  });
}

/** A batch `x` `[B, D, H, W, C]` (channels last) and label patches `[B, D, H, W]`, as flat arrays. */
export interface Batch {
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly shape: [number, number, number, number];
  readonly channels: number;
}

/** How `sampleBatch` draws: the centre rule, and the optional prior corruption, augmentation, slices. */
export interface SampleOptions {
  readonly sampling: Config['train']['sampling'];
  readonly corruption?: PriorCorruption | null;
  readonly augment?: { readonly augmenter: Augmenter; readonly spacingMm: Spacing3D } | null;
  /** 2D slice mode: whole axial slices resized to `patch[1..2]` (`patch[0]` is 1). */
  readonly slices?: SliceRule | null;
  /** `data.render`: re-shade patches of cases with a tissue map, normalised as the plan says. */
  readonly render?: RenderOptions | null;
}

export interface RenderOptions {
  readonly probability: number;
  /** Share of re-shaded patches with a wild palette (`samplePalette`). */
  readonly wild: number;
  readonly normalization: Normalization;
  readonly spacingMm: Spacing3D;
}

/** One sample: image patch and the nearest-neighbour maps (labels, then the prior when present). */
function drawOne(
  c: PreparedCase,
  patch: Shape3D,
  o: SampleOptions,
  rng: Rng,
): { image: Float32Array; nearest: Float32Array[] } {
  // Nearest-neighbour maps: the labels, then the prior and the tissue map when present.
  const maps = [
    c.label,
    ...(c.prior === undefined ? [] : [c.prior]),
    ...(c.tissue === undefined ? [] : [c.tissue]),
  ];
  const aug = o.augment ?? null;
  if (o.slices !== null && o.slices !== undefined) {
    const pool = c.slices ?? sliceIndices(c.label, c.shape, o.slices);
    const d = pool.length > 0 ? rng.pick(pool) : rng.int(0, c.shape[0] - 1);
    const size: [number, number] = [patch[1], patch[2]];
    const image = extractSlice(c.image, c.shape, d, o.slices, size, 'linear');
    const nearest = maps.map((m) => extractSlice(m, c.shape, d, o.slices!, size, 'nearest'));
    if (aug === null) return { image, nearest };
    const centre: Shape3D = [0, Math.floor(size[0] / 2), Math.floor(size[1] / 2)];
    const src = { image, nearest, shape: patch, spacingMm: [1, 1, 1] as const, pad: c.pad };
    return aug.augmenter.patch(src, centre, patch, rng);
  }
  // A case the size of the patch (resized kidney crops) is taken whole.
  const whole = c.shape.every((n, a) => n === patch[a]);
  const centre = whole
    ? (patch.map((n) => Math.floor(n / 2)) as unknown as Shape3D)
    : sampleCentre(c.shape, o.sampling, c.locs, rng).centre;
  if (aug === null)
    return {
      image: extractPatch(c.image, c.shape, centre, patch, c.pad),
      nearest: maps.map((m) => extractPatch(m, c.shape, centre, patch, 0)),
    };
  const src = { image: c.image, nearest: maps, shape: c.shape, spacingMm: aug.spacingMm, pad: c.pad };
  return aug.augmenter.patch(src, centre, patch, rng);
}

/** With the configured probability, the patch's image drawn anew from its tissue map; else the stored one. */
function reshadedPatch(
  tissue: Float32Array,
  patch: Shape3D,
  r: RenderOptions,
  rng: Rng,
): Float32Array | undefined {
  if (!rng.bernoulli(r.probability)) return undefined;
  const fresh = rng.fork(`reshade-${rng.int(0, 2 ** 31 - 1)}`);
  return normalize(reshade(tissue, patch, r.spacingMm, fresh, false, r.wild).hu, r.normalization);
}

export function sampleBatch(
  cases: readonly PreparedCase[],
  patch: Shape3D,
  batchSize: number,
  rng: Rng,
  o: SampleOptions,
): Batch {
  const n = patch[0] * patch[1] * patch[2];
  const channels = cases[0]?.prior === undefined ? 1 : 2;
  const x = new Float32Array(batchSize * n * channels);
  const y = new Float32Array(batchSize * n);
  for (let b = 0; b < batchSize; b++) {
    const c = rng.pick(cases);
    const got = drawOne(c, patch, o, rng);
    const render = o.render ?? null;
    const image =
      (c.tissue !== undefined && render !== null
        ? reshadedPatch(got.nearest[got.nearest.length - 1]!, patch, render, rng)
        : undefined) ?? got.image;
    y.set(got.nearest[0]!, b * n);
    if (channels === 1) {
      x.set(image, b * n);
      continue;
    }
    let prior = got.nearest[1]!;
    if (o.corruption !== null && o.corruption !== undefined)
      prior = corruptPrior(prior, patch, o.corruption, rng);
    for (let i = 0; i < n; i++) {
      x[(b * n + i) * 2] = image[i]!;
      x[(b * n + i) * 2 + 1] = prior[i]!;
    }
  }
  return { x, y, shape: [batchSize, patch[0], patch[1], patch[2]], channels };
}
