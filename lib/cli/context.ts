/**
 * What a command handler may touch: output streams and the environment. Passing them in keeps
 * handlers testable in-process and keeps argv/env reads inside `lib/cli/`.
 */
import type { Argv } from 'yargs';
import type { BackendRequest } from '../backend/select.js';
import type { Config } from '../config/schema/index.js';
import { createLogger, type Logger, type LogLevel } from '../core/logger.js';

export interface CliIO {
  /** Results (stdout). */
  out(text: string): void;
  /** Logs, progress and errors (stderr). */
  err(text: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** stderr is a terminal: progress may redraw in place. */
  readonly isTTY?: boolean;
}

export const PROCESS_IO: CliIO = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  env: process.env,
  isTTY: process.stderr.isTTY === true,
};

/** Options every command accepts. */
export interface GlobalArgs {
  readonly logLevel: LogLevel;
  readonly verbose: boolean;
  /** Absent unless given: then the config's `backend` decides. */
  readonly backend?: BackendRequest;
}

/** `--config` and repeatable `--set a.b=value` (see `withConfigOptions`). */
export interface ConfigArgs {
  readonly config: string;
  readonly set: string[];
}

/** One `kitseg` subcommand, as yargs takes it; `A` is its parsed arguments. */
export interface CliCommand<A> {
  readonly command: string;
  readonly describe: string;
  readonly builder: (y: Argv) => Argv;
  readonly handler: (args: A) => void | Promise<void>;
}

/** The backend to run on: `--backend` when given (`auto` included), else the config's, else auto. */
export function backendFor(args: GlobalArgs, cfg?: Config): BackendRequest {
  return args.backend ?? cfg?.backend ?? 'auto';
}

export function loggerFor(io: CliIO, args: GlobalArgs): Logger {
  return createLogger(args.verbose ? 'debug' : args.logLevel, (line) => io.err(line + '\n'));
}

/** Prints a result: JSON (pretty, one document) with `--json`, else the human text. */
export function printResult(io: CliIO, json: boolean, value: unknown, human: () => string): void {
  io.out(json ? JSON.stringify(value, null, 2) + '\n' : human());
}
