/** `kitseg inspect FILE`: geometry, statistics and label facts of a NIfTI file. */
import type { Argv } from 'yargs';
import { UsageError } from '../../core/errors.js';
import { inspectVolume, type InspectReport } from '../../data/inspect.js';
import { readNifti } from '../../io/nifti.js';
import { printResult, type CliCommand, type CliIO, type GlobalArgs } from '../context.js';

interface Args extends GlobalArgs {
  file: string;
  json: boolean;
  labels?: boolean;
  at?: string;
}

function parseIjk(s: string | undefined): number[] | undefined {
  if (s === undefined) return undefined;
  const v = s.split(',').map(Number);
  if (v.length !== 3 || v.some((x) => !Number.isInteger(x) || x < 0)) {
    throw new UsageError(`--at: expected three non-negative integers i,j,k, got "${s}"`);
  }
  return v;
}

function human(path: string, r: InspectReport): string {
  const f = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(4));
  const lines = [
    `file      ${path}`,
    `shape     ${r.shape.join(' × ')}`,
    `datatype  ${r.datatype}`,
    `spacing   ${r.spacingMm.map(f).join(' × ')} mm`,
    `axcodes   ${r.axcodes}`,
    `affine    ${r.affine.map((row) => '[' + row.map(f).join(', ') + ']').join('\n          ')}`,
    `min/max   ${f(r.min)} / ${f(r.max)}`,
    `mean      ${r.mean.toFixed(4)}`,
  ];
  if (r.valueAt !== undefined) lines.push(`value at  (${r.valueAt.ijk.join(', ')}) = ${f(r.valueAt.value)}`);
  if (r.labels !== undefined) {
    lines.push(
      `labels    ${Object.entries(r.labels.counts)
        .map(([l, c]) => `${l}: ${c}`)
        .join(', ')}`,
    );
    const cs = r.labels.componentSizes26;
    lines.push(
      `components (26-conn, label > 0): ${cs.length}${cs.length > 0 ? ` — sizes ${cs.slice(0, 10).join(', ')}${cs.length > 10 ? ', …' : ''}` : ''}`,
    );
    if (r.labels.bboxIjk !== null) {
      lines.push(`bbox ijk  [${r.labels.bboxIjk.min.join(', ')}] – [${r.labels.bboxIjk.max.join(', ')}]`);
    }
  }
  return lines.join('\n') + '\n';
}

export function inspectCommand(io: CliIO): CliCommand<Args> {
  return {
    command: 'inspect <file>',
    describe: 'Show shape, datatype, spacing, affine, orientation and statistics of a NIfTI file',
    builder: (y: Argv) =>
      y
        .positional('file', { type: 'string', demandOption: true, describe: '.nii or .nii.gz file' })
        .option('json', { type: 'boolean', default: false, describe: 'Print JSON' })
        .option('labels', {
          type: 'boolean',
          describe: 'Report label counts and components (default: when the file looks like a label map)',
        })
        .option('at', { type: 'string', describe: 'Also print the voxel value at file indices i,j,k' }),
    handler: (args: Args) => {
      const at = parseIjk(args.at);
      const report = inspectVolume(readNifti(args.file), {
        ...(args.labels === undefined ? {} : { asLabels: args.labels }),
        ...(at === undefined ? {} : { at }),
      });
      printResult(io, args.json, { file: args.file, ...report }, () => human(args.file, report));
    },
  };
}
