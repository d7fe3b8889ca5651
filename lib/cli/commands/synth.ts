/** `kitseg synth`: writes a synthetic KiTS19-layout dataset of abdominal CT phantoms. */
import type { Argv } from 'yargs';
import { UsageError } from '../../core/errors.js';
import { writeSyntheticDataset } from '../../synth/dataset.js';
import type { SynthPreset } from '../../synth/phantom.js';
import type { CliIO } from '../context.js';
import { printResult } from '../context.js';

export function synthCommand(io: CliIO) {
  return {
    command: 'synth',
    describe: 'Write synthetic abdominal CT phantoms with kidney/tumour labels in the KiTS19 layout',
    builder: (y: Argv) =>
      y
        .option('out', { type: 'string', default: 'data/synthetic', describe: 'Output dataset folder' })
        .option('cases', { type: 'number', default: 20, describe: 'Number of cases' })
        .option('seed', { type: 'number', default: 0, describe: 'Seed (0 is a seed like any other)' })
        .option('preset', {
          choices: ['small', 'kits'] as const,
          default: 'small' as const,
          describe: 'small: ~128² × 40–90 voxels at ~3 mm (CPU training); kits: 512² in-plane, KiTS19 size',
        })
        .option('json', { type: 'boolean', default: false, describe: 'Print JSON' }),
    handler: (args: { out: string; cases: number; seed: number; preset: SynthPreset; json: boolean }) => {
      if (!Number.isInteger(args.cases) || args.cases < 1)
        throw new UsageError(`--cases: expected a positive integer, got ${args.cases}`);
      if (!Number.isSafeInteger(args.seed) || args.seed < 0)
        throw new UsageError(`--seed: expected a non-negative integer, got ${args.seed}`);
      const t0 = Date.now();
      const summary = writeSyntheticDataset({
        ...args,
        onCase: (i, n, id) => io.err(`synth [${i + 1}/${n}] ${id}\n`),
      });
      const seconds = (Date.now() - t0) / 1000;
      printResult(
        io,
        args.json,
        { ...summary, seconds },
        () => `wrote ${summary.cases.length} cases to ${args.out} in ${seconds.toFixed(1)} s\n`,
      );
    },
  };
}
