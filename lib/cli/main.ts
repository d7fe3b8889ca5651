/**
 * The `kitseg` command line: yargs subcommands, global options, and the mapping of errors to
 * exit codes (2 for usage and config errors, 1 for every other failure). Errors print as one line
 * on stderr; `--verbose` adds the stack.
 */
import yargs, { type Argv } from 'yargs';
import { BACKEND_NAMES } from '../config/schema/index.js';
import { ConfigError, InterruptedError, SegError, UsageError } from '../core/errors.js';
import { PROCESS_IO, type CliCommand, type CliIO } from './context.js';
import { augmentCommand } from './commands/augment.js';
import { benchCommand } from './commands/bench.js';
import { evaluateCommand } from './commands/evaluate.js';
import { reportCommand } from './commands/report.js';
import { experimentCommand } from './commands/experiment.js';
import { infoCommand } from './commands/info.js';
import { inspectCommand } from './commands/inspect.js';
import { exportCommand } from './commands/export.js';
import { serveCommand } from './commands/serve.js';
import { modelCommand } from './commands/model.js';
import { predictCommand } from './commands/predict.js';
import { preprocessCommand } from './commands/preprocess.js';
import { renderCommand } from './commands/render.js';
import { statsCommand } from './commands/stats.js';
import { synthCommand } from './commands/synth.js';
import { trainCommand } from './commands/train.js';
import { kitsegVersion } from './version.js';

/** Exit code for an error thrown by a command. */
export function exitCodeFor(e: unknown): number {
  if (e instanceof InterruptedError) return e.exitCode;
  if (e instanceof SegError) return e.code === 'CONFIG' || e.code === 'USAGE' ? 2 : 1;
  return 1;
}

function build(argv: readonly string[], io: CliIO): Argv {
  const commands: CliCommand<never>[] = [
    infoCommand(io),
    benchCommand(io),
    synthCommand(io),
    inspectCommand(io),
    exportCommand(io),
    modelCommand(io),
    statsCommand(io),
    preprocessCommand(io),
    trainCommand(io),
    predictCommand(io),
    evaluateCommand(io),
    reportCommand(io),
    renderCommand(io),
    serveCommand(io),
    augmentCommand(io),
    experimentCommand(io),
  ];
  let y = yargs([...argv])
    .scriptName('kitseg')
    .version(kitsegVersion())
    .option('backend', {
      choices: BACKEND_NAMES,
      describe:
        "Default: the config's backend. auto picks tensorflow-gpu → tensorflow → dnnl → cpu, the first that loads",
    })
    .option('log-level', { choices: ['debug', 'info', 'warn', 'error', 'silent'], default: 'info' })
    .option('verbose', { type: 'boolean', default: false, describe: 'Debug logs and stack traces' })
    .strict()
    .demandCommand(1, 'Name a command (see kitseg --help)')
    .recommendCommands()
    .exitProcess(false)
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .fail((msg, err) => {
      if (err !== undefined && err !== null) throw err;
      throw new UsageError(msg);
    });
  for (const c of commands) y = y.command(c.command, c.describe, c.builder, c.handler as never);
  return y;
}

/** Runs the CLI on `argv` (without node and script) and returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIO = PROCESS_IO): Promise<number> {
  try {
    await build(argv, io).parseAsync();
    return 0;
  } catch (e) {
    const verbose = argv.includes('--verbose');
    let msg = e instanceof Error ? e.message : String(e);
    // A config rule found after loading (e.g. a split larger than the dataset) names the file here.
    const config = argv[argv.indexOf('--config') + 1];
    if (e instanceof ConfigError && e.source === '' && argv.includes('--config') && config !== undefined)
      msg = `${config}: ${msg}`;
    io.err(`kitseg: ${msg}\n`);
    if (verbose && e instanceof Error && e.stack !== undefined) io.err(e.stack + '\n');
    return exitCodeFor(e);
  }
}

/** Entry point of bin/kitseg.js. */
export async function main(): Promise<void> {
  process.exitCode = await runCli(process.argv.slice(2));
}
