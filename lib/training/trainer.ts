/**
 * The training loop: epochs × iterations of seeded patch batches, a validation (patch Dice on the
 * val cases) every `valEvery` epochs, checkpoints `last` and `best` under `runs/<name>/`, metrics
 * appended to `metrics.jsonl`, and exact resume: weights, optimiser moments, epoch/iteration, the
 * LR schedule and every RNG stream are restored, so on the CPU backends an interrupted and resumed
 * run ends with the same weights as one that ran straight through. A NaN/Inf loss stops the run
 * with the last good checkpoint kept.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { configHash } from '../config/hash.js';
import type { Config } from '../config/schema/index.js';
import { ConfigError, DataError, SegError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { discoverCases, type CaseRef } from '../data/kits19.js';
import { loadOrCreateSplits, resolveSplit } from '../data/splits.js';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic.js';
import { buildLoss } from '../losses/index.js';
import { kitsDice } from '../metrics/dice.js';
import { buildModel, withModelInit } from '../models/index.js';
import { modelPatchSize } from '../models/summary.js';
import { Rng } from '../rng/rng.js';
import { Augmenter } from '../transforms/augment/index.js';
import { FusedAdam } from './adam.js';
import { fullCaseValidation } from './full-case-val.js';
import {
  loadCheckpoint,
  namedOptimizerWeights,
  restoreOptimizerWeights,
  saveCheckpoint,
  type TrainState,
} from './checkpoint.js';
import { curvesPng } from './curves.js';
import { afterValidation, initialSchedule, lrFor, shouldStopEarly } from './schedule.js';
import { preparedDataset } from './cache.js';
import { kidneyCrops, loadCases, sampleBatch, withLocations, type Batch, type PreparedCase } from './data.js';
import { BackgroundLoader } from './loader.js';

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

export interface TrainSummary {
  readonly runDir: string;
  readonly completed: boolean;
  /** Ended by early stopping before `train.epochs`. */
  readonly stoppedEarly: boolean;
  readonly epoch: number;
  readonly globalStep: number;
  readonly lastLoss: number;
  readonly best: number | null;
  readonly val: { kidney: number; tumor: number; composite: number } | null;
}

/** The configured optimiser (Adam is kitseg's fused one). */
export function makeOptimizer(cfg: Config): tf.Optimizer {
  const o = cfg.optim;
  if (o.type === 'adam')
    return new FusedAdam({ lr: o.lr, beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon });
  return tf.train.momentum(o.lr, o.momentum, o.nesterov);
}

export function setLr(opt: tf.Optimizer, lr: number): void {
  if (opt instanceof FusedAdam) opt.lr = lr;
  else (opt as unknown as { learningRate: number }).learningRate = lr;
}

/** Model outputs → hard labels (argmax for softmax; thresholded regions for sigmoid). */
function toLabels(p: tf.Tensor, cfg: Config): tf.Tensor {
  if (cfg.model.outActivation === 'softmax') return p.argMax(-1);
  const c = p.shape[p.shape.length - 1]!;
  const kidney = p
    .slice(
      p.shape.map(() => 0),
      [...p.shape.slice(0, -1), 1],
    )
    .greater(0.5);
  const tumor =
    c > 1
      ? p.slice([...p.shape.slice(0, -1).map(() => 0), 1], [...p.shape.slice(0, -1), 1]).greater(0.5)
      : tf.zerosLike(kidney);
  return kidney.toInt().add(kidney.logicalAnd(tumor).toInt()).squeeze([-1]);
}

function toModelInput(x: tf.Tensor, model: tf.LayersModel): tf.Tensor {
  // 2D models see [B, H, W, C]: the patch's D axis (size 1) is dropped.
  return model.inputs[0]!.shape.length === 4 ? x.squeeze([1]) : x;
}

/** Patch Dice on a fixed set of val patches (same patches every validation). */
function validate(model: tf.LayersModel, cfg: Config, cases: PreparedCase[], root: Rng): TrainSummary['val'] {
  if (cases.length === 0) return null;
  const patch = cfg.train.patchSize;
  const batch = sampleBatch(cases, patch, cfg.train.valPatches, root.fork('val'), {
    sampling: cfg.train.sampling,
    corruption: cfg.train.priorCorruption,
    slices: cfg.train.slices,
  });
  const pred = tf.tidy(() => {
    const x = tf.tensor(batch.x, [...batch.shape, batch.channels]);
    const y = model.predict(toModelInput(x, model), { batchSize: 2 });
    const out = Array.isArray(y) ? y[0]! : y;
    return toLabels(out, cfg).dataSync().slice();
  });
  return kitsDice(pred, batch.y);
}

