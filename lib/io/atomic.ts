/** Atomic file writes: write a temporary sibling, then rename, so no reader ever sees half a file. */
import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  openSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { IoError } from '../core/errors.js';

let counter = 0;

/**
 * Writes `data` to `path` atomically, creating parent folders. An iterable of parts is written in
 * order as they come, so a large file need never exist whole in memory.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string | Iterable<Uint8Array>): void {
  const dir = dirname(path);
  const tmp = join(dir, `.kitseg-tmp-${process.pid}-${counter++}-${basename(path)}`);
  try {
    mkdirSync(dir, { recursive: true });
    if (typeof data === 'string' || data instanceof Uint8Array) writeFileSync(tmp, data);
    else writeParts(tmp, data);
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

function writeParts(path: string, parts: Iterable<Uint8Array>): void {
  const fd = openSync(path, 'w');
  try {
    for (const part of parts) {
      let done = 0;
      while (done < part.length) done += writeSync(fd, part, done);
    }
  } finally {
    closeSync(fd);
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

/** Temporaries named with their writer's process id: `.kitseg-tmp-<pid>-…`, `<dir>.tmp-<pid>`, `<dir>.old-<pid>`. */
const TEMPORARY = /^(?:\.kitseg-tmp-(\d+)-.*|.+\.(?:tmp|old)-(\d+))$/;

/** Whether process `pid` runs (this process counts). */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes, from each of `dirs`, the temporaries of processes that no longer run (what a kill in the
 * middle of an atomic write leaves); returns their paths. Folders that do not exist are skipped.
 */
export function removeDeadTemporaries(dirs: readonly string[]): string[] {
  const removed: string[] = [];
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const m = TEMPORARY.exec(name);
      if (m === null || processAlive(Number(m[1] ?? m[2]))) continue;
      rmSync(join(dir, name), { recursive: true, force: true });
      removed.push(join(dir, name));
    }
  }
  return removed;
}
