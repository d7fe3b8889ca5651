/**
 * The one training loop. `runTraining(cfg, task, opts)` owns what every kitseg model trains with:
 * the run folder and its resolved config, resume (weights, optimiser moments, epoch/iteration, the
 * LR schedule and every RNG stream, so an interrupted and resumed run ends bit-identical to a
 * straight one on the CPU backends), the LR schedule, stop requests (Ctrl-C, SIGTERM, `maxSteps`),
 * the NaN guard, `metrics.jsonl`, the `last`/`best`/top-K checkpoints, early stopping and the
 * curves. What differs between models is a task's named hooks, in the spirit of nnU-Net's trainer:
 *
 * ```
 * build | restore → onTrainStart → per epoch: (nextBatch → trainStep)* → onEpochEnd
 *                                              → validate → score → checkpoints → dispose (finally)
 * ```
 */
import { assertPrecision, useConvPrecision } from '../backend/precision.js';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describeChanges, savedConfigChanges } from '../config/compare.js';
import { configHash } from '../config/hash.js';
import type { Config } from '../config/schema/index.js';
import type { TaskName } from '../config/traits.js';
import { DataError, IoError, SegError, UsageError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { discoverCases, type CaseRef } from '../data/kits19.js';
import { loadOrCreateSplits, resolveSplit } from '../data/splits.js';
import { appendJsonLine, writeFileAtomic, writeJsonAtomic } from '../io/atomic.js';
import {
  CHECKPOINT_FILES,
  removeStaleTemporaries,
  runDir,
  trainingProcess,
  type RunDir,
} from '../io/run-dir.js';
import { writeRunPlan } from '../preprocess/plan.js';
import { Rng } from '../rng/rng.js';
import { FusedAdam } from './adam.js';
import { preparedDataset, type CacheResult } from './cache.js';
import {
  namedOptimizerWeights,
  restoreOptimizerWeights,
  type NamedTensor,
  type TrainState,
} from './checkpoint.js';
import { writeTrainingCurves } from './curves.js';
import { afterValidation, initialSchedule, lrFor, shouldStopEarly } from './schedule.js';

/** A training run could not continue (e.g. the loss became NaN). */
export class TrainingError extends SegError {
  readonly code = 'DATA';
}

export interface TrainOptions {
  readonly runDir: string;
  readonly resume: boolean;
  readonly log: Logger;
  /** Polled each iteration; true saves `last` and returns (Ctrl-C). */
  readonly shouldStop?: () => boolean;
  /** Start afresh: remove what the run folder holds (once the config, data and model validated). */
  readonly overwrite?: boolean;
  /** Stop after this many iterations in this call, saving `last` (tests of resume). */
  readonly maxSteps?: number;
  readonly onProgress?: (p: {
    epoch: number;
    iteration: number;
    loss: number;
    lr: number;
    stepMs: number;
  }) => void;
}

/** How a run ended, with the task's last validation `val`. */
export interface TrainSummary<V> {
  readonly runDir: string;
  readonly completed: boolean;
  /** Ended by early stopping before `train.epochs`. */
  readonly stoppedEarly: boolean;
  readonly epoch: number;
  readonly globalStep: number;
  readonly lastLoss: number;
  readonly best: number | null;
  readonly val: V | null;
}

/** What a task's hooks share with the loop for one run. */
export interface RunContext {
  readonly cfg: Config;
  readonly run: RunDir;
  readonly log: Logger;
  readonly root: Rng;
  readonly prepared: CacheResult;
  readonly trainRefs: CaseRef[];
  readonly valRefs: CaseRef[];
  /** Whether the run continues from its last checkpoint (otherwise its folder is written afresh). */
  readonly resuming: boolean;
  /**
   * The sampler stream, saved in every checkpoint. Hooks that draw from it may replace it (a
   * background loader hands back the state after each batch it drew).
   */
  sampler: Rng;
}

/** The trainable side of a task's model: its variables, and how a checkpoint of it is written. */
export interface TaskModel {
  readonly weights: tf.LayerVariable[];
  save(dir: string, optimizerWeights: readonly NamedTensor[], state: TrainState): Promise<void>;
}

/** A checkpoint read back by a task's `restore`. */
export interface Restored {
  readonly model: TaskModel;
  readonly optimizerWeights: NamedTensor[];
  readonly state: TrainState;
}

/** One step's outcome: the loss, and extra fields for its `metrics.jsonl` record. */
export interface StepResult {
  readonly loss: number;
  readonly record?: Readonly<Record<string, unknown>>;
}

/** A validation as the loop logs and plots it. */
export interface ValidationReport {
  /** Fields of its `metrics.jsonl` record. */
  readonly record: Readonly<Record<string, unknown>>;
  readonly message: string;
}

/** A task's hooks for one run, created by `TrainingTask.open` (B: a batch, V: a validation). */
export interface TaskSession<B, V> {
  /** A fresh, seeded model. */
  build(): Promise<TaskModel>;
  /** The model, optimiser state and loop state of the checkpoint in `dir`. */
  restore(dir: string): Promise<Restored>;
  /** After build/restore, before the first step (e.g. start a background loader). */
  onTrainStart(): Promise<void>;
  nextBatch(): Promise<B>;
  trainStep(batch: B, opt: tf.Optimizer): StepResult;
  /** null: nothing to validate on. */
  validate(): Promise<V | null>;
  /** The number `best`, plateau LR, early stopping and top-K rank by (higher is better). */
  score(v: V): number;
  report(v: V): ValidationReport;
  onEpochEnd(info: {
    readonly epoch: number;
    readonly globalStep: number;
    readonly steps: number;
    readonly ms: number;
  }): void;
  /** Frees the model and everything else the session holds; always called. */
  dispose(): Promise<void>;
}

/** A kind of training (segmentation, detection), chosen by the model's task. */
export interface TrainingTask<B, V> {
  readonly name: TaskName;
  /** Derives the task's data for a run and returns its hooks; writes nothing. */
  open(ctx: RunContext): Promise<TaskSession<B, V>>;
}

/** The configured optimiser (Adam is kitseg's fused one). */
export function makeOptimizer(cfg: Config): tf.Optimizer {
  const o = cfg.optim;
  if (o.type === 'adam')
    return new FusedAdam({ lr: o.lr, beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon });
  return tf.train.momentum(o.lr, o.momentum, o.nesterov);
}

function setLr(opt: tf.Optimizer, lr: number): void {
  if (opt instanceof FusedAdam) opt.lr = lr;
  else (opt as unknown as { learningRate: number }).learningRate = lr;
}

/**
 * The train and val cases of `cfg` (its split, plus `data.extra` folders in training), through the
 * preprocessing cache.
 */
export function trainingData(
  cfg: Config,
  log: Logger,
  root: Rng,
): { prepared: CacheResult; trainRefs: CaseRef[]; valRefs: CaseRef[] } {
  const refs = discoverCases(cfg.data.root);
  const s = cfg.data.splits;
  const splits = loadOrCreateSplits(cfg.data.root, s.file, refs, s, { warn: (m) => log.warn(m) });
  const byId = new Map(refs.map((r) => [r.id, r]));
  const splitTrain = resolveSplit(splits, cfg.data.trainSplit, cfg.data.fold);
  const trainRefs = splitTrain.map((id) => byId.get(id)!);
  for (const dir of cfg.data.extra) {
    for (const r of discoverCases(dir)) {
      if (byId.has(r.id)) throw new DataError(`${r.id} is already a case of ${cfg.data.root}`, dir);
      byId.set(r.id, r);
      trainRefs.push(r);
    }
  }
  for (const dir of cfg.data.renderings) {
    if (resolve(dir) === resolve(cfg.data.root))
      throw new DataError(
        'data.renderings: expected another folder than data.root, found data.root itself',
        dir,
      );
    trainRefs.push(...otherRendering(dir, splitTrain));
  }
  const valRefs = resolveSplit(splits, cfg.data.valSplit, cfg.data.fold).map((id) => byId.get(id)!);
  log.info(`train on ${trainRefs.length} cases, validate on ${valRefs.length} (${cfg.data.root})`);
  const prepared = preparedDataset(cfg, trainRefs, valRefs, root.fork('fingerprint'), log);
  return { prepared, trainRefs, valRefs };
}

/** The train cases `ids` as rendered in `dir` (`data.renderings`), each under `<id>@<folder name>`. */
function otherRendering(dir: string, ids: readonly string[]): CaseRef[] {
  const found = new Map(discoverCases(dir).map((r) => [r.id, r]));
  const tag = basename(resolve(dir));
  return ids.map((id) => {
    const r = found.get(id);
    if (r?.segmentationPath === undefined)
      throw new DataError(
        `data.renderings: expected a labelled rendering of train case ${id}, found none`,
        dir,
      );
    return { ...r, id: `${id}@${tag}` };
  });
}

/** Keeps the records of `metrics.jsonl` up to `step` (rewritten atomically). */
function truncateMetrics(path: string, step: number): void {
  if (!existsSync(path)) return;
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  const kept = lines.filter((l) => (JSON.parse(l) as { step: number }).step <= step);
  if (kept.length !== lines.length) writeFileAtomic(path, kept.map((l) => l + '\n').join(''));
}

/**
 * Whether `opts` continues the run in `run`: a complete `last` checkpoint with `--resume`. A run
 * folder that already holds a run must be resumed or explicitly overwritten, and `--resume` of a
 * run with no `last` (but a `best`, or logged steps) is an error rather than a silent restart.
 */
function resumeDecision(run: RunDir, opts: TrainOptions): boolean {
  const hasLast = existsSync(join(run.checkpoint('last'), CHECKPOINT_FILES.state));
  const hasRun = existsSync(run.checkpoints) || existsSync(run.metrics);
  if (opts.overwrite === true) return false;
  if (opts.resume) {
    if (hasLast) return true;
    if (hasRun)
      throw new UsageError(
        `${run.root}: --resume found no complete last checkpoint (${existsSync(run.checkpoint('best')) ? 'best exists' : 'steps were logged'}); --overwrite starts the run afresh`,
      );
    opts.log.info(`${run.root}: nothing to resume; starting a new run`);
    return false;
  }
  if (hasRun)
    throw new UsageError(
      `${run.root} already holds a run: --resume continues it, --overwrite starts it afresh`,
    );
  return false;
}

/** Trains `cfg` with `task`'s hooks into `opts.runDir`. */
export async function runTraining<B, V>(
  cfg: Config,
  task: TrainingTask<B, V>,
  opts: TrainOptions,
): Promise<TrainSummary<V>> {
  const { log } = opts;
  assertPrecision(cfg.train.precision, 'train.precision');
  assertPrecision(cfg.inference.precision, 'inference.precision');
  const run = runDir(opts.runDir);
  const hash = configHash(cfg);
  const lastDir = run.checkpoint('last');
  const holder = trainingProcess(run);
  if (holder !== null && holder !== process.pid)
    throw new UsageError(`${run.root}: process ${holder} is training this run; wait for it or stop it first`);
  // What a killed process left behind is removed before anything reads the folder.
  for (const p of removeStaleTemporaries(run)) log.info(`removed a stale temporary of a dead process: ${p}`);
  const resuming = resumeDecision(run, opts);
  const root = Rng.fromSeed(cfg.seed);
  const { prepared, trainRefs, valRefs } = trainingData(cfg, log, root);
  const ctx: RunContext = {
    cfg,
    run,
    log,
    root,
    prepared,
    trainRefs,
    valRefs,
    resuming,
    sampler: root.fork('sampler'),
  };
  const session = await task.open(ctx);
  const opt = makeOptimizer(cfg);
  let locked = false;
  try {
    let model: TaskModel;
    let state: TrainState;
    if (resuming) {
      const r = await session.restore(lastDir);
      model = r.model;
      // A new hash alone may be a field the schema gained since (at its default): same meaning.
      const changed = r.state.configHash === hash ? [] : savedConfigChanges(run.config, cfg);
      if (changed.length > 0) {
        tf.dispose(r.optimizerWeights.map((w) => w.tensor));
        throw new TrainingError(
          `${run.root}: the config changed since this run started (${describeChanges(changed)}); start a new run`,
        );
      }
      state = r.state;
      await restoreOptimizerWeights(opt, model.weights, r.optimizerWeights);
      ctx.sampler = Rng.fromState(state.rng['sampler']!);
      // Steps logged after the checkpoint (a killed process) are redone: drop their records.
      truncateMetrics(run.metrics, state.globalStep);
      log.info(
        `resumed at epoch ${state.epoch + 1}, iteration ${state.iteration} (step ${state.globalStep})`,
      );
    } else {
      model = await session.build();
      state = {
        epoch: 0,
        iteration: 0,
        globalStep: 0,
        rng: {},
        schedule: initialSchedule(cfg.optim.lr),
        configHash: hash,
      };
      // Config, data and model have validated: only now is the run folder written.
      if (opts.overwrite === true) rmSync(run.root, { recursive: true, force: true });
      try {
        mkdirSync(run.root, { recursive: true });
      } catch (e) {
        throw new IoError(
          `cannot create the run folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); choose a writable runs folder (--runs)`,
          run.root,
          { cause: e },
        );
      }
      writeJsonAtomic(run.config, { ...cfg, configHash: hash });
    }
    writeRunPlan(run.plan, prepared.plan);
    writeFileAtomic(run.lock, `${process.pid}\n`);
    locked = true;
    await session.onTrainStart();
    return await loop(cfg, ctx, session, model, opt, state, resuming, opts);
  } finally {
    // Only a lock this call wrote: removing another path could hide the error that stopped the start.
    if (locked) rmSync(run.lock, { force: true });
    opt.dispose();
    await session.dispose();
  }
}

/** The epochs and iterations of a started run. */
async function loop<B, V>(
  cfg: Config,
  ctx: RunContext,
  session: TaskSession<B, V>,
  model: TaskModel,
  opt: tf.Optimizer,
  state: TrainState,
  resuming: boolean,
  opts: TrainOptions,
): Promise<TrainSummary<V>> {
  const { log } = opts;
  const run = ctx.run;
  const lastDir = run.checkpoint('last');
  let { epoch, iteration, globalStep, schedule } = state;
  let top = state.top ?? [];
  let lastLoss = NaN;
  let val: V | null = null;
  let steps = 0;
  const snapshot = (): TrainState => ({
    epoch,
    iteration,
    globalStep,
    rng: { sampler: ctx.sampler.state() },
    schedule,
    configHash: state.configHash,
    top,
  });
  const checkpoint = async (dir: string, st: TrainState) =>
    model.save(dir, await namedOptimizerWeights(opt, model.weights), st);
  const summary = (completed: boolean, stoppedEarly = false): TrainSummary<V> => ({
    runDir: run.root,
    completed,
    stoppedEarly,
    epoch,
    globalStep,
    lastLoss,
    best: schedule.best,
    val,
  });
  for (; epoch < cfg.train.epochs; epoch++) {
    const epochStart = performance.now();
    let epochSteps = 0;
    const lr = lrFor(cfg.train.lrSchedule, cfg.optim.lr, epoch, cfg.train.epochs, schedule);
    setLr(opt, lr);
    for (; iteration < cfg.train.iterationsPerEpoch; iteration++) {
      // Yield once per step: signal handlers (Ctrl-C, SIGTERM) only run when the event loop turns.
      await new Promise((r) => setImmediate(r));
      if (opts.shouldStop?.() === true || (opts.maxSteps !== undefined && steps >= opts.maxSteps)) {
        await checkpoint(lastDir, snapshot());
        log.info(`stopped at epoch ${epoch + 1}, iteration ${iteration}; resume with --resume`);
        return summary(false);
      }
      const t0 = performance.now();
      const batch = await session.nextBatch();
      useConvPrecision(cfg.train.precision);
      const step = session.trainStep(batch, opt);
      lastLoss = step.loss;
      if (!Number.isFinite(lastLoss)) {
        const kept = existsSync(lastDir)
          ? `the last good checkpoint is ${lastDir}`
          : 'no checkpoint was saved yet';
        throw new TrainingError(
          `loss became ${lastLoss} at epoch ${epoch + 1}, iteration ${iteration + 1}; ${kept}`,
        );
      }
      globalStep++;
      steps++;
      epochSteps++;
      const stepMs = performance.now() - t0;
      appendJsonLine(run.metrics, {
        epoch: epoch + 1,
        iteration: iteration + 1,
        step: globalStep,
        loss: lastLoss,
        lr,
        ...step.record,
      });
      opts.onProgress?.({ epoch, iteration, loss: lastLoss, lr, stepMs });
    }
    iteration = 0;
    const epochMs = performance.now() - epochStart;
    session.onEpochEnd({ epoch, globalStep, steps: epochSteps, ms: epochMs });
    appendJsonLine(run.metrics, { epoch: epoch + 1, step: globalStep, seconds: epochMs / 1000 });
    const isLast = epoch === cfg.train.epochs - 1;
    if ((epoch + 1) % cfg.train.valEvery === 0 || isLast) {
      useConvPrecision(cfg.inference.precision);
      const v = await session.validate();
      if (v !== null) {
        val = v;
        const score = session.score(v);
        const rep = session.report(v);
        appendJsonLine(run.metrics, { epoch: epoch + 1, step: globalStep, ...rep.record });
        log.info(`epoch ${epoch + 1}: ${rep.message}`);
        const improved = schedule.best === null || score > schedule.best;
        schedule = afterValidation(cfg.train.lrSchedule, schedule, score);
        if (improved) await checkpoint(run.checkpoint('best'), { ...snapshot(), epoch: epoch + 1 });
        if (cfg.train.keepTopK > 0)
          top = await keepTopK(run, top, epoch + 1, score, cfg.train.keepTopK, checkpoint, snapshot);
      }
    }
    await checkpoint(lastDir, { ...snapshot(), epoch: epoch + 1, iteration: 0 });
    // Redrawn every epoch from the whole history in metrics.jsonl (a resumed run continues it).
    await writeTrainingCurves(run, cfg.name);
    if (shouldStopEarly(cfg.train.earlyStoppingPatience, schedule)) {
      log.info(`early stop after epoch ${epoch + 1}: ${schedule.sinceBest} validations without improvement`);
      epoch++;
      return summary(true, true);
    }
  }
  return summary(true);
}

/** The K best validations keep their own checkpoints (Wei et al.'s checkpoint ensemble). */
async function keepTopK(
  run: RunDir,
  top: readonly { epoch: number; score: number }[],
  epoch: number,
  score: number,
  k: number,
  checkpoint: (dir: string, st: TrainState) => Promise<void>,
  snapshot: () => TrainState,
): Promise<{ epoch: number; score: number }[]> {
  const ranked = [...top, { epoch, score }]
    .sort((a, b) => b.score - a.score || a.epoch - b.epoch)
    .slice(0, k);
  if (ranked.some((t) => t.epoch === epoch))
    await checkpoint(run.epochCheckpoint(epoch), { ...snapshot(), epoch });
  for (const t of top)
    if (!ranked.some((r) => r.epoch === t.epoch))
      rmSync(run.epochCheckpoint(t.epoch), { recursive: true, force: true });
  return ranked;
}
