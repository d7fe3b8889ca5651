/**
 * Whether a resolved config saved earlier (a run's `config.resolved.json`, an experiment's
 * `configs/<variant>.yaml`) still means what today's config means. The saved one is read under
 * today's schema first, so a field the schema gained since counts at its default and is no change.
 */
import { existsSync, readFileSync } from 'node:fs';
import { canonicalJson } from './hash.js';
import { ConfigSchema, type Config } from './schema/index.js';

/** The dotted paths where `now` differs from `saved` read under today's schema (empty: the same). */
export function configChanges(saved: unknown, now: Config): string[] {
  const { configHash: _hash, ...raw } = saved as Record<string, unknown>;
  const r = ConfigSchema.safeParse(raw);
  if (!r.success) return r.error.issues.map((i) => `${i.path.join('.')} (no longer valid: ${i.message})`);
  const { extends: _extends, ...then } = r.data;
  return differences(then, now, []);
}

/** `configChanges` against the resolved config saved as JSON in `file` (missing: a change). */
export function savedConfigChanges(file: string, now: Config): string[] {
  if (!existsSync(file)) return [`(${file} is missing)`];
  return configChanges(JSON.parse(readFileSync(file, 'utf8')), now);
}

function differences(a: unknown, b: unknown, path: readonly string[]): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => differences(a[k], b[k], [...path, k]));
  }
  return canonicalJson(a) === canonicalJson(b) ? [] : [path.join('.')];
}

/** "a, b and 3 more": the first few changed paths for a one-line error. */
export function describeChanges(paths: readonly string[], shown = 3): string {
  const head = paths.slice(0, shown).join(', ');
  return paths.length > shown ? `${head} and ${paths.length - shown} more` : head;
}
