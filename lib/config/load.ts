/**
 * Config loading in a fixed order: parse YAML → resolve `extends` (cycles are errors) → deep-merge
 * (objects merge, arrays and scalars replace) → apply `--set a.b=value` overrides → validate with
 * the schema. Every failure is a `ConfigError` whose issues name the key path; an unknown key also
 * names the closest valid key.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../core/errors.js';
import { closestMatch } from '../core/strings.js';
import { ConfigSchema, type Config } from './schema/index.js';
import { explicitKeyIssues } from './schema/rules.js';

type Plain = Record<string, unknown>;

function isPlainObject(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge: `over` wins; nested objects merge key by key; arrays replace. */
export function deepMerge(base: Plain, over: Plain): Plain {
  const out: Plain = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isPlainObject(b) && isPlainObject(v) ? deepMerge(b, v) : v;
  }
  return out;
}

/** A YAML file's top-level mapping; unreadable, invalid or empty files are errors naming the file. */
export function readYamlFile(
  path: string,
  emptyHint = 'a config sets at least a name or extends another',
): Plain {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(path, [{ path: [], message: code === 'ENOENT' ? 'file not found' : String(e) }], {
      cause: e,
    });
  }
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0].line;
    throw new ConfigError(path, [
      {
        path: [],
        message: `invalid YAML${line === undefined ? '' : ` at line ${line}`}: ${e.message.split('\n')[0]!.replace(/:$/, '')}`,
      },
    ]);
  }
  const value: unknown = doc.toJS();
  // An empty file would silently train every schema default.
  if (value === null || value === undefined)
    throw new ConfigError(path, [{ path: [], message: `the file is empty; ${emptyHint}` }]);
  if (!isPlainObject(value))
    throw new ConfigError(path, [{ path: [], message: 'expected a mapping at the top level' }]);
  return value;
}

/** Reads `path` and everything it `extends`, merged, without validating. */
export function readConfigTree(path: string, seen: readonly string[] = []): Plain {
  const abs = resolve(path);
  if (seen.includes(abs)) {
    throw new ConfigError(abs, [{ path: ['extends'], message: `cycle: ${[...seen, abs].join(' → ')}` }]);
  }
  const raw = readYamlFile(abs);
  const parent = raw['extends'];
  delete raw['extends'];
  if (parent === undefined) return raw;
  if (typeof parent !== 'string')
    throw new ConfigError(abs, [{ path: ['extends'], message: 'expected a file path' }]);
  return deepMerge(readConfigTree(resolve(dirname(abs), parent), [...seen, abs]), raw);
}

/**
 * Applies `a.b.c=value` overrides. The value is parsed as a YAML scalar or flow collection, so
 * `--set train.patchSize=[32,64,64]` and `--set seed=0` give an array and a number.
 */
export function applyOverrides(config: Plain, overrides: readonly string[]): Plain {
  let out = config;
  for (const o of overrides) {
    const eq = o.indexOf('=');
    if (eq <= 0)
      throw new ConfigError('--set', [{ path: [], message: `expected key.path=value, got "${o}"` }]);
    const keys = o.slice(0, eq).split('.');
    let value: unknown;
    try {
      value = parseYaml(o.slice(eq + 1));
    } catch (e) {
      throw new ConfigError('--set', [{ path: keys, message: `cannot parse value "${o.slice(eq + 1)}"` }], {
        cause: e,
      });
    }
    let patch: unknown = value;
    for (let i = keys.length - 1; i >= 0; i--) patch = { [keys[i]!]: patch };
    out = deepMerge(out, patch as Plain);
  }
  return out;
}

type AnySchema = z.core.$ZodType;

const shapeOf = (o: AnySchema) => (o._zod.def as unknown as { shape?: Record<string, AnySchema> }).shape;
const literalValues = (o: AnySchema | undefined) =>
  (o?._zod.def as unknown as { values?: unknown[] } | undefined)?.values;

/**
 * The member of a union that `v` was meant for: the one its discriminator names, else the object
 * member whose literal keys (e.g. `type: step`) all match `v`, else the only object member.
 */
function unionMember(options: AnySchema[], disc: string | undefined, v: unknown): AnySchema | undefined {
  if (!isPlainObject(v)) return undefined;
  if (disc !== undefined)
    return options.find((o) => literalValues(shapeOf(o)?.[disc])?.includes(v[disc]) ?? false);
  const objects = options.filter((o) => shapeOf(o) !== undefined);
  const matching = objects.filter((o) =>
    Object.entries(shapeOf(o)!).every(([k, f]) => {
      const lit = literalValues(f);
      return lit === undefined || lit.includes(v[k]);
    }),
  );
  return matching[0] ?? (objects.length === 1 ? objects[0] : undefined);
}

/** The schema found at `path` below `schema`, following the input to pick union members. */
function schemaAt(schema: AnySchema, path: readonly PropertyKey[], input: unknown): AnySchema | undefined {
  let s: AnySchema | undefined = schema;
  let v: unknown = input;
  for (let i = 0; ; i++) {
    while (s !== undefined) {
      const def = s._zod.def as unknown as { type: string; innerType?: AnySchema };
      if (['default', 'prefault', 'optional', 'nullable', 'readonly'].includes(def.type)) s = def.innerType;
      else if (def.type === 'union') {
        const u = s._zod.def as unknown as { options: AnySchema[]; discriminator?: string };
        s = unionMember(u.options, u.discriminator, v);
      } else break;
    }
    if (s === undefined || i === path.length) return s;
    const key = path[i]!;
    const def = s._zod.def as unknown as {
      type: string;
      shape?: Record<string, AnySchema>;
      element?: AnySchema;
      items?: AnySchema[];
    };
    if (def.type === 'object') s = def.shape?.[String(key)];
    else if (def.type === 'array') s = def.element;
    else if (def.type === 'tuple') s = def.items?.[Number(key)];
    else return undefined;
    v = isPlainObject(v) || Array.isArray(v) ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  }
}

