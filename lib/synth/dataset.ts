/** Writes a synthetic dataset in the KiTS19 layout, case by case, with a provenance file. */
import { join } from 'node:path';
import { discoverCases, TISSUE_FILE } from '../data/kits19.js';
import { LABEL_SCHEMES, type LabelSet } from '../core/labels.js';
import { assertKitsLabels } from '../data/labels.js';
import { writeJsonAtomic } from '../io/atomic.js';
import { readCanonical, writeLikeSource } from '../io/canonical.js';
import { resampleNearest } from '../ops/resample.js';
import { renderAroundLabels, type LabelGrid } from './from-labels.js';
import type { Anatomy } from './crowding.js';
import { renderRandomized } from './randomized.js';
import { TISSUES } from './palette.js';
import { writeNifti } from '../io/nifti.js';
import { Rng } from '../rng/rng.js';
import { synthCase, type SynthPreset } from './phantom.js';

export interface SynthOptions {
  readonly out: string;
  readonly cases: number;
  readonly seed: number;
  readonly preset: SynthPreset;
  /** Called after each case is written. */
  readonly onCase?: (index: number, total: number, id: string) => void;
}

export interface SynthSummary {
  readonly out: string;
  readonly cases: {
    id: string;
    shape: number[];
    layout: string;
    spacingMm: number[];
    /** Randomised rendering: the case's contrast phase and scanner noise. */
    render?: { phase: string; noiseStd: number };
  }[];
}

export const RENDER_STYLES = ['fixed', 'randomized'] as const;
export type RenderStyle = (typeof RENDER_STYLES)[number];

/** One case's image in the chosen style, with what the dataset file records of it. */
function render(
  g: LabelGrid,
  rng: Rng,
  style: RenderStyle,
  anatomy: Anatomy,
): { image: Int16Array; tissue?: Uint8Array; render?: SynthSummary['cases'][number]['render'] } {
  if (style === 'fixed') return { image: renderAroundLabels(g, rng) };
  const r = renderRandomized(g, rng, { anatomy });
  return {
    image: r.image,
    tissue: r.tissueMap,
    render: { phase: r.palette.phase, noiseStd: Number(r.scanner.noiseStd.toFixed(1)) },
  };
}

export function caseId(i: number): string {
  return `case_${String(i).padStart(5, '0')}`;
}

/** Generates `cases` cases; case i depends only on (seed, i), so datasets of any size agree on shared ids. */
export function writeSyntheticDataset(opts: SynthOptions): SynthSummary {
  const root = Rng.fromSeed(opts.seed).fork(`synth-${opts.preset}`);
  const summary: SynthSummary = { out: opts.out, cases: [] };
  for (let i = 0; i < opts.cases; i++) {
    const id = caseId(i);
    const c = synthCase(root.fork(id), opts.preset);
    const dir = join(opts.out, id);
    writeNifti(join(dir, 'imaging.nii.gz'), { data: c.image, shape: c.fileShape, affine: c.affine }, 'int16');
    writeNifti(
      join(dir, 'segmentation.nii.gz'),
      { data: c.label, shape: c.fileShape, affine: c.affine },
      'uint8',
    );
    summary.cases.push({ id, shape: c.fileShape, layout: c.layout, spacingMm: c.spacingMm });
    opts.onCase?.(i, opts.cases, id);
  }
  writeJsonAtomic(join(opts.out, 'dataset.json'), {
    generator: 'kitseg synth',
    seed: opts.seed,
    preset: opts.preset,
    labels: { 0: 'background', 1: 'kidney', 2: 'tumor' },
    cases: summary.cases,
  });
  return summary;
}

export interface FromLabelsOptions {
  readonly labels: string;
  readonly out: string;
  readonly seed: number;
  /** Resample to this `[D, H, W]` (z, y, x) spacing in mm, labels nearest; omitted: the label file's grid. */
  readonly spacingMm?: readonly [number, number, number];
  /** The label set of the label maps (kits23: with cysts, label 3). */
  readonly labelSet?: LabelSet;
  /** Render only the first `limit` labelled cases (sorted by id). */
  readonly limit?: number;
  /** `randomized`: a contrast phase, tissue shades, bone and scanner drawn per case (`randomized.ts`). */
  readonly style?: RenderStyle;
  /** With `randomized`: the abdomen's contents (`crowded` unless given; `sparse` is the first version). */
  readonly anatomy?: Anatomy;
  readonly onCase?: (index: number, total: number, id: string) => void;
}

