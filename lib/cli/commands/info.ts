/** `kitseg info`: versions, the backend that runs and why each better one did not load. */
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import type { Argv } from 'yargs';
import { bf16Support } from '../../backend/precision.js';
import { selectBackend } from '../../backend/select.js';
import { backendFor, printResult, type CliCommand, type CliIO, type GlobalArgs } from '../context.js';

interface Args extends GlobalArgs {
  json: boolean;
}
import { kitsegVersion } from '../version.js';

export function infoCommand(io: CliIO): CliCommand<Args> {
  return {
    command: 'info',
    describe: 'Show versions, the selected backend and why others were not used',
    builder: (y: Argv) => y.option('json', { type: 'boolean', default: false, describe: 'Print JSON' }),
    handler: async (args: Args) => {
      const sel = await selectBackend(backendFor(args));
      const info = {
        kitseg: kitsegVersion(),
        node: process.versions.node,
        tfjs: tf.version.tfjs,
        backend: sel.name,
        tfBackend: sel.tfBackend,
        backends: sel.probes,
        bf16: bf16Support(),
        cpuThreads: availableParallelism(),
        platform: `${process.platform}-${process.arch}`,
      };
      printResult(io, args.json, info, () =>
        [
          `kitseg      ${info.kitseg}`,
          `node        ${info.node}`,
          `tfjs        ${info.tfjs}`,
          `backend     ${info.backend}`,
          ...sel.probes.map((p) => `  ${p.loaded ? '✓' : '✗'} ${p.name.padEnd(15)} ${p.reason}`),
          `bf16        ${info.bf16.available ? 'available' : 'not available'}: ${info.bf16.reason}`,
          `cpu threads ${info.cpuThreads}`,
          `platform    ${info.platform}`,
          '',
        ].join('\n'),
      );
    },
  };
}
