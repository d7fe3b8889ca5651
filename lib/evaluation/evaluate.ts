/**
 * `kitseg evaluate`: predict every case of a split through a config's pipeline and score it on the
 * original grid; or score existing prediction files against a dataset's references.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema/index.js';
import { DataError, IoError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { assertSameGeometry, discoverCases, loadCase, type CaseRef } from '../data/kits19.js';
import { assertKitsLabels } from '../data/labels.js';
import { loadOrCreateSplits, resolveSplit, type SplitsAccess } from '../data/splits.js';
import { readCanonical, writeLikeSource } from '../io/canonical.js';
import { boxScores, type BoxCounts, type BoxScores } from '../detection/metrics.js';
import { loadLocalizer } from '../inference/localizer.js';
import { loadPipeline } from '../inference/pipeline.js';
import { postprocessEnabled } from '../postprocess/index.js';
import type { EvaluationTable } from './report.js';
import { scoreCase, summarize, type CaseScores, type Scoring } from './scores.js';

/** How `cfg` scores its cases. */
export function scoringOf(cfg: Config): Scoring {
  return {
    labels: cfg.data.labels,
    surface: cfg.evaluation.surface,
    toleranceMm: cfg.evaluation.surfaceToleranceMm,
  };
}

/** Case refs of a split of `cfg`'s dataset (splits.json is made once and reused). */
export function splitCases(
  cfg: Config,
  split: string,
  root = cfg.data.root,
  access: SplitsAccess = {},
): CaseRef[] {
  const refs = discoverCases(root);
  const s = cfg.data.splits;
  const splits = loadOrCreateSplits(root, s.file, refs, s, access);
  const byId = new Map(refs.map((r) => [r.id, r]));
  return resolveSplit(splits, split, cfg.data.fold).map((id) => byId.get(id)!);
}

export interface EvaluateOptions {
  readonly runsDir: string;
  readonly split: string;
  /** Another dataset to predict, every case of it (no split file is read or written there). */
  readonly data?: string;
  readonly checkpoints?: readonly string[];
  readonly ttaAxes?: readonly number[];
  /** Where predictions (`predictions/<id>.nii.gz`) go; null: not written. */
  readonly outDir: string | null;
  readonly log: Logger;
}

/** Box recall and precision of a detector stage over the val slices, overall and per case. */
export interface DetectionReport {
  readonly summary: BoxScores;
  readonly cases: ({ readonly id: string } & BoxScores)[];
}

export interface EvaluationResult {
  readonly tables: EvaluationTable[];
  /** A detector config, or a cascade whose stage 1 is a detector. */
  readonly detection: DetectionReport | null;
  /** Peak resident set size seen while predicting (MiB). */
  readonly peakRssMiB: number;
  readonly checkpoints: readonly string[];
}

/** A detector config: its boxes on every slice of the split's cases, against the kidney boxes. */
async function evaluateDetector(
  cfg: Config,
  refs: readonly CaseRef[],
  opts: EvaluateOptions,
): Promise<EvaluationResult> {
  const loc = await loadLocalizer(cfg, {
    runsDir: opts.runsDir,
    ...(opts.checkpoints === undefined ? {} : { checkpoints: opts.checkpoints }),
  });
  const cases: DetectionReport['cases'] = [];
  const all: BoxCounts[] = [];
  let peak = process.memoryUsage().rss;
  try {
    for (const [k, ref] of refs.entries()) {
      const c = loadCase(ref, cfg.data.labels);
      const counts = loc.locate(c.image, { reference: c.label!.data }).counts!;
      peak = Math.max(peak, process.memoryUsage().rss);
      all.push(...counts);
      const s = boxScores(counts);
      cases.push({ id: ref.id, ...s });
      opts.log.info(
        `[${k + 1}/${refs.length}] ${ref.id}: box recall ${s.recall.toFixed(4)}, precision ${s.precision.toFixed(4)}`,
      );
    }
  } finally {
    loc.dispose();
  }
  return {
    tables: [],
    detection: { summary: boxScores(all), cases },
    peakRssMiB: Math.round(peak / 2 ** 20),
    checkpoints: loc.checkpoints,
  };
}