function validKeys(schema: AnySchema, path: readonly PropertyKey[], input: unknown): string[] {
  const s = schemaAt(schema, path, input);
  const shape = (s?._zod.def as unknown as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape === undefined ? [] : Object.keys(shape);
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const k of path)
    v = isPlainObject(v) || Array.isArray(v) ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

/**
 * Of a plain union's per-member issues, those of the member the input was meant for: members
 * that reject the value's kind at their root (a literal, another type) or whose `type` literal
 * differs are passed over; of the rest, the one with the fewest issues. null: no such member.
 */
function unionBranch(errors: readonly (readonly z.core.$ZodIssue[])[]): z.core.$ZodIssue[] | null {
  const meant = errors.filter(
    (e) =>
      !e.some(
        (i) =>
          ((i.code === 'invalid_type' || i.code === 'invalid_value') && i.path.length === 0) ||
          (i.code === 'invalid_value' && i.path.length === 1 && i.path[0] === 'type'),
      ),
  );
  if (meant.length === 0) return null;
  return [...meant.reduce((a, b) => (b.length < a.length ? b : a))];
}

/** The names a plain union at `path` accepts: its literal members and its members' `type` tags. */
function unionChoices(schema: AnySchema, path: readonly PropertyKey[], input: unknown): string[] {
  const parent = path.length === 0 ? undefined : schemaAt(schema, path.slice(0, -1), input);
  const shape = parent === undefined ? undefined : shapeOf(parent);
  let u = shape?.[String(path[path.length - 1])];
  while (u !== undefined) {
    const def = u._zod.def as unknown as { type: string; innerType?: AnySchema; options?: AnySchema[] };
    if (def.type === 'union')
      return (def.options ?? []).flatMap((o) =>
        (literalValues(o) ?? literalValues(shapeOf(o)?.['type']) ?? []).map(String),
      );
    u = def.innerType;
  }
  return [];
}

function toIssues(schema: AnySchema, error: z.ZodError, input: unknown): ConfigIssue[] {
  return issueMessages(schema, error.issues, input);
}

function issueMessages(
  schema: AnySchema,
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) {
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    if (issue.code === 'unrecognized_keys') {
      const valid = validKeys(schema, issue.path, input);
      for (const key of issue.keys) {
        const hint = closestMatch(key, valid);
        out.push({
          path: [...path, key],
          message:
            `unknown key "${key}"` +
            (hint === undefined ? `; valid keys: ${valid.join(', ')}` : ` — did you mean "${hint}"?`),
        });
      }
    } else if (issue.code === 'invalid_union' && 'errors' in issue && unionBranch(issue.errors) !== null) {
      // A plain union (no discriminator): report the member the input was meant for, with its
      // own issues (did-you-mean for keys included), rather than zod's bare "Invalid input".
      const branch = unionBranch(issue.errors)!;
      out.push(
        ...issueMessages(
          schema,
          branch.map((b) => ({ ...b, path: [...issue.path, ...b.path] })),
          input,
        ),
      );
    } else if (issue.code === 'invalid_union' && unionChoices(schema, issue.path, input).length > 0) {
      // No member fits: name the member names (literals, `type` tags) and the closest one.
      const choices = unionChoices(schema, issue.path, input);
      const given = valueAt(input, issue.path);
      const named = isPlainObject(given) ? given['type'] : given;
      const hint = typeof named === 'string' ? closestMatch(named, choices) : undefined;
      out.push({
        path: isPlainObject(given) ? [...path, 'type'] : path,
        message:
          `unknown value ${JSON.stringify(named)}` +
          (hint === undefined ? '' : ` — did you mean "${hint}"?`) +
          ` (valid: ${choices.join(', ')}${isPlainObject(given) ? '' : ', or a mapping'})`,
      });
    } else if (issue.code === 'invalid_union' && 'options' in issue && Array.isArray(issue.options)) {
      // A discriminator (`type`) with an unknown value: name the closest valid one.
      const options = (issue.options as unknown[]).map(String);
      const given = valueAt(input, issue.path);
      const hint = typeof given === 'string' ? closestMatch(given, options) : undefined;
      out.push({
        path,
        message:
          `unknown value ${JSON.stringify(given)}` +
          (hint === undefined ? '' : ` — did you mean "${hint}"?`) +
          ` (valid: ${options.join(', ')})`,
      });
    } else if (issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined) {
      out.push({ path, message: `required: expected ${issue.expected}` });
    } else {
      out.push({ path, message: issue.message });
    }
  }
  return out;
}

/** Validates `raw` against any kitseg schema with the config errors (paths, did-you-mean). */
export function parseWithSchema<T>(schema: z.ZodType<T>, raw: unknown, source: string): T {
  const r = schema.safeParse(raw);
  if (!r.success) throw new ConfigError(source, toIssues(schema, r.error, raw));
  return r.data;
}

/** Validates an already-merged plain config. `source` names it in errors. */
export function validateConfig(raw: unknown, source: string): Config {
  const r = ConfigSchema.safeParse(raw);
  if (!r.success) throw new ConfigError(source, toIssues(ConfigSchema, r.error, raw));
  const inert = explicitKeyIssues(raw, r.data);
  if (inert.length > 0) throw new ConfigError(source, inert);
  const { extends: _extends, ...rest } = r.data;
  return deepFreeze(rest) as Config;
}

/** Loads, merges, overrides and validates a config file. */
export function loadConfig(path: string, overrides: readonly string[] = []): Config {
  const merged = applyOverrides(readConfigTree(path), overrides);
  return validateConfig(merged, path);
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}
