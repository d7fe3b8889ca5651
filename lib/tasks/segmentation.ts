/**
 * The segmentation task of the training loop: seeded patch (or slice) batches from the
 * preprocessed cases — kidney crops with the prior channel for a cascade stage 2 — through the
 * configured loss, and validation by Dice on fixed val patches or on whole val cases through the
 * inference path (`train.valMode`).
 */
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../config/schema/index.js';
import { networkPatch } from '../config/traits.js';
import type { LoadedCase } from '../data/kits19.js';
import { buildLoss } from '../losses/index.js';
import { codingOf } from '../losses/targets.js';
import { kitsDice } from '../metrics/dice.js';
import { tidyData } from '../ops/host-data.js';
import { buildModel, withModelInit } from '../models/index.js';
import { Rng } from '../rng/rng.js';
import { loadCheckpoint, saveCheckpoint } from '../training/checkpoint.js';
import {
  kidneyCrops,
  loadCases,
  sampleBatch,
  withLocations,
  type Batch,
  type PreparedCase,
} from '../training/data.js';
import { BackgroundLoader } from '../training/loader.js';
import { appendJsonLine } from '../io/atomic.js';
import type { RunContext, TaskModel, TaskSession, TrainingTask } from '../training/loop.js';
import { Augmenter } from '../transforms/augment/index.js';
import { fullCaseValidation } from './full-case-val.js';
import { stage1Masks } from './stage1-masks.js';

/** Mean Dice of the kidney and tumour regions over a validation. */
export interface DiceScores {
  readonly kidney: number;
  readonly tumor: number;
  readonly composite: number;
}

/** Model outputs → hard labels (argmax for softmax; the nested regions for sigmoid, as `labelOf`). */
function toLabels(p: tf.Tensor, cfg: Config): tf.Tensor {
  if (cfg.model.outActivation === 'softmax') return p.argMax(-1);
  const c = p.shape[p.shape.length - 1]!;
  const region = (k: number) =>
    p
      .slice([...p.shape.slice(0, -1).map(() => 0), k], [...p.shape.slice(0, -1), 1])
      .greater(0.5)
      .squeeze([-1]);
  const kidney = region(0);
  if (c === 1) return kidney.toInt();
  const inner = region(1).logicalAnd(kidney);
  if (c === 2) return kidney.toInt().add(inner.toInt());
  // KiTS21/23: kidney 1, mass 3 (cyst) unless tumour 2.
  const tumour = region(2).logicalAnd(inner);
  return kidney.toInt().add(inner.toInt().mul(2)).sub(tumour.toInt());
}

function toModelInput(x: tf.Tensor, model: tf.LayersModel): tf.Tensor {
  // 2D models see [B, H, W, C]: the patch's D axis (size 1) is dropped.
  return model.inputs[0]!.shape.length === 4 ? x.squeeze([1]) : x;
}

/** The fixed val patches (the same every validation), centred by `train.valSampling`. */
export function valBatch(cfg: Config, cases: PreparedCase[], root: Rng): Batch {
  return sampleBatch(cases, cfg.train.patchSize, cfg.train.valPatches, root.fork('val'), {
    sampling: cfg.train.valSampling ?? cfg.train.sampling,
    corruption: cfg.train.priorCorruption,
    slices: cfg.train.slices,
  });
}

/** Patch Dice on a fixed set of val patches. */
function patchValidation(
  model: tf.LayersModel,
  cfg: Config,
  cases: PreparedCase[],
  root: Rng,
): DiceScores | null {
  if (cases.length === 0) return null;
  const batch = valBatch(cfg, cases, root);
  const pred = tidyData(() => {
    const x = tf.tensor(batch.x, [...batch.shape, batch.channels]);
    const y = model.predict(toModelInput(x, model), { batchSize: 2 });
    const out = Array.isArray(y) ? y[0]! : y;
    return toLabels(out, cfg);
  });
  return kitsDice(pred, batch.y);
}

