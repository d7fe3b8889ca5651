/**
 * `kitseg experiment run FILE [--scale tiny|cpu|paper] [--data DIR] [--variant NAME] [--fold K]` trains
 * and evaluates a paper's variants (resumable); `kitseg experiment table FILE` gathers the results
 * (from this machine or many) into `results/<experiment>/table.md` and `table.json`;
 * `kitseg experiment submit FILE --slurm [--folds 0,1] [--partition P] [--time T] [--dry-run]` runs
 * them as SLURM job arrays.
 */
import type { Argv } from 'yargs';
import { selectBackend } from '../../backend/select.js';
import { gatherTable, runExperiment } from '../../experiments/run.js';
import { submitCommands, submitSlurm, writeSlurmScripts } from '../../experiments/slurm.js';
import { experimentStatus, statusMarkdown } from '../../experiments/status.js';
import { UsageError } from '../../core/errors.js';
import { SCALES, type Scale } from '../../experiments/schema.js';
import { packageRoot } from '../version.js';
import {
  loggerFor,
  printResult,
  type CliIO,
  type CliCommand,
  type GlobalArgs,
  backendFor,
} from '../context.js';

interface Args extends GlobalArgs {
  action: 'run' | 'table' | 'status' | 'submit';
  file: string;
  scale: Scale;
  data?: string;
  variant?: string;
  fold?: number;
  runs: string;
  results: string;
  json: boolean;
  slurm: boolean;
  folds?: string;
  partition?: string;
  time?: string;
  cpus: number;
  dryRun: boolean;
}

function parseFolds(s: string | undefined): (number | null)[] {
  if (s === undefined) return [null];
  const folds = s.split(',').map(Number);
  if (folds.some((k) => !Number.isInteger(k) || k < 0))
    throw new UsageError(`--folds: expected fold numbers like 0,1,2, got "${s}"`);
  return folds;
}

function submit(io: CliIO, a: Args): void {
  if (!a.slurm) throw new UsageError('submit needs a scheduler: --slurm');
  const { dir, scripts, tasks } = writeSlurmScripts(a.file, {
    scale: a.scale,
    folds: parseFolds(a.folds),
    runsDir: a.runs,
    resultsDir: a.results,
    ...(a.data === undefined ? {} : { data: a.data }),
    ...(a.partition === undefined ? {} : { partition: a.partition }),
    ...(a.time === undefined ? {} : { time: a.time }),
    cpusPerTask: a.cpus,
    ...(a.backend === undefined ? {} : { backend: a.backend }),
    kitseg: `${process.execPath} ${packageRoot()}/bin/kitseg.js`,
    workdir: process.cwd(),
  });
  const levels = tasks.map(
    (t, k) =>
      `level ${k}: ${t.map((x) => x.variant + (x.fold === null ? '' : `/fold-${x.fold}`)).join(', ')}`,
  );
  if (a.dryRun) {
    const cmds = submitCommands(scripts).map((c, i) => (i < scripts.length - 1 ? `JOB${i}=$(${c})` : c));
    printResult(io, a.json, { dir, scripts, tasks, commands: cmds }, () =>
      [...levels, `scripts in ${dir}; submit with:`, ...cmds, ''].join('\n'),
    );
    return;
  }
  const jobs = submitSlurm(scripts);
  printResult(io, a.json, { dir, scripts, tasks, jobs }, () =>
    [...levels, `submitted ${jobs.join(' → ')} (the last gathers the table); logs in ${dir}`, ''].join('\n'),
  );
}

export function experimentCommand(io: CliIO): CliCommand<Args> {
  return {
    command: 'experiment <action> <file>',
    describe: "Run a paper's ablation table (action: run | table | status | submit)",
    builder: (y: Argv) =>
      y
        .positional('action', { choices: ['run', 'table', 'status', 'submit'] as const })
        .positional('file', { type: 'string', describe: 'experiments/<paper>.yaml' })
        .option('scale', { choices: SCALES, default: 'tiny' as Scale })
        .option('data', { type: 'string', describe: 'Dataset root for every variant' })
        .option('variant', { type: 'string', describe: 'Run only this variant (cluster array jobs)' })
        .option('fold', { type: 'number', describe: 'Cross-validation fold' })
        .option('runs', { type: 'string', default: 'runs' })
        .option('results', { type: 'string', default: 'results' })
        .option('json', { type: 'boolean', default: false })
        .option('slurm', { type: 'boolean', default: false, describe: 'submit: as SLURM job arrays' })
        .option('folds', {
          type: 'string',
          describe: 'submit: folds, e.g. 0,1,2,3,4 (default: the holdout split)',
        })
        .option('partition', { type: 'string', describe: 'submit: sbatch --partition' })
        .option('time', { type: 'string', describe: 'submit: sbatch --time per task, e.g. 04:00:00' })
        .option('cpus', { type: 'number', default: 2, describe: 'submit: --cpus-per-task' })
        .option('dry-run', {
          type: 'boolean',
          default: false,
          describe: 'submit: write the scripts, print the sbatch commands',
        }),
    handler: async (a: Args) => {
      const log = loggerFor(io, a);
      if (a.action === 'submit') {
        submit(io, a);
        return;
      }
      if (a.action === 'status') {
        const rows = experimentStatus(a.file, {
          scale: a.scale,
          runsDir: a.runs,
          resultsDir: a.results,
          ...(a.data === undefined ? {} : { data: a.data }),
          ...(a.fold === undefined ? {} : { fold: a.fold }),
        });
        printResult(io, a.json, rows, () => statusMarkdown(rows));
        return;
      }
      if (a.action === 'run') {
        const sel = await selectBackend(backendFor(a));
        await runExperiment(a.file, {
          scale: a.scale,
          runsDir: a.runs,
          resultsDir: a.results,
          backend: sel.name,
          log,
          ...(a.data === undefined ? {} : { data: a.data }),
          ...(a.variant === undefined ? {} : { variant: a.variant }),
          ...(a.fold === undefined ? {} : { fold: a.fold }),
        });
      }
      const t = await gatherTable(a.file, a.results);
      printResult(io, a.json, t.rows, () => t.markdown);
    },
  };
}
