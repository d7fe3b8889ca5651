/**
 * What `kitseg predict` reads and writes: one NIfTI file, a KiTS-layout folder
 * (`case_XXXXX/imaging.nii.gz`), or a folder of `.nii`/`.nii.gz` files — and for each input its
 * case id and output path.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DataError, IoError } from '../core/errors.js';
import { CASE_PATTERN } from '../data/kits19.js';

export interface PredictJob {
  readonly id: string;
  readonly input: string;
  readonly output: string;
}

const NIFTI = /\.nii(\.gz)?$/;

export function caseIdOf(file: string): string {
  return basename(file).replace(NIFTI, '');
}

/** Output path of an extra map (e.g. `_kidney_prob`) beside a segmentation output. */
export function siblingPath(output: string, suffix: string): string {
  return output.replace(NIFTI, '') + suffix + '.nii.gz';
}

export function predictJobs(input: string, output: string): PredictJob[] {
  if (!existsSync(input)) throw new IoError('input not found', input);
  if (statSync(input).isFile()) {
    if (!NIFTI.test(input)) throw new DataError('expected a .nii or .nii.gz file', input);
    const out = NIFTI.test(output) ? output : join(output, `${caseIdOf(input)}.nii.gz`);
    return [{ id: caseIdOf(input), input, output: out }];
  }
  if (NIFTI.test(output))
    throw new DataError('the input is a folder, so the output must be a folder too', output);
  const names = readdirSync(input).sort();
  const cases = names.filter((n) => CASE_PATTERN.test(n) && statSync(join(input, n)).isDirectory());
  const jobs: PredictJob[] =
    cases.length > 0
      ? cases.flatMap((id) => {
          const f = ['imaging.nii.gz', 'imaging.nii']
            .map((n) => join(input, id, n))
            .find((p) => existsSync(p));
          return f === undefined ? [] : [{ id, input: f, output: join(output, `${id}.nii.gz`) }];
        })
      : names
          .filter((n) => NIFTI.test(n))
          .map((n) => ({
            id: caseIdOf(n),
            input: join(input, n),
            output: join(output, `${caseIdOf(n)}.nii.gz`),
          }));
  if (jobs.length === 0) throw new DataError('no case folders or NIfTI files to predict', input);
  return jobs;
}
