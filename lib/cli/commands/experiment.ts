/**
 * `kitseg experiment run FILE [--scale tiny|paper] [--data DIR] [--variant NAME] [--fold K]` trains
 * and evaluates a paper's variants (resumable); `kitseg experiment table FILE` gathers the results
 * (from this machine or many) into `results/<experiment>/table.md` and `table.json`.
 */
import type { Argv } from 'yargs';
import { selectBackend } from '../../backend/select.js';
import { gatherTable, runExperiment } from '../../experiments/run.js';
import { experimentStatus, statusMarkdown } from '../../experiments/status.js';
import {
  loggerFor,
  printResult,
  type CliIO,
  type CliCommand,
  type GlobalArgs,
  backendFor,
} from '../context.js';

interface Args extends GlobalArgs {
  action: 'run' | 'table' | 'status';
  file: string;
  scale: 'tiny' | 'paper';
  data?: string;
  variant?: string;
  fold?: number;
  runs: string;
  results: string;
  json: boolean;
}

export function experimentCommand(io: CliIO): CliCommand<Args> {
  return {
    command: 'experiment <action> <file>',
    describe: "Run a paper's ablation table (action: run | table | status)",
    builder: (y: Argv) =>
      y
        .positional('action', { choices: ['run', 'table', 'status'] as const })
        .positional('file', { type: 'string', describe: 'experiments/<paper>.yaml' })
        .option('scale', { choices: ['tiny', 'paper'] as const, default: 'tiny' as const })
        .option('data', { type: 'string', describe: 'Dataset root for every variant' })
        .option('variant', { type: 'string', describe: 'Run only this variant (cluster array jobs)' })
        .option('fold', { type: 'number', describe: 'Cross-validation fold' })
        .option('runs', { type: 'string', default: 'runs' })
        .option('results', { type: 'string', default: 'results' })
        .option('json', { type: 'boolean', default: false }),
    handler: async (a: Args) => {
      const log = loggerFor(io, a);
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
      const t = gatherTable(a.file, a.results);
      printResult(io, a.json, t.rows, () => t.markdown);
    },
  };
}
