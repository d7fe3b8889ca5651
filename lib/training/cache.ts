/**
 * The preprocessing cache (nnU-Net's "preprocessed" folder): the plan and every case cropped,
 * resampled and normalised, stored as raw float32 image + uint8 labels (`<id>.bin`) with a JSON
 * sidecar (`<id>.json`: shape, pad value, byte layout, and the size and mtime of the source files),
 * so training never re-decodes `.nii.gz`. The folder name carries a hash of everything the result
 * depends on (dataset path, train cases, `preprocess` config), so a config change uses a new
 * folder; a source file that changed is redone.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Config } from '../config/schema/index.js';
import { configHash } from '../config/hash.js';
import { IoError } from '../core/errors.js';
import type { Shape3D } from '../core/types.js';
import { loadCase, loadTissue, TISSUE_FILE, type CaseRef } from '../data/kits19.js';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic.js';
import type { Logger } from '../core/logger.js';
import type { Rng } from '../rng/rng.js';
import { makePlan, readPlan } from '../preprocess/plan.js';
import type { Plan } from '../preprocess/plan-schema.js';
import { preprocessCase, type PreprocessedCase } from './data.js';

const FORMAT = 1;

interface Sidecar {
  readonly format: number;
  readonly id: string;
  readonly shape: Shape3D;
  readonly pad: number;
  readonly imageBytes: number;
  readonly labelBytes: number;
  /** Bytes of the uint8 tissue map after the labels (`data.render`); absent or 0: none. */
  readonly tissueBytes?: number;
  readonly sources: Record<string, { size: number; mtimeMs: number }>;
}

/** The cache folder of a config and its train cases. */
export function cacheDir(cfg: Config, trainIds: readonly string[]): string {
  const root = resolve(cfg.data.root);
  const base = cfg.preprocess.cacheDir ?? join(dirname(root), 'preprocessed');
  const key = configHash({
    format: FORMAT,
    root,
    trainIds,
    preprocess: { ...cfg.preprocess, cacheDir: null },
    // The tissue maps travel in the cache only when training re-shades from them.
    ...(cfg.data.render === null ? {} : { tissue: true }),
  });
  return join(base, `${basename(root)}-${key}`);
}

function sources(ref: CaseRef, tissue: boolean): Sidecar['sources'] {
  const out: Sidecar['sources'] = {};
  const t = tissue ? join(dirname(ref.imagingPath), TISSUE_FILE) : undefined;
  for (const p of [ref.imagingPath, ref.segmentationPath, t]) {
    if (p === undefined || !existsSync(p)) continue;
    const s = statSync(p);
    out[basename(p)] = { size: s.size, mtimeMs: s.mtimeMs };
  }
  return out;
}

function readCached(dir: string, ref: CaseRef, tissue: boolean): PreprocessedCase | null {
  const side = join(dir, `${ref.id}.json`);
  const bin = join(dir, `${ref.id}.bin`);
  if (!existsSync(side) || !existsSync(bin)) return null;
  const s = JSON.parse(readFileSync(side, 'utf8')) as Sidecar;
  if (s.format !== FORMAT || JSON.stringify(s.sources) !== JSON.stringify(sources(ref, tissue))) return null;
  const tissueBytes = s.tissueBytes ?? 0;
  if (tissue !== tissueBytes > 0) return null;
  const buf = readFileSync(bin);
  if (buf.byteLength !== s.imageBytes + s.labelBytes + tissueBytes) return null;
  const image = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + s.imageBytes));
  const labelEnd = s.imageBytes + s.labelBytes;
  const label = Float32Array.from(buf.subarray(s.imageBytes, labelEnd));
  const out = { id: s.id, image, label, shape: s.shape, pad: s.pad };
  return tissue ? { ...out, tissue: Float32Array.from(buf.subarray(labelEnd, labelEnd + tissueBytes)) } : out;
}

function writeCached(dir: string, ref: CaseRef, p: PreprocessedCase): void {
  const img = new Uint8Array(p.image.buffer, p.image.byteOffset, p.image.byteLength);
  const tissueBytes = p.tissue?.length ?? 0;
  const bin = new Uint8Array(img.byteLength + p.label.length + tissueBytes);
  bin.set(img, 0);
  bin.set(Uint8Array.from(p.label), img.byteLength);
  if (p.tissue !== undefined) bin.set(Uint8Array.from(p.tissue), img.byteLength + p.label.length);
  writeFileAtomic(join(dir, `${ref.id}.bin`), bin);
  const side: Sidecar = {
    format: FORMAT,
    id: p.id,
    shape: p.shape,
    pad: p.pad,
    imageBytes: img.byteLength,
    labelBytes: p.label.length,
    ...(tissueBytes > 0 ? { tissueBytes } : {}),
    sources: sources(ref, p.tissue !== undefined),
  };
  writeJsonAtomic(join(dir, `${ref.id}.json`), side);
}

export interface CacheResult {
  readonly dir: string;
  readonly plan: Plan;
  readonly train: PreprocessedCase[];
  readonly val: PreprocessedCase[];
  /** Cases computed now (not read from the cache). */
  readonly computed: string[];
}

/**
 * The plan and the preprocessed train and val cases, from the cache where valid, computed (and
 * cached) otherwise. The plan (fingerprint) is derived from the train cases only.
 */
export function preparedDataset(
  cfg: Config,
  trainRefs: readonly CaseRef[],
  valRefs: readonly CaseRef[],
  fingerprintRng: Rng,
  log: Logger,
): CacheResult {
  const labelled = (rs: readonly CaseRef[]) => rs.filter((r) => r.segmentationPath !== undefined);
  const train = labelled(trainRefs);
  const val = labelled(valRefs);
  const dir = cacheDir(
    cfg,
    train.map((r) => r.id),
  );
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new IoError(
      `cannot create the preprocessing cache (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); set preprocess.cacheDir to a writable folder`,
      dir,
      { cause: e },
    );
  }
  const planPath = join(dir, 'plan.json');
  // Only the train cases are re-shaded; validation scores the stored images.
  const render = cfg.data.render !== null;
  const trainIds = new Set(train.map((r) => r.id));
  const withTissue = (r: CaseRef) => render && trainIds.has(r.id);
  const cached = new Map<string, PreprocessedCase>();
  for (const r of [...train, ...val]) {
    const c = readCached(dir, r, withTissue(r));
    if (c !== null) cached.set(r.id, c);
  }
  let plan: Plan;
  const trainValid = train.every((r) => cached.has(r.id));
  if (existsSync(planPath) && trainValid) {
    plan = readPlan(planPath);
  } else {
    // The fingerprint needs every train case decoded; the plan is then rewritten.
    plan = makePlan(
      cfg,
      train.map((r) => loadCase(r, cfg.data.labels)),
      fingerprintRng,
    );
    writeJsonAtomic(planPath, plan);
    cached.clear();
  }
  const computed: string[] = [];
  const get = (r: CaseRef): PreprocessedCase => {
    const hit = cached.get(r.id);
    if (hit !== undefined) return hit;
    const c = loadCase(r, cfg.data.labels);
    const tissue = withTissue(r) ? loadTissue(c).data : null;
    const p = preprocessCase(c, plan, cfg.preprocess.interpolation, tissue);
    writeCached(dir, r, p);
    computed.push(r.id);
    log.debug(`preprocessed ${r.id} → ${dir}`);
    return p;
  };
  const out = { dir, plan, train: train.map(get), val: val.map(get), computed };
  log.info(
    `preprocessed cache ${dir}: ${out.train.length + out.val.length - computed.length} cached, ${computed.length} computed`,
  );
  return out;
}
