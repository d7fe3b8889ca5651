/** Writes a synthetic dataset in the KiTS19 layout, case by case, with a provenance file. */
import { join } from 'node:path';
import { discoverCases } from '../data/kits19.js';
import { LABEL_SCHEMES, type LabelSet } from '../core/labels.js';
import { assertKitsLabels } from '../data/labels.js';
import { writeJsonAtomic } from '../io/atomic.js';
import { readCanonical, writeLikeSource } from '../io/canonical.js';
import { resampleNearest } from '../ops/resample.js';
import { renderAroundLabels } from './from-labels.js';
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
  readonly cases: { id: string; shape: number[]; layout: string; spacingMm: number[] }[];
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
  readonly onCase?: (index: number, total: number, id: string) => void;
}

/**
 * Renders CT around every labelled case of a KiTS19-layout folder. Without `spacingMm` each
 * output has exactly the label file's shape and affine; with it, the canonical RAS grid at that
 * spacing covering the same extent.
 */
export function writeFromLabelsDataset(opts: FromLabelsOptions): SynthSummary {
  const root = Rng.fromSeed(opts.seed).fork('synth-from-labels');
  const cases = discoverCases(opts.labels, false)
    .filter((c) => c.segmentationPath !== undefined)
    .slice(0, opts.limit);
  const summary: SynthSummary = { out: opts.out, cases: [] };
  cases.forEach((c, i) => {
    const label = readCanonical(c.segmentationPath!);
    assertKitsLabels(label.data, c.segmentationPath!, label.scaling, opts.labelSet ?? 'kits19');
    const dir = join(opts.out, c.id);
    if (opts.spacingMm === undefined) {
      const image = renderAroundLabels(label, root.fork(c.id));
      writeLikeSource(join(dir, 'imaging.nii.gz'), image, label, 'int16');
      writeLikeSource(join(dir, 'segmentation.nii.gz'), label.data, label, 'uint8');
      summary.cases.push({
        id: c.id,
        shape: [...label.orientation.fileShape],
        layout: 'source',
        spacingMm: [...label.spacingMm],
      });
    } else {
      const r = resampleNearest(label.data, label.shape, label.spacingMm, label.affine, opts.spacingMm);
      const image = renderAroundLabels(
        { data: r.data, shape: r.shape, spacingMm: opts.spacingMm, affine: r.affine },
        root.fork(c.id),
      );
      const fileShape: [number, number, number] = [r.shape[2], r.shape[1], r.shape[0]];
      writeNifti(join(dir, 'imaging.nii.gz'), { data: image, shape: fileShape, affine: r.affine }, 'int16');
      writeNifti(
        join(dir, 'segmentation.nii.gz'),
        { data: r.data, shape: fileShape, affine: r.affine },
        'uint8',
      );
      summary.cases.push({ id: c.id, shape: fileShape, layout: 'RAS', spacingMm: [...opts.spacingMm] });
    }
    opts.onCase?.(i, cases.length, c.id);
  });
  writeJsonAtomic(join(opts.out, 'dataset.json'), {
    generator: 'kitseg synth --from-labels',
    labelsFrom: opts.labels,
    labelSet: opts.labelSet ?? 'kits19',
    seed: opts.seed,
    spacingMm: opts.spacingMm ?? null,
    labels: Object.fromEntries(LABEL_SCHEMES[opts.labelSet ?? 'kits19'].names.map((n, i) => [i, n])),
    cases: summary.cases,
  });
  return summary;
}
