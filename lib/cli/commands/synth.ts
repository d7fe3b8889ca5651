/** `kitseg synth`: writes a synthetic KiTS19-layout dataset of abdominal CT phantoms. */
import type { Argv } from 'yargs';
import { LABEL_SETS, type LabelSet } from '../../core/labels.js';
import { UsageError } from '../../core/errors.js';
import { ANATOMIES, type Anatomy } from '../../synth/crowding.js';
import { writeFromLabelsDataset, writeSyntheticDataset } from '../../synth/dataset.js';
import type { SynthPreset } from '../../synth/phantom.js';
import { loggerFor, printResult, type CliCommand, type CliIO, type GlobalArgs } from '../context.js';

interface Args extends GlobalArgs {
  out: string;
  cases?: number;
  seed: number;
  preset: SynthPreset;
  json: boolean;
  fromLabels?: string;
  spacing?: string;
  labels: LabelSet;
  randomize: boolean;
  anatomy?: Anatomy;
}

function parseSpacing(s: string): [number, number, number] {
  const v = s.split(',').map(Number);
  if (v.length !== 3 || v.some((x) => !(x > 0))) {
    throw new UsageError(`--spacing: expected three positive numbers z,y,x in mm, got "${s}"`);
  }
  return v as [number, number, number];
}

export function synthCommand(io: CliIO): CliCommand<Args> {
  return {
    command: 'synth',
    describe: 'Write synthetic abdominal CT phantoms with kidney/tumour labels in the KiTS19 layout',
    builder: (y: Argv) =>
      y
        .option('out', { type: 'string', default: 'data/synthetic', describe: 'Output dataset folder' })
        .option('cases', {
          type: 'number',
          describe: 'Number of cases (default 20; with --from-labels: the first N, default all)',
        })
        .option('seed', { type: 'number', default: 0, describe: 'Seed (0 is a seed like any other)' })
        .option('preset', {
          choices: ['small', 'kits'] as const,
          default: 'small' as const,
          describe: 'small: ~128² × 40–90 voxels at ~3 mm (CPU training); kits: 512² in-plane, KiTS19 size',
        })
        .option('from-labels', {
          type: 'string',
          describe:
            'Render CT around the label maps of this KiTS19-layout folder (e.g. the real KiTS19 labels)',
        })
        .option('spacing', {
          type: 'string',
          describe: 'With --from-labels: resample to z,y,x mm (labels nearest), e.g. 3,2.5,2.5',
        })
        .option('labels', {
          choices: LABEL_SETS,
          default: 'kits19' as const,
          describe: 'With --from-labels: the label set of the maps (kits23: cysts are label 3)',
        })
        .option('randomize', {
          type: 'boolean',
          default: false,
          describe:
            'With --from-labels: draw contrast phase, tissue HU, bone, body size and scanner per case (domain randomisation)',
        })
        .option('anatomy', {
          choices: ANATOMIES,
          describe:
            'With --randomize: crowded (default) packs the abdomen with bowel, colon and organs round a perirenal fat rim; sparse is the first randomised anatomy',
        })
        .option('json', { type: 'boolean', default: false, describe: 'Print JSON' }),
    handler: (args: Args) => {
      const log = loggerFor(io, args);
      if (args.cases !== undefined && (!Number.isInteger(args.cases) || args.cases < 1))
        throw new UsageError(`--cases: expected a positive integer, got ${args.cases}`);
      if (!Number.isSafeInteger(args.seed) || args.seed < 0)
        throw new UsageError(`--seed: expected a non-negative integer, got ${args.seed}`);
      const t0 = Date.now();
      const onCase = (i: number, n: number, id: string) => log.info(`synth [${i + 1}/${n}] ${id}`);
      if (args.spacing !== undefined && args.fromLabels === undefined) {
        throw new UsageError('--spacing goes with --from-labels');
      }
      if (args.randomize && args.fromLabels === undefined)
        throw new UsageError('--randomize goes with --from-labels');
      if (args.anatomy !== undefined && !args.randomize)
        throw new UsageError('--anatomy goes with --randomize');
      const spacingMm = args.spacing === undefined ? undefined : parseSpacing(args.spacing);
      const summary =
        args.fromLabels === undefined
          ? writeSyntheticDataset({ ...args, cases: args.cases ?? 20, onCase })
          : writeFromLabelsDataset({
              labels: args.fromLabels,
              out: args.out,
              seed: args.seed,
              labelSet: args.labels,
              style: args.randomize ? 'randomized' : 'fixed',
              ...(args.anatomy === undefined ? {} : { anatomy: args.anatomy }),
              ...(args.cases === undefined ? {} : { limit: args.cases }),
              onCase,
              ...(spacingMm === undefined ? {} : { spacingMm }),
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
