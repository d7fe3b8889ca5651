/**
 * `kitseg export --run runs/X [--stage2 runs/Y] [--checkpoint best|last|PATH …] --out bundles/NAME`:
 * a trained model with its preprocessing, inference and post-processing settings, as a bundle that
 * `kitseg predict --model` and the web page run with nothing else.
 */
import type { Argv } from 'yargs';
import { describeBundle } from '../../bundle/describe.js';
import { exportBundle } from '../../bundle/export.js';
import { printResult, type CliCommand, type CliIO, type GlobalArgs } from '../context.js';
import { bundleText } from './model.js';
import { kitsegVersion } from '../version.js';

interface Args extends GlobalArgs {
  run: string;
  stage2?: string;
  checkpoint?: string[];
  out: string;
  name?: string;
  overwrite: boolean;
  json: boolean;
}

export function exportCommand(io: CliIO): CliCommand<Args> {
  return {
    command: 'export',
    describe: 'Write a trained run (a cascade: both stages) as a self-contained model bundle',
    builder: (y: Argv) =>
      y
        .option('run', {
          type: 'string',
          demandOption: true,
          describe: 'Run folder of the model (with --stage2: of stage 1)',
        })
        .option('stage2', { type: 'string', describe: 'Run folder of the cascade stage 2' })
        .option('checkpoint', {
          type: 'string',
          array: true,
          describe:
            "best | last | epoch-N for every stage, or checkpoint folders (the main stage's ensemble); default: inference.checkpoint",
        })
        .option('out', { type: 'string', demandOption: true, describe: 'Bundle folder to write' })
        .option('name', { type: 'string', describe: 'Bundle name (default: the folder name)' })
        .option('overwrite', { type: 'boolean', default: false, describe: 'Replace an existing bundle' })
        .option('json', { type: 'boolean', default: false }),
    handler: (a: Args) => {
      const m = exportBundle({
        run: a.run,
        out: a.out,
        overwrite: a.overwrite,
        kitsegVersion: kitsegVersion(),
        ...(a.stage2 === undefined ? {} : { stage2: a.stage2 }),
        ...(a.checkpoint === undefined ? {} : { checkpoints: a.checkpoint }),
        ...(a.name === undefined ? {} : { name: a.name }),
      });
      const d = describeBundle(m);
      printResult(io, a.json, { out: a.out, ...d }, () => `wrote ${a.out}\n` + bundleText(d));
    },
  };
}
