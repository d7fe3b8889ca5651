/** `kitseg info`: versions, the backend that runs and why each better one did not load. */
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import type { Argv } from 'yargs';
import { selectBackend, type BackendRequest } from '../../backend/select.js';
import type { CliIO } from '../context.js';
import { printResult } from '../context.js';
import { kitsegVersion } from '../version.js';

export function infoCommand(io: CliIO) {
  return {
    command: 'info',
    describe: 'Show versions, the selected backend and why others were not used',
    builder: (y: Argv) => y.option('json', { type: 'boolean', default: false, describe: 'Print JSON' }),
    handler: async (args: { json: boolean; backend: string }) => {
      const sel = await selectBackend(args.backend as BackendRequest);
      const info = {
        kitseg: kitsegVersion(),
        node: process.versions.node,
        tfjs: tf.version.tfjs,
        backend: sel.name,
        tfBackend: sel.tfBackend,
        backends: sel.probes,
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
          `cpu threads ${info.cpuThreads}`,
          `platform    ${info.platform}`,
          '',
        ].join('\n'),
      );
    },
  };
}
