/**
 * `kitseg preprocess --config C [--json]`: fingerprint the train cases, derive the plan, and cache
 * every train and val case cropped, resampled and normalised (see `training/cache.ts`); training
 * then reads the cache instead of decoding NIfTI. Re-running only redoes what changed.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Argv } from 'yargs';
import { loadConfig } from '../../config/load.js';
import { discoverCases } from '../../data/kits19.js';
import { loadOrCreateSplits, resolveSplit } from '../../data/splits.js';
import { Rng } from '../../rng/rng.js';
import { preparedDataset } from '../../training/cache.js';
import {
  loggerFor,
  printResult,
  type CliIO,
  type ConfigArgs,
  type CliCommand,
  type GlobalArgs,
} from '../context.js';
import { withConfigOptions } from '../options.js';

interface Args extends GlobalArgs, ConfigArgs {
  json: boolean;
}

export function preprocessCommand(io: CliIO): CliCommand<Args> {
  return {
    command: 'preprocess',
    describe: 'Fingerprint, plan, and cache the preprocessed train/val cases',
    builder: (y: Argv) => withConfigOptions(y).option('json', { type: 'boolean', default: false }),
    handler: (a: Args) => {
      const cfg = loadConfig(a.config, a.set);
      const log = loggerFor(io, a);
      const t0 = performance.now();
      const refs = discoverCases(cfg.data.root);
      const s = cfg.data.splits;
      const splits = loadOrCreateSplits(cfg.data.root, s.file, refs, s);
      const byId = new Map(refs.map((r) => [r.id, r]));
      const pick = (name: string) => resolveSplit(splits, name, cfg.data.fold).map((id) => byId.get(id)!);
      // Same fork as training, so the cached plan is the one `kitseg train` would derive.
      const res = preparedDataset(
        cfg,
        pick(cfg.data.trainSplit),
        pick(cfg.data.valSplit),
        Rng.fromSeed(cfg.seed).fork('fingerprint'),
        log,
      );
      const bytes = existsSync(res.dir)
        ? readdirSync(res.dir).reduce((n, f) => n + statSync(join(res.dir, f)).size, 0)
        : 0;
      const out = {
        dir: res.dir,
        spacingMm: res.plan.spacingMm,
        normalization: res.plan.normalization,
        train: res.train.length,
        val: res.val.length,
        computed: res.computed.length,
        cached: res.train.length + res.val.length - res.computed.length,
        megabytes: +(bytes / 2 ** 20).toFixed(1),
        seconds: +((performance.now() - t0) / 1000).toFixed(2),
      };
      printResult(io, a.json, out, () =>
        [
          `cache       ${out.dir}`,
          `spacing     ${out.spacingMm.map((v) => v.toFixed(3)).join(' × ')} mm`,
          `normalise   ${JSON.stringify(out.normalization)}`,
          `cases       ${out.train} train + ${out.val} val (${out.computed} computed, ${out.cached} from cache)`,
          `size        ${out.megabytes} MiB in ${out.seconds} s`,
          '',
        ].join('\n'),
      );
    },
  };
}
