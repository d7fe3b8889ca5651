/**
 * The layout of a run folder, `runs/<name>/`: the only module that spells its file names.
 *
 * ```
 * runs/<name>/
 *   config.resolved.json   the validated config and its hash
 *   plan.json              the preprocessing plan (spacing, normalisation, fingerprint summary)
 *   metrics.jsonl          one JSON record per step, validation and data-loader report
 *   curves.png, .svg       training curves, redrawn every epoch (curves.vl.json: their Vega-Lite spec)
 *   report.html            written by `kitseg evaluate`
 *   .train.lock            the id of the process training it, while it trains
 *   checkpoints/{last,best,epoch-<n>}/   model.json, weights, optimizer.bin, state.json
 *   stage1/source.json     a cascade stage 2 (train.cascadeInput: stage1): which stage-1 masks it trains on
 *   masks/<key>/<id>.nii.gz, source.json  a stage 1's masks of every case, shared by the stage 2s
 *                                         trained on it (key: its weights and inference settings)
 *   evaluation/<split>[-tag]/            scores and predictions of `kitseg evaluate`
 * ```
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive, removeDeadTemporaries } from './atomic.js';

/** Paths inside one run folder. */
export interface RunDir {
  readonly root: string;
  readonly config: string;
  readonly plan: string;
  readonly metrics: string;
  readonly curves: string;
  readonly curvesSvg: string;
  readonly curvesSpec: string;
  readonly report: string;
  /** Holds the id of the process training the run (removed when it stops). */
  readonly lock: string;
  readonly checkpoints: string;
  /** `checkpoints/<name>`: `last`, `best`, `epoch-<n>`. */
  checkpoint(name: string): string;
  /** `checkpoints/epoch-<n>`, a top-K checkpoint. */
  epochCheckpoint(epoch: number): string;
  /** `evaluation/<split>[-tag]`. */
  evaluation(folder: string): string;
  /** `stage1/`: a stage 2's `source.json`, naming the stage-1 masks it trains on. */
  readonly stage1Masks: string;
  /** `masks/<key>`: this run's masks of the cases, made for the cascade stage 2s trained on it. */
  masks(key: string): string;
}

/** Files a checkpoint folder holds. */
export const CHECKPOINT_FILES = {
  model: 'model.json',
  state: 'state.json',
  optimizer: 'optimizer.bin',
} as const;

/** The prefix of top-K checkpoint folders (`epoch-<n>`). */
export const EPOCH_CHECKPOINT = /^epoch-(\d+)$/;

/** The layout of the run folder `root`. */
export function runDir(root: string): RunDir {
  return {
    root,
    config: join(root, 'config.resolved.json'),
    plan: join(root, 'plan.json'),
    metrics: join(root, 'metrics.jsonl'),
    curves: join(root, 'curves.png'),
    curvesSvg: join(root, 'curves.svg'),
    curvesSpec: join(root, 'curves.vl.json'),
    report: join(root, 'report.html'),
    lock: join(root, '.train.lock'),
    checkpoints: join(root, 'checkpoints'),
    checkpoint: (name) => join(root, 'checkpoints', name),
    epochCheckpoint: (epoch) => join(root, 'checkpoints', `epoch-${epoch}`),
    evaluation: (folder) => join(root, 'evaluation', folder),
    stage1Masks: join(root, 'stage1'),
    masks: (key) => join(root, 'masks', key),
  };
}

/** The run folder of the config named `name` under `runsDir`. */
export function runDirOf(runsDir: string, name: string): RunDir {
  return runDir(join(runsDir, name));
}

/**
 * Removes the temporaries of processes that no longer run from the run folder, its
 * `checkpoints/` and `stage1/` (a kill during a checkpoint or metrics write leaves them); returns their paths.
 */
export function removeStaleTemporaries(run: RunDir): string[] {
  return removeDeadTemporaries([run.root, run.checkpoints, run.stage1Masks]);
}

/** The id of a live process that holds `run`'s training lock, or null. */
export function trainingProcess(run: RunDir): number | null {
  if (!existsSync(run.lock)) return null;
  const pid = Number(readFileSync(run.lock, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 && processAlive(pid) ? pid : null;
}
