/**
 * Dataset splits: a JSON file beside the data with named splits (`train`, `val`, `test`, `all`)
 * and k cross-validation folds, made once from the sorted case ids and a seed, then reused (the
 * nnU-Net `splits_final.json` rule). Unlabelled cases always go to `test`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { ConfigError, DataError, IoError } from '../core/errors.js';
import { closestMatch } from '../core/strings.js';
import { writeJsonAtomic } from '../io/atomic.js';
import { Rng } from '../rng/rng.js';
import type { CaseRef } from './kits19.js';

export interface SplitOptions {
  readonly seed: number;
  readonly folds: number;
  /** Fraction (< 1) or count (≥ 1) of the non-test labelled cases used for validation. */
  readonly val: number;
  /** Fraction (< 1) or count (≥ 1) of the labelled cases held out as test. */
  readonly test: number;
}

export interface Splits {
  readonly version: 1;
  readonly seed: number;
  readonly train: readonly string[];
  readonly val: readonly string[];
  readonly test: readonly string[];
  readonly folds: readonly { readonly train: readonly string[]; readonly val: readonly string[] }[];
}

function countOf(size: number, n: number, what: 'val' | 'test'): number {
  const c = size < 1 ? Math.round(size * n) : Math.round(size);
  if (c > n)
    throw new ConfigError('', [
      {
        path: ['data', 'splits', what],
        message: `${size} asks for ${c} cases, only ${n} ${what === 'val' ? 'non-test ' : ''}labelled cases are available`,
      },
    ]);
  return c;
}

/** Builds splits deterministically from case ids (sorted here) and which cases are labelled. */
export function makeSplits(cases: readonly { id: string; labelled: boolean }[], opts: SplitOptions): Splits {
  const labelled = cases.filter((c) => c.labelled).map((c) => c.id).sort();
  const unlabelled = cases.filter((c) => !c.labelled).map((c) => c.id).sort();
  const rng = Rng.fromSeed(opts.seed).fork('splits');
  const shuffled = rng.shuffle(labelled);
  const nTest = countOf(opts.test, shuffled.length, 'test');
  const test = shuffled.slice(0, nTest).sort();
  const rest = shuffled.slice(nTest);
  const nVal = countOf(opts.val, rest.length, 'val');
  const val = rest.slice(0, nVal).sort();
  const train = rest.slice(nVal).sort();
  const k = Math.min(opts.folds, rest.length);
  const folds = Array.from({ length: k }, (_, f) => ({
    train: rest.filter((_, i) => i % k !== f).sort(),
    val: rest.filter((_, i) => i % k === f).sort(),
  }));
  return { version: 1, seed: opts.seed, train, val, test: [...test, ...unlabelled].sort(), folds };
}

/** Path of the splits file for a dataset root (relative names resolve inside the root). */
export function splitsPath(root: string, file: string): string {
  return isAbsolute(file) ? file : join(root, file);
}

export interface SplitsAccess {
  /** false: a missing file is made in memory only (scoring commands never write into a reference folder). */
  readonly write?: boolean;
  /** Told when a saved file's split sizes are not what the config asks for (the file wins). */
  readonly warn?: (message: string) => void;
}

/**
 * Reads the splits file, or makes (and, unless `access.write` is false, saves) it when absent. A
 * saved file is reused as it is, but must name only cases that exist.
 */
export function loadOrCreateSplits(
  root: string,
  file: string,
  cases: readonly CaseRef[],
  opts: SplitOptions,
  access: SplitsAccess = {},
): Splits {
  const path = splitsPath(root, file);
  const made = () =>
    makeSplits(
      cases.map((c) => ({ id: c.id, labelled: c.segmentationPath !== undefined })),
      opts,
    );
  if (!existsSync(path)) {
    const splits = made();
    if (access.write !== false) {
      try {
        writeJsonAtomic(path, splits);
      } catch (e) {
        throw new IoError(
          `cannot write the splits file (${(e as Error).message.replace(/^cannot write: /, '')}); point data.splits.file at a writable path`,
          path,
          { cause: e },
        );
      }
    }
    return splits;
  }
  let parsed: Splits;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as Splits;
  } catch (e) {
    throw new DataError(`invalid splits JSON (${(e as Error).message})`, path, { cause: e });
  }
  if (!Array.isArray(parsed.train) || !Array.isArray(parsed.val) || !Array.isArray(parsed.folds)) {
    throw new DataError('splits file lacks train/val/folds arrays', path);
  }
  const known = new Set(cases.map((c) => c.id));
  const all = [...parsed.train, ...parsed.val, ...(parsed.test ?? [])];
  const missing = all.filter((id) => !known.has(id));
  if (missing.length > 0) {
    throw new DataError(`splits name cases not in the dataset: ${missing.slice(0, 5).join(', ')}`, path);
  }
  const asked = made();
  if (access.warn !== undefined && (asked.val.length !== parsed.val.length || asked.test.length !== (parsed.test ?? []).length))
    access.warn(
      `${path} has ${parsed.val.length} val / ${(parsed.test ?? []).length} test cases, the config's data.splits asks for ${asked.val.length} / ${asked.test.length}; the file is used (delete it, or set data.splits.file, to split anew)`,
    );
  return parsed;
}

export const SPLIT_NAMES = ['train', 'val', 'test', 'all'] as const;

/**
 * The case ids of a named split. With `fold` set, `train` and `val` are that fold's.
 * @throws DataError for an unknown split name or fold.
 */
export function resolveSplit(splits: Splits, name: string, fold: number | null = null): string[] {
  if (fold !== null && (fold < 0 || fold >= splits.folds.length)) {
    throw new DataError(`fold ${fold} does not exist; the splits have folds 0–${splits.folds.length - 1}`);
  }
  const f = fold === null ? undefined : splits.folds[fold];
  switch (name) {
    case 'train':
      return [...(f?.train ?? splits.train)];
    case 'val':
      return [...(f?.val ?? splits.val)];
    case 'test':
      return [...splits.test];
    case 'all':
      return [...new Set([...splits.train, ...splits.val, ...splits.test])].sort();
    default: {
      const hint = closestMatch(name, SPLIT_NAMES);
      throw new DataError(
        `unknown split "${name}"${hint === undefined ? '' : ` — did you mean "${hint}"?`} (splits: ${SPLIT_NAMES.join(', ')})`,
      );
    }
  }
}
