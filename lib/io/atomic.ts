/** Atomic file writes: write a temporary sibling, then rename, so no reader ever sees half a file. */
import { appendFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { IoError } from '../core/errors.js';

let counter = 0;

/** Writes `data` to `path` atomically, creating parent folders. */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const dir = dirname(path);
  const tmp = join(dir, `.kitseg-tmp-${process.pid}-${counter++}-${basename(path)}`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // The temporary never existed (e.g. the folder could not be made).
    }
    throw new IoError(`cannot write: ${(e as Error).message}`, path, { cause: e });
  }
}

/** Writes pretty JSON atomically, with a trailing newline. */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

/** Appends `record` as one JSON line to `path` (a log: `metrics.jsonl`). */
export function appendJsonLine(path: string, record: Readonly<Record<string, unknown>>): void {
  appendFileSync(path, JSON.stringify(record) + '\n');
}
