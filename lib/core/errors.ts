/**
 * Typed error classes. Every error a user can provoke is a `SegError` with a code; the CLI maps
 * `CONFIG`/`USAGE` to exit 2, `INTERRUPTED` to 128 + the signal's number (130 for SIGINT, 143 for
 * SIGTERM, as shells report) and every other code to exit 1, and prints only the message unless
 * `--verbose` asks for the stack.
 */

export type ErrorCode =
  'CONFIG' | 'USAGE' | 'DATA' | 'IO' | 'SHAPE' | 'REGISTRY' | 'BACKEND' | 'SCHEDULER' | 'INTERRUPTED';

/** Base class of all kitseg errors. */
export abstract class SegError extends Error {
  abstract readonly code: ErrorCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** One problem found while validating a config: where it is and what is wrong. */
export interface ConfigIssue {
  /** Key path from the config root, e.g. `['train', 'epochs']`. */
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** Formats a key path the way a user writes it in `--set`: `train.epochs`, `data.splits[0]`. */
export function formatPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return '(root)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/**
 * A config file or override is invalid. Carries every issue as data. `source` names the file; ''
 * when the rule is found after loading (the CLI then names its `--config` file).
 */
export class ConfigError extends SegError {
  readonly code = 'CONFIG';
  constructor(
    readonly source: string,
    readonly issues: readonly ConfigIssue[],
    options?: { cause?: unknown },
  ) {
    super(
      (source === '' ? '' : `${source}: `) +
        issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; '),
      options,
    );
  }
}

/** The command line itself is wrong (missing option, bad value). */
export class UsageError extends SegError {
  readonly code = 'USAGE';
}

/** A dataset, case or volume violates what kitseg expects (labels, NaNs, geometry). */
export class DataError extends SegError {
  readonly code = 'DATA';
  constructor(
    message: string,
    readonly path?: string,
    options?: { cause?: unknown },
  ) {
    super(path === undefined ? message : `${path}: ${message}`, options);
  }
}

/** A file could not be read or written. */
export class IoError extends SegError {
  readonly code = 'IO';
  constructor(
    message: string,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}: ${message}`, options);
  }
}

/** An array or tensor has the wrong shape for an operation. */
export class ShapeError extends SegError {
  readonly code = 'SHAPE';
  constructor(op: string, expected: string, actual: string) {
    super(`${op}: expected ${expected}, got ${actual}`);
  }
}

/** A name was looked up in a registry and not found. */
export class RegistryError extends SegError {
  readonly code = 'REGISTRY';
  constructor(
    readonly kind: string,
    readonly requested: string,
    readonly available: readonly string[],
    readonly suggestion: string | undefined,
  ) {
    super(
      `Unknown ${kind} "${requested}".` +
        (suggestion === undefined ? '' : ` Did you mean "${suggestion}"?`) +
        ` Available: ${available.length > 0 ? available.join(', ') : '(none)'}`,
    );
  }
}

/** A cluster scheduler refused or failed a submission. */
export class SchedulerError extends SegError {
  readonly code = 'SCHEDULER';
}

/** A requested backend could not be loaded. */
export class BackendError extends SegError {
  readonly code = 'BACKEND';
}

/** A command stopped by a signal after saving what it must (a scheduler reads the exit status). */
export class InterruptedError extends SegError {
  readonly code = 'INTERRUPTED';
  constructor(
    message: string,
    readonly signal: 'SIGINT' | 'SIGTERM',
  ) {
    super(message);
  }

  /** 128 + the signal number. */
  get exitCode(): number {
    return this.signal === 'SIGINT' ? 130 : 143;
  }
}