export async function evaluateConfig(cfg: Config, opts: EvaluateOptions): Promise<EvaluationResult> {
  const all = opts.data === undefined ? splitCases(cfg, opts.split) : discoverCases(opts.data);
  const refs = all.filter((r) => r.segmentationPath !== undefined);
  if (refs.length === 0)
    throw new DataError(
      opts.data === undefined
        ? `split "${opts.split}" has no labelled case`
        : 'no labelled case in this folder',
      opts.data ?? cfg.data.root,
    );
  if (cfg.model.type === 'fasterRcnn') return evaluateDetector(cfg, refs, opts);
  const pipe = await loadPipeline(cfg, {
    runsDir: opts.runsDir,
    ...(opts.checkpoints === undefined ? {} : { checkpoints: opts.checkpoints }),
    ...(opts.ttaAxes === undefined ? {} : { ttaAxes: opts.ttaAxes }),
  });
  const withPost = postprocessEnabled(cfg.postprocess);
  const raw: CaseScores[] = [];
  const post: CaseScores[] = [];
  const boxCases: DetectionReport['cases'] = [];
  const boxAll: BoxCounts[] = [];
  let peak = process.memoryUsage().rss;
  const scoring = scoringOf(cfg);
  try {
    for (const [k, ref] of refs.entries()) {
      const t0 = performance.now();
      const c = loadCase(ref, cfg.data.labels);
      const seg = pipe.segment(c.image, {
        onWindow: () => {
          peak = Math.max(peak, process.memoryUsage().rss);
        },
        reference: c.label!.data,
      });
      if (seg.detection !== null) {
        boxAll.push(...seg.detection);
        boxCases.push({ id: ref.id, ...boxScores(seg.detection) });
      }
      const seconds = (performance.now() - t0) / 1000;
      peak = Math.max(peak, process.memoryUsage().rss);
      const { shape, spacingMm } = c.image;
      const refLabels = c.label!.data;
      raw.push({ ...scoreCase(ref.id, seg.raw, refLabels, shape, spacingMm, scoring), seconds });
      if (withPost)
        post.push({ ...scoreCase(ref.id, seg.labels, refLabels, shape, spacingMm, scoring), seconds });
      if (opts.outDir !== null) {
        mkdirSync(join(opts.outDir, 'predictions'), { recursive: true });
        writeLikeSource(join(opts.outDir, 'predictions', `${ref.id}.nii.gz`), seg.labels, c.image, 'uint8');
      }
      const last = (withPost ? post : raw).at(-1)!;
      opts.log.info(
        `[${k + 1}/${refs.length}] ${ref.id}: kidney ${last.kidney.dice.toFixed(4)}, tumour ${last.tumor.dice.toFixed(4)} (${seconds.toFixed(1)} s)`,
      );
    }
  } finally {
    pipe.dispose();
  }
  const labels = cfg.data.labels;
  const tables: EvaluationTable[] = [{ name: 'raw', cases: raw, summary: summarize(raw, labels) }];
  if (withPost) tables.push({ name: 'postprocessed', cases: post, summary: summarize(post, labels) });
  return {
    tables,
    detection: boxCases.length === 0 ? null : { summary: boxScores(boxAll), cases: boxCases },
    peakRssMiB: Math.round(peak / 2 ** 20),
    checkpoints: [...pipe.main.checkpoints, ...(pipe.stage1?.checkpoints ?? [])],
  };
}

/** The prediction file of a case in `predDir`: `<id>.nii.gz`, or KiTS19's `prediction_XXXXX.nii.gz`. */
export function predictionFile(predDir: string, id: string): string {
  const names = [`${id}.nii.gz`, `${id}.nii`, `prediction_${id.replace(/^case_/, '')}.nii.gz`];
  for (const n of names) if (existsSync(join(predDir, n))) return join(predDir, n);
  throw new IoError(`no prediction for ${id} (looked for ${names.join(', ')})`, predDir);
}

/** Scores existing predictions in `predDir` against the references of `refs`. */
export function scorePredictions(
  predDir: string,
  refs: readonly CaseRef[],
  scoring: Scoring,
): EvaluationTable {
  const cases: CaseScores[] = [];
  for (const ref of refs) {
    if (ref.segmentationPath === undefined) continue;
    const label = readCanonical(ref.segmentationPath);
    assertKitsLabels(label.data, ref.segmentationPath, label.scaling, scoring.labels);
    const path = predictionFile(predDir, ref.id);
    const pred = readCanonical(path);
    try {
      assertSameGeometry(label, pred, path, 'reference segmentation');
    } catch (e) {
      // The message already names the file; prefix the case so a batch report says which one.
      throw e instanceof DataError ? new DataError(`${ref.id}: ${e.message}`) : e;
    }
    assertKitsLabels(pred.data, path, pred.scaling, scoring.labels);
    cases.push(scoreCase(ref.id, pred.data, label.data, label.shape, label.spacingMm, scoring));
  }
  if (cases.length === 0) throw new DataError('no labelled case to score', predDir);
  return { name: 'predictions', cases, summary: summarize(cases, scoring.labels) };
}
