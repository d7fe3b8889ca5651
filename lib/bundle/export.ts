/**
 * `kitseg export`: a trained run (and, for a cascade, its stage 1) to a bundle folder. The bundle is
 * assembled in a temporary folder beside `out` and renamed into place, so it is whole or absent.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { loadConfig, validateConfig } from '../config/load.js';
import type { Config } from '../config/schema/index.js';
import { LABEL_SCHEMES } from '../core/labels.js';
import { IoError, UsageError } from '../core/errors.js';
import { writeJsonAtomic } from '../io/atomic.js';
import { writeSharded } from '../io/checkpoint.js';
import { CHECKPOINT_FILES, runDir, type RunDir } from '../io/run-dir.js';
import { readPlan } from '../preprocess/plan.js';
import { PlanSchema } from '../preprocess/plan-schema.js';
import { readTrainState } from '../training/checkpoint.js';
import { BUNDLE_FORMAT, MANIFEST_FILE, type BundleManifest, type BundleStage } from './manifest.js';

export interface ExportOptions {
  /** The run folder of the single stage, or of stage 1 when `stage2` is given. */
  readonly run: string;
  readonly stage2?: string;
  /** `best`, `last`, `epoch-<n>` (for every stage) or checkpoint folders (the main stage's ensemble). */
  readonly checkpoints?: readonly string[];
  readonly out: string;
  readonly name?: string;
  readonly kitsegVersion: string;
  readonly overwrite?: boolean;
}

const NAMED = /^(best|last|epoch-\d+)$/;

/** A run's validated config, as training resolved it. */
export function runConfig(run: RunDir): Config {
  if (!existsSync(run.config)) throw new IoError('not a run folder: no config.resolved.json', run.root);
  const raw = JSON.parse(readFileSync(run.config, 'utf8')) as Record<string, unknown>;
  const { configHash: _hash, ...cfg } = raw;
  return validateConfig(cfg, run.config);
}

/** The stage-1 run of a cascade stage 2: its config's `inference.cascade.stage1`, trained beside it. */
function cascadeStage1(cfg: Config, run: RunDir): RunDir | null {
  if (cfg.inference.cascade === null) return null;
  const c1 = loadConfig(cfg.inference.cascade.stage1);
  return runDir(join(dirname(run.root), c1.name));
}

/**
 * The checkpoint folders of a stage. Names (`best`, `last`, `epoch-<n>`) apply to every stage;
 * folders given by path are the main stage's ensemble. Default: the config's `inference.checkpoint`.
 */
function checkpointDirs(
  run: RunDir,
  cfg: Config,
  asked: readonly string[] | undefined,
  main: boolean,
): string[] {
  const names = (asked ?? []).filter((n) => main || NAMED.test(n));
  return (names.length > 0 ? names : [cfg.inference.checkpoint]).map((n) =>
    NAMED.test(n) ? run.checkpoint(n) : n,
  );
}

function valAt(run: RunDir, step: number): BundleStage['provenance']['val'] {
  if (!existsSync(run.metrics)) return null;
  let found: BundleStage['provenance']['val'] = null;
  for (const line of readFileSync(run.metrics, 'utf8').split('\n')) {
    if (!line.includes('"val"')) continue;
    const r = JSON.parse(line) as { step?: number; val?: Record<string, number> };
    if (r.val === undefined || r.step === undefined || r.step > step) continue;
    found = { step: r.step, scores: r.val };
  }
  return found;
}

function stageEntry(run: RunDir, role: string, dirs: readonly string[], tmp: string): BundleStage {
  const cfg = runConfig(run);
  const hash = (JSON.parse(readFileSync(run.config, 'utf8')) as { configHash: string }).configHash;
  // Validated with its errors, then kept as the schema's plain type.
  readPlan(run.plan);
  const plan = PlanSchema.parse(JSON.parse(readFileSync(run.plan, 'utf8')));
  const models = dirs.map((d, k) => {
    if (!existsSync(join(d, CHECKPOINT_FILES.model))) throw new IoError('checkpoint has no model.json', d);
    const rel = `${role}/model-${k}`;
    mkdirSync(join(tmp, rel), { recursive: true });
    writeSharded(d, join(tmp, rel));
    return rel;
  });
  const state = readTrainState(dirs[0]!);
  const steps = state?.globalStep ?? 0;
  return {
    config: cfg,
    plan,
    models,
    provenance: {
      run: basename(run.root),
      configHash: hash,
      checkpoints: dirs.map((d) => (d.startsWith(run.checkpoints) ? basename(d) : d)),
      dataset: cfg.data.root,
      steps,
      val: valAt(run, steps),
    },
  };
}

/** Writes the bundle; returns its manifest. */
export function exportBundle(o: ExportOptions): BundleManifest {
  if (existsSync(o.out) && o.overwrite !== true)
    throw new UsageError(`${o.out} exists: give --overwrite to replace it`);
  const mainRun = runDir(o.stage2 ?? o.run);
  const mainCfg = runConfig(mainRun);
  const s1Run = o.stage2 !== undefined ? runDir(o.run) : cascadeStage1(mainCfg, mainRun);
  if (o.stage2 !== undefined && mainCfg.inference.cascade === null)
    throw new UsageError(`${o.stage2}: --stage2 takes a cascade stage 2 (its inference.cascade is null)`);
  const tmp = `${o.out}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    const main = stageEntry(
      mainRun,
      s1Run === null ? 'main' : 'stage2',
      checkpointDirs(mainRun, mainCfg, o.checkpoints, true),
      tmp,
    );
    let stage1: BundleStage | null = null;
    if (s1Run !== null) {
      const c1 = runConfig(s1Run);
      stage1 = stageEntry(s1Run, 'stage1', checkpointDirs(s1Run, c1, o.checkpoints, false), tmp);
    }
    const set = mainCfg.data.labels;
    const manifest: BundleManifest = {
      format: BUNDLE_FORMAT,
      kind: 'kitseg-bundle',
      name: o.name ?? basename(o.out),
      kitseg: o.kitsegVersion,
      created: new Date().toISOString(),
      labels: { set, names: [...LABEL_SCHEMES[set].names] },
      main,
      stage1,
    };
    writeJsonAtomic(join(tmp, MANIFEST_FILE), manifest);
    rmSync(o.out, { recursive: true, force: true });
    mkdirSync(dirname(o.out), { recursive: true });
    renameSync(tmp, o.out);
    return manifest;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
