/**
 * Where an experiment stands, variant by variant, without running anything: `done` (its result
 * file exists and was made from the config the experiment resolves now), `stale` (made from another:
 * `experiment run` refuses it until it is deleted), `running` (a live process holds its run's training
 * lock), `partial` (a `last` checkpoint short of the configured steps, which `experiment run` resumes),
 * or `not started`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SILENT_LOGGER } from '../core/logger.js';
import { runDirOf, trainingProcess } from '../io/run-dir.js';
import { readTrainState } from '../training/checkpoint.js';
import type { Config } from '../config/schema/index.js';
import { loadExperiment, staleReasons, variantConfig, type RunOptions } from './run.js';

export type VariantState = 'done' | 'stale' | 'running' | 'partial' | 'not started';

export interface VariantStatus {
  readonly variant: string;
  readonly run: string;
  readonly state: VariantState;
  readonly steps: number;
  readonly totalSteps: number;
  /** The last validation logged: Dice (kidney, tumour) or, for a detector, box recall and precision. */
  readonly lastVal:
    | { readonly kidney: number; readonly tumor: number }
    | { readonly recall: number; readonly precision: number }
    | null;
}

function lastValidation(metrics: string): VariantStatus['lastVal'] {
  if (!existsSync(metrics)) return null;
  let last: VariantStatus['lastVal'] = null;
  for (const line of readFileSync(metrics, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const m = JSON.parse(line) as {
      val?: { kidney: number; tumor: number };
      boxes?: { recall: number; precision: number };
    };
    if (m.val !== undefined) last = { kidney: m.val.kidney, tumor: m.val.tumor };
    else if (m.boxes !== undefined) last = { recall: m.boxes.recall, precision: m.boxes.precision };
  }
  return last;
}

/** The status of every variant of the experiment file `path` at `o.scale` (and `o.fold`). */
export function experimentStatus(path: string, o: Omit<RunOptions, 'backend' | 'log'>): VariantStatus[] {
  const exp = loadExperiment(path);
  const fold = o.fold === undefined ? '' : `-fold${o.fold}`;
  const configFile = (name: string) => join(o.resultsDir, exp.name, 'configs', `${name}${fold}.yaml`);
  const resolved = new Map(exp.variants.map((v) => [v.name, configFile(v.name)]));
  const configs = new Map<string, Config>(
    exp.variants.map((v) => [
      v.name,
      variantConfig(exp, v, { ...o, backend: 'cpu', log: SILENT_LOGGER }, resolved),
    ]),
  );
  return exp.variants.map((v) => {
    const cfg = configs.get(v.name)!;
    const run = runDirOf(o.runsDir, cfg.name);
    const result = join(o.resultsDir, exp.name, `${v.name}${fold}.json`);
    const st = readTrainState(run.checkpoint('last'));
    const totalSteps = cfg.train.epochs * cfg.train.iterationsPerEpoch;
    const steps = st?.globalStep ?? 0;
    const state: VariantState = existsSync(result)
      ? staleReasons(exp, v.name, configs, configFile).length === 0
        ? 'done'
        : 'stale'
      : trainingProcess(run) !== null
        ? 'running'
        : st !== null
          ? 'partial'
          : 'not started';
    return { variant: v.name, run: cfg.name, state, steps, totalSteps, lastVal: lastValidation(run.metrics) };
  });
}

/** The status as a Markdown table. */
export function statusMarkdown(rows: readonly VariantStatus[]): string {
  const val = (r: VariantStatus) =>
    r.lastVal === null
      ? '—'
      : 'kidney' in r.lastVal
        ? `Dice ${r.lastVal.kidney.toFixed(3)} / ${r.lastVal.tumor.toFixed(3)}`
        : `boxes ${r.lastVal.recall.toFixed(3)} / ${r.lastVal.precision.toFixed(3)}`;
  return (
    [
      '| variant | run | state | steps | last val |',
      '|---|---|---|---|---|',
      ...rows.map((r) => `| ${r.variant} | ${r.run} | ${r.state} | ${r.steps}/${r.totalSteps} | ${val(r)} |`),
    ].join('\n') + '\n'
  );
}
