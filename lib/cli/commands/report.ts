/** `kitseg report RUN`: rebuilds `report.html` of a run folder on demand. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Argv } from 'yargs';
import { rebuildReport } from '../../evaluation/rebuild.js';
import { loggerFor, printResult, type CliCommand, type CliIO, type GlobalArgs } from '../context.js';

interface Args extends GlobalArgs {
  run: string;
  runs: string;
  evaluation?: string;
  json: boolean;
}

export function reportCommand(io: CliIO): CliCommand<Args> {
  return {
    command: 'report <run>',
    describe: "Rebuild a run's report.html (curves, per-case Dice, tables, overlays, config)",
    builder: (y: Argv) =>
      y
        .positional('run', {
          type: 'string',
          demandOption: true,
          describe: 'Run folder, or a run name under --runs',
        })
        .option('runs', { type: 'string', default: 'runs', describe: 'Folder holding run folders' })
        .option('evaluation', {
          type: 'string',
          describe: 'Evaluation folder to report (e.g. val-tta); default: the newest',
        })
        .option('json', { type: 'boolean', default: false }),
    handler: async (a: Args) => {
      const log = loggerFor(io, a);
      const root = existsSync(join(a.run, 'config.resolved.json')) ? a.run : join(a.runs, a.run);
      const path = await rebuildReport(root, a.evaluation);
      log.info(`report: ${path}`);
      printResult(io, a.json, { report: path }, () => `wrote ${path}\n`);
    },
  };
}
