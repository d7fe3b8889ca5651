/** `kitseg serve [--port P] [--model B]`: the segmentation web page on 127.0.0.1, with a bundle. */
import { join } from 'node:path';
import type { Argv } from 'yargs';
import { serveWebPage } from '../../server/static.js';
import type { CliCommand, CliIO, GlobalArgs } from '../context.js';
import { PRETRAINED } from './predict.js';
import { packageRoot } from '../version.js';

interface Args extends GlobalArgs {
  port: number;
  model?: string;
}

export function serveCommand(io: CliIO): CliCommand<Args> {
  return {
    command: 'serve',
    describe: 'Serve the web page that segments a CT in the browser (127.0.0.1 only)',
    builder: (y: Argv) =>
      y
        .option('port', { type: 'number', default: 8321, describe: 'Port (0: any free one)' })
        .option('model', { type: 'string', describe: `Bundle the page runs (default: ${PRETRAINED})` }),
    handler: async (a: Args) => {
      const root = packageRoot();
      const { url } = await serveWebPage({
        page: join(root, 'web', 'dist'),
        bundle: a.model ?? join(root, PRETRAINED),
        port: a.port,
      });
      io.out(`kitseg web page: ${url} (Ctrl-C stops it)\n`);
      // Serves until the process is stopped.
      await new Promise<never>(() => undefined);
    },
  };
}