/**
 * The train and val cases of `cfg` (its split, plus `data.extra` folders in training), through the
 * preprocessing cache.
 */
export function trainingData(
  cfg: Config,
  log: Logger,
  root: Rng,
): { prepared: ReturnType<typeof preparedDataset>; trainRefs: CaseRef[]; valRefs: CaseRef[] } {
  const refs = discoverCases(cfg.data.root);
  const s = cfg.data.splits;
  const splits = loadOrCreateSplits(cfg.data.root, s.file, refs, s);
  const byId = new Map(refs.map((r) => [r.id, r]));
  const trainRefs = resolveSplit(splits, cfg.data.trainSplit, cfg.data.fold).map((id) => byId.get(id)!);
  for (const dir of cfg.data.extra) {
    for (const r of discoverCases(dir)) {
      if (byId.has(r.id)) throw new DataError(`${r.id} is already a case of ${cfg.data.root}`, dir);
      byId.set(r.id, r);
      trainRefs.push(r);
    }
  }
  const valRefs = resolveSplit(splits, cfg.data.valSplit, cfg.data.fold).map((id) => byId.get(id)!);
  log.info(`train on ${trainRefs.length} cases, validate on ${valRefs.length} (${cfg.data.root})`);
  const prepared = preparedDataset(cfg, trainRefs, valRefs, root.fork('fingerprint'), log);
  return { prepared, trainRefs, valRefs };
}

/** Appends one record (a step, a validation, data-loader speed) to the run's `metrics.jsonl`. */
export function appendMetrics(runDir: string, record: Record<string, unknown>): void {
  appendFileSync(join(runDir, 'metrics.jsonl'), JSON.stringify(record) + '\n');
}

/**
 * The start every trainer shares: the run folder with its resolved config (unless resuming), the
 * root RNG, the train/val data through the cache, and `plan.json`.
 */
export function startRun(
  cfg: Config,
  opts: TrainOptions,
): {
  hash: string;
  lastDir: string;
  resuming: boolean;
  root: Rng;
  prepared: ReturnType<typeof preparedDataset>;
  valRefs: CaseRef[];
} {
  const { log, runDir } = opts;
  const hash = configHash(cfg);
  const lastDir = join(runDir, 'checkpoints', 'last');
  const resuming = opts.resume && existsSync(join(lastDir, 'state.json'));
  if (!resuming) {
    mkdirSync(runDir, { recursive: true });
    writeJsonAtomic(join(runDir, 'config.resolved.json'), { ...cfg, configHash: hash });
  }
  const root = Rng.fromSeed(cfg.seed);
  const { prepared, valRefs } = trainingData(cfg, log, root);
  const plan = prepared.plan;
  writeJsonAtomic(join(runDir, 'plan.json'), {
    spacingMm: plan.spacingMm,
    normalization: plan.normalization,
    fingerprint: { ...plan.fingerprint, spacings: undefined, shapes: undefined },
  });
  return { hash, lastDir, resuming, root, prepared, valRefs };
}

