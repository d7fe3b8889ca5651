/** Writes a synthetic dataset in the KiTS19 layout, case by case, with a provenance file. */
import { join } from 'node:path';
import { writeJsonAtomic } from '../io/atomic.js';
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
