/**
 * The layout of a run folder, `runs/<name>/`: the only module that spells its file names.
 *
 * ```
 * runs/<name>/
 *   config.resolved.json   the validated config and its hash
 *   plan.json              the preprocessing plan (spacing, normalisation, fingerprint summary)
 *   metrics.jsonl          one JSON record per step, validation and data-loader report
 *   curves.png             training curves, redrawn every epoch
 *   report.html            written by `kitseg evaluate`
 *   checkpoints/{last,best,epoch-<n>}/   model.json, weights, optimizer.bin, state.json
 *   evaluation/<split>[-tag]/            scores and predictions of `kitseg evaluate`
 * ```
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** Paths inside one run folder. */
export interface RunDir {
  readonly root: string;
  readonly config: string;
  readonly plan: string;
  readonly metrics: string;
  readonly curves: string;
  readonly report: string;
  readonly checkpoints: string;
  /** `checkpoints/<name>`: `last`, `best`, `epoch-<n>`. */
  checkpoint(name: string): string;
  /** `checkpoints/epoch-<n>`, a top-K checkpoint. */
  epochCheckpoint(epoch: number): string;
  /** `evaluation/<split>[-tag]`. */
  evaluation(folder: string): string;
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
    report: join(root, 'report.html'),
    checkpoints: join(root, 'checkpoints'),
    checkpoint: (name) => join(root, 'checkpoints', name),
    epochCheckpoint: (epoch) => join(root, 'checkpoints', `epoch-${epoch}`),
    evaluation: (folder) => join(root, 'evaluation', folder),
  };
}

/** The run folder of the config named `name` under `runsDir`. */
export function runDirOf(runsDir: string, name: string): RunDir {
  return runDir(join(runsDir, name));
}

/** Temporaries the atomic writers name with their process id: `.kitseg-tmp-<pid>-…`, `<dir>.tmp-<pid>`, `<dir>.old-<pid>`. */
const TEMPORARY = /^(?:\.kitseg-tmp-(\d+)-.*|.+\.(?:tmp|old)-(\d+))$/;

function alive(pid: number): boolean {
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
 * Removes the temporaries of processes that no longer run from the run folder and its
 * `checkpoints/` (a kill during a checkpoint or metrics write leaves them); returns their paths.
 */
export function removeStaleTemporaries(run: RunDir): string[] {
  const removed: string[] = [];
  for (const dir of [run.root, run.checkpoints]) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const m = TEMPORARY.exec(name);
      if (m === null) continue;
      const pid = Number(m[1] ?? m[2]);
      if (alive(pid)) continue;
      rmSync(join(dir, name), { recursive: true, force: true });
      removed.push(join(dir, name));
    }
  }
  return removed;
}
