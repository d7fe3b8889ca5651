/**
 * Data-pipeline throughput: batches/s the sampler produces for a config's dataset and patch, with
 * and without augmentation (in-process, one thread — the rate the background worker sustains).
 */
import type { Config } from '../config/schema/index.js';
import { AugmentSchema } from '../config/schema/augment.js';
import type { Logger } from '../core/logger.js';
import { discoverCases } from '../data/kits19.js';
import { loadOrCreateSplits, resolveSplit } from '../data/splits.js';
import { Rng } from '../rng/rng.js';
import { Augmenter } from '../transforms/augment/index.js';
import { preparedDataset } from '../training/cache.js';
import { sampleBatch, withLocations } from '../training/data.js';

export interface SamplerBench {
  readonly cases: number;
  readonly patch: readonly number[];
  readonly batchSize: number;
  readonly plainBatchesPerSecond: number;
  readonly augmentedBatchesPerSecond: number;
}

export function benchSampler(cfg: Config, batches: number, log: Logger): SamplerBench {
  const refs = discoverCases(cfg.data.root);
  const s = cfg.data.splits;
  const splits = loadOrCreateSplits(cfg.data.root, s.file, refs, s);
  const byId = new Map(refs.map((r) => [r.id, r]));
  const train = resolveSplit(splits, cfg.data.trainSplit, cfg.data.fold).map((id) => byId.get(id)!);
  const root = Rng.fromSeed(cfg.seed);
  const prep = preparedDataset(cfg, train, [], root.fork('fingerprint'), log);
  const rng = root.fork('prepare');
  const cases = prep.train.map((c) => withLocations(c, rng, cfg.train.slices));
  const augmenter = new Augmenter(cfg.train.augment ?? AugmentSchema.parse({}));
  const rate = (aug: boolean) => {
    const r = root.fork('sampler');
    const t0 = performance.now();
    for (let b = 0; b < batches; b++)
      sampleBatch(cases, cfg.train.patchSize, cfg.train.batchSize, r, {
        sampling: cfg.train.sampling,
        augment: aug ? { augmenter, spacingMm: prep.plan.spacingMm } : null,
        slices: cfg.train.slices,
      });
    return (1000 * batches) / (performance.now() - t0);
  };
  return {
    cases: cases.length,
    patch: cfg.train.patchSize,
    batchSize: cfg.train.batchSize,
    plainBatchesPerSecond: rate(false),
    augmentedBatchesPerSecond: rate(true),
  };
}
