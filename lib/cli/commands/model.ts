/** `kitseg model summary --config C`: the configured network's layers, shapes and parameters. */
import type { Argv } from 'yargs';
import { selectBackend } from '../../backend/select.js';
import { loadConfig } from '../../config/load.js';
import { summarizeConfig, type ModelSummary } from '../../models/summary.js';
import { withConfigOptions } from '../options.js';
import {
  backendFor,
  printResult,
  type CliCommand,
  type CliIO,
  type ConfigArgs,
  type GlobalArgs,
} from '../context.js';

interface Args extends GlobalArgs, ConfigArgs {
  json: boolean;
}

function human(s: ModelSummary): string {
  const shape = (x: unknown) => JSON.stringify(x).replace(/null/g, 'N');
  const rows = s.layers.map(
    (l) => `${l.name.padEnd(28)} ${l.className.padEnd(30)} ${shape(l.outputShape).padEnd(28)} ${l.params}`,
  );
  return [
    `${s.type} for patches of ${s.patchSize.join(' × ')}`,
    `${'layer'.padEnd(28)} ${'class'.padEnd(30)} ${'output shape'.padEnd(28)} params`,
    ...rows,
    `outputs: ${s.outputs.map(shape).join(', ')}`,
    `parameters: ${s.params} (trainable ${s.trainableParams})`,
    '',
  ].join('\n');
}

export function modelCommand(io: CliIO): CliCommand<Args> {
  return {
    command: 'model <action>',
    describe: 'Inspect the configured network (summary: layers, output shapes, parameter count)',
    builder: (y: Argv) =>
      withConfigOptions(y)
        .positional('action', { choices: ['summary'] as const, demandOption: true })
        .option('json', { type: 'boolean', default: false }),
    handler: async (a: Args) => {
      const cfg = loadConfig(a.config, a.set);
      await selectBackend(backendFor(a));
      const s = summarizeConfig(cfg);
      printResult(io, a.json, s, () => human(s));
    },
  };
}