/** Train and val cases as the sampler draws them: whole cases, or a cascade stage 2's kidney crops. */
async function samplerCases(
  ctx: RunContext,
): Promise<{ train: PreparedCase[]; val: PreparedCase[]; record?: () => void }> {
  const { cfg, prepared, log } = ctx;
  const prepRng = ctx.root.fork('prepare');
  const train = prepared.train.map((c) => withLocations(c, prepRng, cfg.train.slices));
  const val = prepared.val.map((c) => withLocations(c, prepRng, cfg.train.slices));
  const cascade = cfg.inference.cascade;
  if (cascade === null) return { train, val };
  // One input channel: crops only (Wei et al.); two: crops with the spatial prior (Zhang et al.).
  const withPrior = cfg.model.inChannels === 2;
  const stage1 =
    cfg.train.cascadeInput === 'stage1'
      ? await stage1Masks(cfg, ctx.run, prepared.plan, [...ctx.trainRefs, ...ctx.valRefs], ctx.resuming)
      : null;
  const missed: string[] = [];
  const crops = (cs: PreparedCase[]) =>
    cs
      .flatMap((c) => {
        const out = kidneyCrops(c, prepared.plan.spacingMm, cascade, prepRng, stage1?.mask(c.id, c.shape));
        if (out.length === 0) missed.push(c.id);
        return out;
      })
      .map(({ prior, ...rest }) => (withPrior ? { ...rest, prior: prior! } : rest));
  let out: { train: PreparedCase[]; val: PreparedCase[]; record?: () => void };
  try {
    out = { train: crops(train), val: crops(val), ...(stage1 === null ? {} : { record: stage1.record }) };
  } finally {
    stage1?.dispose();
  }
  log.info(
    `cascade stage 2: ${out.train.length} train and ${out.val.length} val kidney crops` +
      (stage1 === null ? '' : ` from stage 1's masks (${stage1.dir})`) +
      (withPrior ? ' with the prior channel' : '') +
      (cascade.resizeTo === null ? '' : `, resized to ${cascade.resizeTo.join(' × ')}`),
  );
  // A case stage 1 finds no kidney in gives no crop, as inference would give it no stage 2.
  if (missed.length > 0)
    log.warn(`cascade stage 2: no kidney crop from ${missed.length} cases (${missed.join(', ')})`);
  return out;
}

/** A patch larger than the typical resampled case is mostly padding (and many times slower). */
function warnOversizedPatch(ctx: RunContext): void {
  const shapes = ctx.prepared.train.map((c) => c.shape);
  if (shapes.length === 0 || ctx.cfg.inference.cascade !== null) return;
  const p = ctx.cfg.train.patchSize;
  const median = [0, 1, 2].map(
    (a) => shapes.map((s) => s[a]!).sort((x, y) => x - y)[Math.floor(shapes.length / 2)]!,
  );
  if (p.some((n, a) => n > median[a]!))
    ctx.log.warn(
      `train.patchSize [${p.join(', ')}] exceeds the median resampled case [${median.join(', ')}]: patches are mostly padding; ` +
        'choose a smaller patch or a finer preprocess.spacing',
    );
}