export async function train(cfg: Config, opts: TrainOptions): Promise<TrainSummary> {
  const { log, runDir } = opts;
  const { hash, lastDir, resuming, root, prepared, valRefs } = startRun(cfg, opts);
  const plan = prepared.plan;
  log.info(
    `target spacing ${plan.spacingMm.map((v) => v.toFixed(2)).join(' × ')} mm, normalisation ${plan.normalization.type}`,
  );
  const prepRng = root.fork('prepare');
  let trainCases = prepared.train.map((c) => withLocations(c, prepRng, cfg.train.slices));
  let valCases = prepared.val.map((c) => withLocations(c, prepRng, cfg.train.slices));
  // Full-case validation scores on the original grids, so it keeps the decoded val cases.
  const valLoaded = cfg.train.valMode === 'fullCase' ? loadCases(valRefs) : [];
  if (cfg.train.slices !== null && (cfg.model.type !== 'unet2d' || cfg.train.patchSize[0] !== 1)) {
    throw new ConfigError(cfg.name, [
      {
        path: ['train', 'slices'],
        message: 'slice sampling needs model.type unet2d and train.patchSize [1, H, W]',
      },
    ]);
  }
  const cascade = cfg.inference.cascade;
  if (cascade !== null) {
    if (cfg.model.inChannels !== 1 && cfg.model.inChannels !== 2) {
      throw new ConfigError(cfg.name, [
        {
          path: ['model', 'inChannels'],
          message: 'a cascade stage 2 takes 1 (image) or 2 (image + spatial prior) input channels',
        },
      ]);
    }
    const rs = cascade.resizeTo;
    if (rs !== null && rs.some((n, a) => n !== cfg.train.patchSize[a])) {
      throw new ConfigError(cfg.name, [
        {
          path: ['train', 'patchSize'],
          message: `must equal inference.cascade.resizeTo [${rs.join(', ')}] (each resized crop is one patch)`,
        },
      ]);
    }
    // One input channel: crops only (Wei et al.); two: crops with the spatial prior (Zhang et al.).
    const withPrior = cfg.model.inChannels === 2;
    const crops = (cs: PreparedCase[]) =>
      cs
        .flatMap((c) => kidneyCrops(c, plan.spacingMm, cascade, prepRng))
        .map(({ prior, ...rest }) => (withPrior ? { ...rest, prior: prior! } : rest));
    trainCases = crops(trainCases);
    valCases = crops(valCases);
    log.info(
      `cascade stage 2: ${trainCases.length} train and ${valCases.length} val kidney crops` +
        (withPrior ? ' with the prior channel' : '') +
        (cascade.resizeTo === null ? '' : `, resized to ${cascade.resizeTo.join(' × ')}`),
    );
  }
  const opt = makeOptimizer(cfg);
  let model: tf.LayersModel;
  let state: TrainState;
  let sampler = root.fork('sampler');
  if (resuming) {
    const ck = await loadCheckpoint(lastDir);
    if (ck.state.configHash !== hash) {
      throw new TrainingError(
        `${runDir}: the config changed since this run started (hash ${ck.state.configHash} → ${hash}); start a new run`,
      );
    }
    model = ck.model;
    state = ck.state;
    await restoreOptimizerWeights(opt, model.trainableWeights, ck.optimizerWeights);
    sampler = Rng.fromState(state.rng['sampler']!);
    log.info(`resumed at epoch ${state.epoch + 1}, iteration ${state.iteration} (step ${state.globalStep})`);
  } else {
    model = withModelInit(root.fork('init'), () => buildModel(cfg.model, modelPatchSize(cfg)));
    state = {
      epoch: 0,
      iteration: 0,
      globalStep: 0,
      rng: {},
      schedule: initialSchedule(cfg.optim.lr),
      configHash: hash,
    };
  }
  const lossFn = buildLoss(cfg.loss, cfg.model.outActivation);
  const weights = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const checkpoint = async (dir: string, st: TrainState) =>
    saveCheckpoint(dir, model, await namedOptimizerWeights(opt, model.trainableWeights), st);

  const curves: {
    loss: { step: number; loss: number }[];
    val: { step: number; kidney: number; tumor: number }[];
  } = {
    loss: [],
    val: [],
  };
  if (resuming && existsSync(join(runDir, 'metrics.jsonl'))) {
    // Curves continue from the logged history, up to the resumed step.
    for (const line of readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const m = JSON.parse(line) as { step: number; loss?: number; val?: { kidney: number; tumor: number } };
      if (m.step > state.globalStep) continue;
      if (m.val !== undefined) curves.val.push({ step: m.step, kidney: m.val.kidney, tumor: m.val.tumor });
      else if (m.loss !== undefined) curves.loss.push({ step: m.step, loss: m.loss });
    }
  }
  const patch = cfg.train.patchSize;
  const augment =
    cfg.train.augment === null
      ? null
      : { augmenter: new Augmenter(cfg.train.augment), spacingMm: plan.spacingMm };
  let lastLoss = NaN;
  let val: TrainSummary['val'] = null;
  let steps = 0;
  let { epoch, iteration, globalStep, schedule } = state;
  let top = state.top ?? [];
  const snapshot = (): TrainState => ({
    epoch,
    iteration,
    globalStep,
    rng: { sampler: sampler.state() },
    schedule,
    configHash: hash,
    top,
  });
  const summary = (completed: boolean, stoppedEarly = false): TrainSummary => ({
    runDir,
    completed,
    stoppedEarly,
    epoch,
    globalStep,
    lastLoss,
    best: schedule.best,
    val,
  });
  // Background loading: a worker draws the same batches from the same stream, ahead of time.
  const loader =
    cfg.train.prefetch > 0
      ? new BackgroundLoader(
          {
            cases: trainCases,
            patch,
            batchSize: cfg.train.batchSize,
            sampling: cfg.train.sampling,
            corruption: cfg.train.priorCorruption,
            augment: cfg.train.augment,
            spacingMm: plan.spacingMm,
            slices: cfg.train.slices,
            rngState: sampler.state(),
          },
          cfg.train.prefetch,
        )
      : null;
  try {
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
          model.dispose();
          opt.dispose();
          return summary(false);
        }
        const t0 = performance.now();
        let batch: Batch;
        if (loader !== null) {
          const got = await loader.next();
          batch = got.batch;
          sampler = Rng.fromState(got.rngState);
        } else {
          batch = sampleBatch(trainCases, patch, cfg.train.batchSize, sampler, {
            sampling: cfg.train.sampling,
            corruption: cfg.train.priorCorruption,
            augment,
            slices: cfg.train.slices,
          });
        }
        lastLoss = tf.tidy(() => {
          const x = toModelInput(tf.tensor(batch.x, [...batch.shape, batch.channels]), model);
          const y = tf.tensor(batch.y, batch.shape);
          const yy = model.inputs[0]!.shape.length === 4 ? y.squeeze([1]) : y;
          const cost = opt.minimize(
            () => lossFn(model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[], yy),
            true,
            weights,
          );
          return cost!.dataSync()[0]!;
        });
        if (!Number.isFinite(lastLoss)) {
          throw new TrainingError(
            `loss became ${lastLoss} at epoch ${epoch + 1}, iteration ${iteration + 1}; the last good checkpoint is ${lastDir}`,
          );
        }
        globalStep++;
        steps++;
        epochSteps++;
        curves.loss.push({ step: globalStep, loss: lastLoss });
        const stepMs = performance.now() - t0;
        appendMetrics(runDir, {
          epoch: epoch + 1,
          iteration: iteration + 1,
          step: globalStep,
          loss: lastLoss,
          lr,
        });
        opts.onProgress?.({ epoch, iteration, loss: lastLoss, lr, stepMs });
      }
      iteration = 0;
      if (loader !== null) {
        // Producer speed against consumer speed: the worker must stay ahead of the steps.
        const st = loader.stats();
        const consumed = (1000 * epochSteps) / (performance.now() - epochStart);
        const data = {
          producedPerSecond: st.producedPerSecond,
          consumedPerSecond: consumed,
          waitedMs: st.waitedMs,
        };
        appendMetrics(runDir, { epoch: epoch + 1, step: globalStep, data });
        log.info(
          `data: ${st.producedPerSecond.toFixed(1)} batches/s produced, ${consumed.toFixed(2)} steps/s consumed, waited ${Math.round(st.waitedMs)} ms in total`,
        );
      }
      const isLast = epoch === cfg.train.epochs - 1;
      if ((epoch + 1) % cfg.train.valEvery === 0 || isLast) {
        val =
          cfg.train.valMode === 'fullCase' && valLoaded.length > 0
            ? await fullCaseValidation(model, cfg, plan, valLoaded, runDir)
            : validate(model, cfg, valCases, root);
        if (val !== null) {
          appendMetrics(runDir, { epoch: epoch + 1, step: globalStep, val, valMode: cfg.train.valMode });
          log.info(
            `epoch ${epoch + 1}: val ${cfg.train.valMode === 'patch' ? 'patch' : 'full-case'} Dice kidney ${val.kidney.toFixed(3)}, tumour ${val.tumor.toFixed(3)}`,
          );
          curves.val.push({ step: globalStep, kidney: val.kidney, tumor: val.tumor });
          const improved = schedule.best === null || val.composite > schedule.best;
          schedule = afterValidation(cfg.train.lrSchedule, schedule, val.composite);
          if (improved)
            await checkpoint(join(runDir, 'checkpoints', 'best'), { ...snapshot(), epoch: epoch + 1 });
          if (cfg.train.keepTopK > 0) {
            // The K best validations keep their own checkpoints (Wei et al.'s checkpoint ensemble).
            const ranked = [...top, { epoch: epoch + 1, score: val.composite }]
              .sort((a, b) => b.score - a.score || a.epoch - b.epoch)
              .slice(0, cfg.train.keepTopK);
            if (ranked.some((t) => t.epoch === epoch + 1))
              await checkpoint(join(runDir, 'checkpoints', `epoch-${epoch + 1}`), {
                ...snapshot(),
                epoch: epoch + 1,
              });
            for (const t of top)
              if (!ranked.some((r) => r.epoch === t.epoch))
                rmSync(join(runDir, 'checkpoints', `epoch-${t.epoch}`), { recursive: true, force: true });
            top = ranked;
          }
        }
      }
      await checkpoint(lastDir, { ...snapshot(), epoch: epoch + 1, iteration: 0 });
      // Refreshed every epoch (this process's steps; metrics.jsonl holds the whole history).
      writeFileAtomic(join(runDir, 'curves.png'), curvesPng(curves));
      if (shouldStopEarly(cfg.train.earlyStoppingPatience, schedule)) {
        log.info(
          `early stop after epoch ${epoch + 1}: ${schedule.sinceBest} validations without improvement`,
        );
        epoch++;
        model.dispose();
        opt.dispose();
        return summary(true, true);
      }
    }
    model.dispose();
    opt.dispose();
    return summary(true);
  } finally {
    await loader?.close();
  }
}
