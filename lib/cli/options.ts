/** Options shared by the commands that take a config. */
import type { Argv } from 'yargs';

/** Adds `--config` (required unless `optional`) and repeatable `--set a.b=value`. */
export function withConfigOptions(y: Argv, optional = false): Argv {
  return y
    .option('config', { type: 'string', demandOption: !optional, describe: 'YAML config file' })
    .option('set', {
      type: 'string',
      array: true,
      default: [] as string[],
      describe: 'Override a key: a.b=value',
    });
}
