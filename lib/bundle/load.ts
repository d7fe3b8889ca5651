/** Reads a bundle's manifest (validated, format-checked) and loads its inference pipeline. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseWithSchema } from '../config/load.js';
import { DataError, IoError } from '../core/errors.js';
import { modelFiles } from '../io/checkpoint.js';
import { CHECKPOINT_FILES } from '../io/run-dir.js';
import type { Pipeline } from '../inference/cascade.js';
import { loadPipeline } from '../inference/pipeline.js';
import type { StageOptions } from '../inference/stage-load.js';
import {
  BUNDLE_FORMAT,
  BundleManifestSchema,
  MANIFEST_FILE,
  stageParts,
  type BundleManifest,
  type BundleStage,
} from './manifest.js';

/** The manifest of bundle folder `dir`, with every model file it names present. */
export function readBundle(dir0: string): BundleManifest {
  const path = join(dir0, MANIFEST_FILE);
  if (!existsSync(path)) throw new IoError(`not a kitseg bundle: no ${MANIFEST_FILE}`, dir0);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new DataError(`not valid JSON (${(e as Error).message})`, path, { cause: e });
  }
  const format = (raw as { format?: unknown } | null)?.format;
  if (typeof format === 'number' && format > BUNDLE_FORMAT)
    throw new DataError(
      `bundle format ${format} is newer than this kitseg reads (${BUNDLE_FORMAT}): upgrade kitseg`,
      path,
    );
  const m = parseWithSchema(BundleManifestSchema, raw, path);
  for (const s of [m.main, m.stage1])
    for (const rel of s?.models ?? []) {
      const dir = join(dir0, rel);
      if (!existsSync(join(dir, CHECKPOINT_FILES.model)))
        throw new IoError(
          `the bundle is missing ${rel}/${CHECKPOINT_FILES.model}`,
          join(dir, CHECKPOINT_FILES.model),
        );
      for (const f of modelFiles(dir))
        if (!existsSync(join(dir, f))) throw new IoError(`the bundle is missing ${rel}/${f}`, join(dir, f));
    }
  return m;
}

function stageOptions(dir: string, s: BundleStage, ttaAxes: readonly number[] | undefined): StageOptions {
  return {
    runsDir: dir,
    checkpoints: s.models.map((m) => join(dir, m)),
    plan: stageParts(s).plan,
    ...(ttaAxes === undefined ? {} : { ttaAxes }),
  };
}

/** The bundle's pipeline: its main stage and, for a cascade, its stage 1. `ttaAxes` overrides both. */
export async function loadBundlePipeline(
  dir: string,
  o: { readonly ttaAxes?: readonly number[] } = {},
): Promise<{ manifest: BundleManifest; pipeline: Pipeline }> {
  const manifest = readBundle(dir);
  const main = stageParts(manifest.main);
  const s1 = manifest.stage1;
  const pipeline = await loadPipeline(
    main.cfg,
    stageOptions(dir, manifest.main, o.ttaAxes),
    s1 === null ? undefined : { cfg: stageParts(s1).cfg, opts: stageOptions(dir, s1, undefined) },
  );
  return { manifest, pipeline };
}
