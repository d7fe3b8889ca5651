/**
 * Commands whose implementation has not landed yet. Each validates what it already can (its
 * config) and then says plainly that it is not implemented, exiting 1 — no fake output.
 */
import type { Argv } from 'yargs';
import { loadConfig } from '../../config/load.js';
import { NotImplementedError } from '../../core/errors.js';
import { withConfigOptions } from '../options.js';

interface Pending {
  readonly command: string;
  readonly describe: string;
  /** The issue that will land it. */
  readonly issue: number;
  readonly takesConfig: boolean;
}

const PENDING: readonly Pending[] = [
  { command: 'experiment', describe: "Run a paper's ablation table", issue: 9, takesConfig: false },
];

export function pendingCommands() {
  return PENDING.map((p) => ({
    command: p.command,
    describe: `${p.describe} (not implemented yet)`,
    builder: (y: Argv) => (p.takesConfig ? withConfigOptions(y, true) : y),
    handler: (args: { config?: string; set?: string[] }) => {
      // Config errors are reported even before the command lands, so typos surface early.
      if (args.config !== undefined) loadConfig(args.config, args.set ?? []);
      throw new NotImplementedError(
        `kitseg ${p.command} is not implemented yet (tracked in issue #${p.issue})`,
      );
    },
  }));
}
