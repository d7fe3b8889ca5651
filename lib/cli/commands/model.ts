/**
 * `kitseg model summary --config C`: the configured network's layers, shapes and parameters;
 * `kitseg model summary --model B`: what a bundle holds and how it runs.
 */
import type { Argv } from 'yargs';
import { describeBundle } from '../../bundle/describe.js';
import { readBundle } from '../../bundle/load.js';
import { UsageError } from '../../core/errors.js';
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

interface Args extends GlobalArgs, Partial<ConfigArgs> {
  model?: string;
  json: boolean;
}

/** A bundle description as text: its labels, then each stage's plan, inference and provenance. */
export function bundleText(d: ReturnType<typeof describeBundle>): string {
  const lines = [`bundle ${d.name} (format ${d.format}, kitseg ${d.kitseg}); labels ${d.labels.join(', ')}`];
  for (const s of d.stages) {
    const val =
      s.val === null
        ? 'no validation'
        : Object.entries(s.val)
            .map(([k, v]) => `${k} ${v.toFixed(3)}`)
            .join(', ');
    lines.push(
      `${s.role}: ${s.model}${s.ensemble > 1 ? ` × ${s.ensemble} (ensemble)` : ''} from ${s.run}, ${s.steps} steps; val ${val}`,
      `  plan: ${s.spacingMm.join(' × ')} mm, ${s.normalization}`,
      `  inference: patch ${s.patch.join(' × ')}, overlap ${s.overlap}, ${s.gaussian ? 'Gaussian' : 'flat'} weights, batch ${s.batchSize}, TTA axes [${s.ttaAxes.join(', ')}], ${s.precision}`,
      `  post-processing: ${s.postprocess.length === 0 ? 'none' : s.postprocess.join(', ')}`,
    );
  }
  return lines.join('\n') + '\n';
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
      withConfigOptions(y, true)
        .positional('action', { choices: ['summary'] as const, demandOption: true })
        .option('model', { type: 'string', describe: 'Describe this bundle instead of a config' })
        .option('json', { type: 'boolean', default: false }),
    handler: async (a: Args) => {
      if (a.model !== undefined) {
        if (a.config !== undefined) throw new UsageError('give --config or --model, not both');
        const d = describeBundle(readBundle(a.model));
        printResult(io, a.json, d, () => bundleText(d));
        return;
      }
      if (a.config === undefined) throw new UsageError('give --config (a network) or --model (a bundle)');
      const cfg = loadConfig(a.config, a.set ?? []);
      await selectBackend(backendFor(a));
      const s = summarizeConfig(cfg);
      printResult(io, a.json, s, () => human(s));
    },
  };
}