/**
 * Renders CT around every labelled case of a KiTS19-layout folder. Without `spacingMm` each
 * output has exactly the label file's shape and affine; with it, the canonical RAS grid at that
 * spacing covering the same extent.
 */
export function writeFromLabelsDataset(opts: FromLabelsOptions): SynthSummary {
  const style = opts.style ?? 'fixed';
  const anatomy = opts.anatomy ?? 'crowded';
  // The fixed stream keeps its historical name, so the papers' renderings stay byte-identical.
  const root = Rng.fromSeed(opts.seed).fork(style === 'fixed' ? 'synth-from-labels' : 'synth-randomized');
  const cases = discoverCases(opts.labels, false)
    .filter((c) => c.segmentationPath !== undefined)
    .slice(0, opts.limit);
  const summary: SynthSummary = { out: opts.out, cases: [] };
  cases.forEach((c, i) => {
    const label = readCanonical(c.segmentationPath!);
    assertKitsLabels(label.data, c.segmentationPath!, label.scaling, opts.labelSet ?? 'kits19');
    const dir = join(opts.out, c.id);
    if (opts.spacingMm === undefined) {
      const r = render(label, root.fork(c.id), style, anatomy);
      writeLikeSource(join(dir, 'imaging.nii.gz'), r.image, label, 'int16');
      writeLikeSource(join(dir, 'segmentation.nii.gz'), label.data, label, 'uint8');
      if (r.tissue !== undefined) writeLikeSource(join(dir, TISSUE_FILE), r.tissue, label, 'uint8');
      summary.cases.push({
        id: c.id,
        shape: [...label.orientation.fileShape],
        layout: 'source',
        spacingMm: [...label.spacingMm],
        ...(r.render === undefined ? {} : { render: r.render }),
      });
    } else {
      const r = resampleNearest(label.data, label.shape, label.spacingMm, label.affine, opts.spacingMm);
      const img = render(
        { data: r.data, shape: r.shape, spacingMm: opts.spacingMm, affine: r.affine },
        root.fork(c.id),
        style,
        anatomy,
      );
      const fileShape: [number, number, number] = [r.shape[2], r.shape[1], r.shape[0]];
      writeNifti(
        join(dir, 'imaging.nii.gz'),
        { data: img.image, shape: fileShape, affine: r.affine },
        'int16',
      );
      writeNifti(
        join(dir, 'segmentation.nii.gz'),
        { data: r.data, shape: fileShape, affine: r.affine },
        'uint8',
      );
      if (img.tissue !== undefined)
        writeNifti(join(dir, TISSUE_FILE), { data: img.tissue, shape: fileShape, affine: r.affine }, 'uint8');
      summary.cases.push({
        id: c.id,
        shape: fileShape,
        layout: 'RAS',
        spacingMm: [...opts.spacingMm],
        ...(img.render === undefined ? {} : { render: img.render }),
      });
    }
    opts.onCase?.(i, cases.length, c.id);
  });
  writeJsonAtomic(join(opts.out, 'dataset.json'), {
    generator: 'kitseg synth --from-labels',
    labelsFrom: opts.labels,
    labelSet: opts.labelSet ?? 'kits19',
    render: style,
    ...(style === 'randomized'
      ? { anatomy, tissueMaps: TISSUE_FILE, tissues: ['unpainted', ...TISSUES] }
      : {}),
    seed: opts.seed,
    spacingMm: opts.spacingMm ?? null,
    labels: Object.fromEntries(LABEL_SCHEMES[opts.labelSet ?? 'kits19'].names.map((n, i) => [i, n])),
    cases: summary.cases,
  });
  return summary;
}