async function open(ctx: RunContext): Promise<TaskSession<Batch, DiceScores>> {
  const { cfg, prepared } = ctx;
  const plan = prepared.plan;
  ctx.log.info(
    `target spacing ${plan.spacingMm.map((v) => v.toFixed(2)).join(' × ')} mm, normalisation ${plan.normalization.type}`,
  );
  warnOversizedPatch(ctx);
  const cases = await samplerCases(ctx);
  // Full-case validation scores on the original grids, so it keeps the decoded val cases.
  const valLoaded: LoadedCase[] =
    cfg.train.valMode === 'fullCase' ? loadCases(ctx.valRefs, cfg.data.labels) : [];
  const lossFn = buildLoss(cfg.loss, codingOf(cfg));
  const augment =
    cfg.train.augment === null
      ? null
      : { augmenter: new Augmenter(cfg.train.augment), spacingMm: plan.spacingMm };
  const render =
    cfg.data.render === null
      ? null
      : { ...cfg.data.render, normalization: plan.normalization, spacingMm: plan.spacingMm };
  let model: tf.LayersModel | null = null;
  let variables: tf.Variable[] = [];
  let loader: BackgroundLoader | null = null;
  const handle = (m: tf.LayersModel): TaskModel => {
    model = m;
    variables = m.trainableWeights.map((w) => w.read() as tf.Variable);
    return { weights: m.trainableWeights, save: (dir, ow, st) => saveCheckpoint(dir, m, ow, st) };
  };
  const the = (): tf.LayersModel => model!;
  return {
    build: async () =>
      handle(withModelInit(ctx.root.fork('init'), () => buildModel(cfg.model, networkPatch(cfg)))),
    restore: async (dir) => {
      const ck = await loadCheckpoint(dir);
      return { model: handle(ck.model), optimizerWeights: ck.optimizerWeights, state: ck.state };
    },
    onTrainStart: async () => {
      cases.record?.();
      // Background loading: a worker draws the same batches from the same stream, ahead of time.
      if (cfg.train.prefetch === 0) return;
      loader = new BackgroundLoader(
        {
          cases: cases.train,
          patch: cfg.train.patchSize,
          batchSize: cfg.train.batchSize,
          sampling: cfg.train.sampling,
          corruption: cfg.train.priorCorruption,
          augment: cfg.train.augment,
          spacingMm: plan.spacingMm,
          slices: cfg.train.slices,
          render,
          rngState: ctx.sampler.state(),
        },
        cfg.train.prefetch,
      );
    },
    nextBatch: async () => {
      if (loader !== null) {
        const got = await loader.next();
        ctx.sampler = Rng.fromState(got.rngState);
        return got.batch;
      }
      return sampleBatch(cases.train, cfg.train.patchSize, cfg.train.batchSize, ctx.sampler, {
        sampling: cfg.train.sampling,
        corruption: cfg.train.priorCorruption,
        augment,
        slices: cfg.train.slices,
        render,
      });
    },
    trainStep: (batch, opt) => {
      const m = the();
      const loss = tf.tidy(() => {
        const x = toModelInput(tf.tensor(batch.x, [...batch.shape, batch.channels]), m);
        const y = tf.tensor(batch.y, batch.shape);
        const yy = m.inputs[0]!.shape.length === 4 ? y.squeeze([1]) : y;
        const cost = opt.minimize(
          () => lossFn(m.apply(x, { training: true }) as tf.Tensor | tf.Tensor[], yy),
          true,
          variables,
        );
        return cost!.dataSync()[0]!;
      });
      return { loss };
    },
    validate: async () =>
      cfg.train.valMode === 'fullCase' && valLoaded.length > 0
        ? await fullCaseValidation(the(), cfg, plan, valLoaded, ctx.run.root)
        : patchValidation(the(), cfg, cases.val, ctx.root),
    score: (v) => v.composite,
    report: (v) => ({
      record: { val: v, valMode: cfg.train.valMode },
      message: `val ${cfg.train.valMode === 'patch' ? 'patch' : 'full-case'} Dice kidney ${v.kidney.toFixed(3)}, tumour ${v.tumor.toFixed(3)}`,
    }),
    onEpochEnd: ({ epoch, globalStep, steps, ms }) => {
      if (loader === null) return;
      // Producer speed against consumer speed: the worker must stay ahead of the steps.
      const st = loader.stats();
      const consumed = (1000 * steps) / ms;
      const data = {
        producedPerSecond: st.producedPerSecond,
        consumedPerSecond: consumed,
        waitedMs: st.waitedMs,
      };
      appendJsonLine(ctx.run.metrics, { epoch: epoch + 1, step: globalStep, data });
      ctx.log.info(
        `data: ${st.producedPerSecond.toFixed(1)} batches/s produced, ${consumed.toFixed(2)} steps/s consumed, waited ${Math.round(st.waitedMs)} ms in total`,
      );
    },
    dispose: async () => {
      await loader?.close();
      (model as tf.LayersModel | null)?.dispose();
    },
  };
}

export const SEGMENTATION_TASK: TrainingTask<Batch, DiceScores> = { name: 'segmentation', open };
