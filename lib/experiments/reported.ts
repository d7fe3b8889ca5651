/**
 * The papers' published numbers (`experiments/reported.yaml`, one file for all five papers): an
 * experiment row names its entry by a dotted path, so each number is written once, where its
 * source (paper, table, split) is recorded.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readYamlFile } from '../config/load.js';
import { ConfigError, IoError } from '../core/errors.js';
import { Reported } from './schema.js';
import type { z } from 'zod';

export const REPORTED_FILE = 'reported.yaml';

/** The numbers of `ref` (`zhang.table1_val.0`) in the `reported.yaml` beside `experimentPath`. */
export function resolveReported(
  experimentPath: string,
  variantIndex: number,
  ref: string | z.infer<typeof Reported> | null,
): z.infer<typeof Reported> | null {
  if (ref === null || typeof ref !== 'string') return ref;
  const file = join(dirname(experimentPath), REPORTED_FILE);
  if (!existsSync(file))
    throw new IoError(
      `missing ${REPORTED_FILE}, which variant ${variantIndex}'s reported: ${ref} points into`,
      file,
    );
  let node: unknown = readYamlFile(file, "it holds the papers' numbers");
  const path = ['variants', variantIndex, 'reported'];
  for (const key of ref.split('.')) {
    const next = Array.isArray(node)
      ? node[Number(key)]
      : typeof node === 'object' && node !== null
        ? (node as Record<string, unknown>)[key]
        : undefined;
    if (next === undefined) {
      const keys = Array.isArray(node) ? node.map((_, k) => String(k)) : Object.keys((node ?? {}) as object);
      throw new ConfigError(experimentPath, [
        { path, message: `${ref}: no "${key}" in ${file} (there: ${keys.join(', ')})` },
      ]);
    }
    node = next;
  }
  if (typeof node !== 'object' || node === null || Array.isArray(node))
    throw new ConfigError(experimentPath, [{ path, message: `${ref} in ${file} is not one row of numbers` }]);
  const row = node as Record<string, unknown>;
  // Wei et al. call the kidney-tumour average the "mean": kitseg's composite.
  const pick = {
    kidney: row.kidney,
    tumor: row.tumor,
    composite: row.composite ?? row.mean,
    recall: row.recall,
    precision: row.precision,
  };
  const got = Reported.safeParse(Object.fromEntries(Object.entries(pick).filter(([, v]) => v !== undefined)));
  if (!got.success || Object.keys(got.data).length === 0)
    throw new ConfigError(experimentPath, [
      { path, message: `${ref} in ${file} has no kidney, tumour, composite, recall or precision in [0, 1]` },
    ]);
  return got.data;
}
