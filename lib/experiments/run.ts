/**
 * Running an experiment: every variant (or one, for a cluster array job) is trained — resuming an
 * interrupted run, skipping a finished one — and evaluated on the val split; each result is a file
 * (`results/<experiment>/<variant>[-fold<k>].json`, its per-case scores and val curve in the folder
 * of that name) so pieces run on different machines gather into one table (`table.md` /
 * `table.json`) with the paper's numbers beside ours.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describeChanges, savedConfigChanges } from '../config/compare.js';
import { loadConfig, parseWithSchema, readYamlFile } from '../config/load.js';
import type { Config } from '../config/schema/index.js';
import { ConfigError, IoError, UsageError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { closestMatch } from '../core/strings.js';
import { evaluateConfig, type EvaluationResult } from '../evaluation/evaluate.js';
import { writeEvaluation } from '../evaluation/report.js';
import { renderChart } from '../charts/render.js';
import { experimentBarsSpec } from '../charts/specs.js';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic.js';
import { EPOCH_CHECKPOINT, runDirOf } from '../io/run-dir.js';
import { hasLastCheckpoint, isTrained, trainConfig } from '../tasks/index.js';
import { ExperimentSchema, type Experiment, type Scale, type Variant } from './schema.js';
import { resolveReported } from './reported.js';
import { convergence, convergenceCell, epochSeconds, type Convergence } from './convergence.js';
import { keepVariantFiles } from './artifacts.js';

export function loadExperiment(path: string): Experiment {
  if (!existsSync(path)) throw new IoError('experiment file not found', path);
  const raw = readYamlFile(path, 'an experiment names its paper, scales and variants');
  const exp = parseWithSchema(ExperimentSchema, raw, path);
  return {
    ...exp,
    file: path,
    variants: exp.variants.map((v, i) => ({ ...v, reported: resolveReported(path, i, v.reported) })),
  };
}

export interface RunOptions {
  readonly scale: Scale;
  readonly data?: string;
  readonly variant?: string;
  readonly fold?: number;
  readonly runsDir: string;
  readonly resultsDir: string;
  readonly backend: string;
  readonly log: Logger;
}

export interface VariantResult {
  readonly variant: string;
  readonly label: string;
  readonly fold: number | null;
  readonly run: string;
  /** null for a detector variant (it is scored by its boxes only). */
  readonly kidney: number | null;
  readonly tumor: number | null;
  readonly composite: number | null;
  /** Box recall and precision of a detector, alone or as a cascade's first stage. */
  readonly boxes?: { readonly recall: number; readonly precision: number };
  readonly seconds: number;
  /** The convergence rule on the run's val curve (absent in results written before it). */
  readonly convergence?: Convergence | null;
  readonly backend: string;
  readonly scale: string;
  readonly reported: Variant['reported'];
}

const suffix = (fold: number | undefined) => (fold === undefined ? '' : `-fold${fold}`);

/** The resolved config of a variant at a scale (also written next to the results, for cascades). */
export function variantConfig(
  exp: Experiment,
  v: Variant,
  o: RunOptions,
  resolved: Map<string, string>,
): Config {
  const base = v.from === null ? v : exp.variants.find((x) => x.name === v.from)!;
  const scale = exp.scales[o.scale];
  if (scale === undefined)
    throw new ConfigError(exp.file, [
      {
        path: ['scales', o.scale],
        message: `expected this scale's overrides, found none (defined: ${Object.keys(exp.scales).join(', ')})`,
      },
    ]);
  const s1 = v.stage1 ?? base.stage1;
  const sets = [
    // A stage-2 row trains on its stage 1's predictions, as the cascade papers do (a row may say otherwise).
    ...(s1 === null ? [] : ['train.cascadeInput=stage1']),
    ...scale.set,
    ...base[o.scale],
    ...base.set,
    ...(v.from === null ? [] : [...v[o.scale], ...v.set]),
    `name=${exp.name}-${base.name}${suffix(o.fold)}`,
    ...(o.data === undefined ? [] : [`data.root=${o.data}`]),
    ...(o.fold === undefined ? [] : [`data.fold=${o.fold}`]),
  ];
  if (s1 !== null) sets.push(`inference.cascade.stage1=${resolved.get(s1)!}`);
  return loadConfig(base.config, sets);
}

/** Every variant a variant refers to exists (with a did-you-mean hint when not). */
export function checkNames(exp: Experiment, path: string): void {
  const names = exp.variants.map((v) => v.name);
  for (const v of exp.variants)
    for (const ref of [v.from, v.stage1, ...v.ensembleWith]) {
      if (ref === null || names.includes(ref)) continue;
      const hint = closestMatch(ref, names);
      throw new UsageError(
        `${path}: variant ${v.name} refers to unknown variant "${ref}"${hint === undefined ? '' : ` — did you mean "${hint}"?`}`,
      );
    }
}

/**
 * A mirroring-TTA row scores flipped inputs over its config's `inference.ttaAxes`, so it must name
 * at least one axis, and every run it scores (its own or `from`'s, and each of `ensembleWith`) must
 * have trained with flips (issue #17); otherwise the row measures the TTA of a model that never saw a
 * mirrored case. A row without `tta` is scored without it, whatever its paper config says.
 */
export function checkTta(exp: Experiment, configs: ReadonlyMap<string, Config>): void {
  exp.variants.forEach((v, i) => {
    const axes = configs.get(v.name)!.inference.ttaAxes;
    const issue = (message: string) => new ConfigError(exp.file, [{ path: ['variants', i, 'tta'], message }]);
    if (!v.tta) {
      if (axes.length > 0)
        throw issue(`expected inference.ttaAxes [] for a row without tta: true, found [${axes.join(', ')}]`);
      return;
    }
    if (axes.length === 0)
      throw issue('expected inference.ttaAxes to name the mirrored axes for this TTA row, found []');
    const scored = [v.from ?? v.name, ...v.ensembleWith];
    const without = scored.filter((n) => (configs.get(n)!.train.augment?.flip ?? null) === null);
    if (without.length > 0)
      throw issue(
        `expected the runs this TTA row scores to train with train.augment.flip, found none in ${without.join(', ')}`,
      );
  });
}

/**
 * Why variant `name`'s result no longer stands for the experiment (empty: it does): the config saved
 * beside it when it ran (`configFile`) differs from what the experiment resolves now, or so does
 * that of a variant it builds on (`from`, `stage1`, `ensembleWith`).
 */
export function staleReasons(
  exp: Experiment,
  name: string,
  configs: ReadonlyMap<string, Config>,
  configFile: (variant: string) => string,
  seen: Set<string> = new Set(),
): string[] {
  // Each variant once: two rows may share a stage 1, and ensembles may name each other.
  if (seen.has(name)) return [];
  seen.add(name);
  const v = exp.variants.find((x) => x.name === name)!;
  const own = savedConfigChanges(configFile(name), configs.get(name)!).map((p) => `${name}: ${p}`);
  const uses = [v.from, v.stage1, ...v.ensembleWith].filter((n): n is string => n !== null);
  return [...own, ...uses.flatMap((u) => staleReasons(exp, u, configs, configFile, seen))];
}

/** Runs the experiment's variants (or `o.variant`), returning the results of those run now or before. */
export async function runExperiment(path: string, o: RunOptions): Promise<VariantResult[]> {
  const exp = loadExperiment(path);
  checkNames(exp, path);
  if (o.variant !== undefined && !exp.variants.some((v) => v.name === o.variant)) {
    const hint = closestMatch(
      o.variant,
      exp.variants.map((v) => v.name),
    );
    throw new UsageError(
      `--variant: no variant "${o.variant}" in ${path}${hint === undefined ? '' : ` — did you mean "${hint}"?`}`,
    );
  }
  const dir = join(o.resultsDir, exp.name);
  const configFile = (name: string) => join(dir, 'configs', `${name}${suffix(o.fold)}.yaml`);
  const resultFile = (name: string) => join(dir, `${name}${suffix(o.fold)}.json`);
  const resolved = new Map<string, string>();
  const configs = new Map<string, Config>();
  for (const v of exp.variants) {
    configs.set(v.name, variantConfig(exp, v, o, resolved));
    resolved.set(v.name, configFile(v.name));
  }
  checkTta(exp, configs);
  for (const v of exp.variants) {
    if (o.variant !== undefined && v.name !== o.variant) continue;
    if (!existsSync(resultFile(v.name))) continue;
    const why = staleReasons(exp, v.name, configs, configFile);
    if (why.length > 0)
      throw new UsageError(
        `${resultFile(v.name)}: made from another config (changed: ${describeChanges(why)}); ` +
          `delete it, and the run folders of the changed variants, to run it again`,
      );
  }
  // A finished variant's saved config is the record of what made its result: only the others are
  // (re)written, before anything runs, as cascades point at their stage 1's file.
  mkdirSync(join(dir, 'configs'), { recursive: true });
  for (const v of exp.variants)
    if (!existsSync(resultFile(v.name)))
      writeFileAtomic(configFile(v.name), JSON.stringify(configs.get(v.name), null, 1));
  const out: VariantResult[] = [];
  for (const v of exp.variants) {
    if (o.variant !== undefined && v.name !== o.variant) continue;
    const result = resultFile(v.name);
    if (existsSync(result)) {
      o.log.info(`${exp.name}/${v.name}: done before (${result})`);
      out.push(JSON.parse(readFileSync(result, 'utf8')) as VariantResult);
      continue;
    }
    const cfg = configs.get(v.name)!;
    const run = runDirOf(o.runsDir, cfg.name);
    // A resumed variant's wall time: its earlier sittings' training, then this sitting.
    const earlier = v.from === null ? epochSeconds(run.metrics) : 0;
    const t0 = performance.now();
    if (v.from === null) await trainVariant(`${exp.name}/${v.name}`, cfg, o);
    const evalDir = run.evaluation(`val-${v.name}`);
    const res = await scoreVariant(exp, v, configs, o, evalDir);
    writeEvaluation(evalDir, { ...res.meta, config: resolved.get(v.name)! }, res.tables);
    const s = res.tables.at(-1)?.summary ?? { kidney: null, tumor: null, composite: null };
    const d = res.detection?.summary;
    const r: VariantResult = {
      variant: v.name,
      label: v.label ?? v.name,
      fold: o.fold ?? null,
      run: cfg.name,
      kidney: s.kidney,
      tumor: s.tumor,
      composite: s.composite,
      ...(d === undefined ? {} : { boxes: { recall: d.recall, precision: d.precision } }),
      seconds: earlier + (performance.now() - t0) / 1000,
      convergence: convergence(run.metrics),
      backend: o.backend,
      scale: o.scale,
      reported: v.reported,
    };
    // The files first: a result file marks the variant done, so it must not exist without them.
    keepVariantFiles(run, evalDir, join(dir, `${v.name}${suffix(o.fold)}`), v.from === null);
    writeJsonAtomic(result, r);
    o.log.info(
      `${exp.name}/${v.name}: ` +
        (r.kidney === null ? '' : `kidney ${r.kidney.toFixed(4)}, tumour ${r.tumor!.toFixed(4)}`) +
        (d === undefined ? '' : ` box recall ${d.recall.toFixed(4)}, precision ${d.precision.toFixed(4)}`),
    );
    out.push(r);
  }
  return out;
}

/** Trains a variant's run to its configured steps: resumed from its last checkpoint, if it has one. */
async function trainVariant(what: string, cfg: Config, o: RunOptions): Promise<void> {
  const runDir = runDirOf(o.runsDir, cfg.name).root;
  if (isTrained(cfg, runDir)) return;
  o.log.info(`${what}: training ${cfg.name}`);
  // A variant killed before its first checkpoint has nothing to resume: it starts afresh.
  const resumable = hasLastCheckpoint(runDir);
  await trainConfig(cfg, { runDir, resume: resumable, overwrite: !resumable, log: o.log });
}

/** Scores a variant on the val split (its TTA, ensemble or top-K checkpoints), predictions into `outDir`. */
async function scoreVariant(
  exp: Experiment,
  v: Variant,
  configs: ReadonlyMap<string, Config>,
  o: RunOptions,
  outDir: string,
): Promise<EvaluationResult & { meta: Record<string, unknown> }> {
  const cfg = configs.get(v.name)!;
  const run = runDirOf(o.runsDir, cfg.name);
  const ensemble = v.ensembleWith.map((n) => runDirOf(o.runsDir, configs.get(n)!.name).checkpoint('last'));
  const own =
    v.checkpoints === 'top'
      ? readdirSync(run.checkpoints)
          .filter((n) => EPOCH_CHECKPOINT.test(n))
          .map((n) => run.checkpoint(n))
      : [run.checkpoint(cfg.inference.checkpoint)];
  if (own.length === 0)
    throw new UsageError(
      `${exp.name}/${v.name}: checkpoints: top, but ${run.root} kept none (set train.keepTopK)`,
    );
  const res = await evaluateConfig(cfg, {
    runsDir: o.runsDir,
    split: 'val',
    outDir,
    log: o.log,
    // Without `top` or an ensemble the config's own checkpoint (inference.checkpoint) is used.
    ...(v.checkpoints === 'top' || ensemble.length > 0 ? { checkpoints: [...own, ...ensemble] } : {}),
  });
  const meta = {
    experiment: exp.name,
    variant: v.name,
    split: 'val',
    backend: o.backend,
    checkpoints: res.checkpoints,
    ttaAxes: cfg.inference.ttaAxes,
    peakRssMiB: res.peakRssMiB,
    detection: res.detection,
  };
  return { ...res, meta };
}

const f = (v: number | null | undefined) => (v === undefined || v === null ? '—' : v.toFixed(3));

/**
 * Gathers every result file of the experiment into `table.md` and `table.json` (means over folds),
 * and draws it beside the paper's numbers (`table.svg`, `table.png`, spec `table.vl.json`).
 */
export async function gatherTable(
  path: string,
  resultsDir: string,
): Promise<{ markdown: string; rows: VariantResult[] }> {
  const exp = loadExperiment(path);
  const dir = join(resultsDir, exp.name);
  const files = existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.json')) : [];
  const all = files
    .filter((n) => n !== 'table.json')
    .map((n) => JSON.parse(readFileSync(join(dir, n), 'utf8')) as VariantResult);
  const rows: VariantResult[] = [];
  const lines = [
    `# ${exp.paper} — ${exp.table}`,
    '',
    exp.description,
    '',
    '| variant | kidney Dice | tumour Dice | composite | paper kidney | paper tumour | paper composite | box recall / precision | paper recall / precision | converged (last 20 %) | folds | wall s | backend | scale |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const v of exp.variants) {
    const rs = all.filter((r) => r.variant === v.name);
    if (rs.length === 0) {
      lines.push(
        `| ${v.label ?? v.name} | not run | | | ${f(v.reported?.kidney)} | ${f(v.reported?.tumor)} | ${f(v.reported?.composite)} | | ${paperBoxes(v)} | | 0 | | | |`,
      );
      continue;
    }
    const mean = (k: 'kidney' | 'tumor' | 'composite' | 'seconds') =>
      rs[0]![k] === null ? null : rs.reduce((a, r) => a + r[k]!, 0) / rs.length;
    const boxMean = (k: 'recall' | 'precision') =>
      rs.reduce((a, r) => a + (r.boxes?.[k] ?? 0), 0) / rs.length;
    const row = {
      ...rs[0]!,
      kidney: mean('kidney'),
      tumor: mean('tumor'),
      composite: mean('composite'),
      seconds: mean('seconds')!,
      ...(rs[0]!.boxes === undefined
        ? {}
        : { boxes: { recall: boxMean('recall'), precision: boxMean('precision') } }),
    };
    rows.push(row);
    lines.push(
      `| ${row.label} | ${f(row.kidney)} | ${f(row.tumor)} | ${f(row.composite)} | ${f(v.reported?.kidney)} | ${f(v.reported?.tumor)} | ${f(v.reported?.composite)} | ${row.boxes === undefined ? '' : `${f(row.boxes.recall)} / ${f(row.boxes.precision)}`} | ${paperBoxes(v)} | ${convergenceCell(worstConvergence(rs))} | ${rs.length} | ${row.seconds.toFixed(0)} | ${row.backend} | ${row.scale} |`,
    );
  }
  const markdown = lines.join('\n') + '\n';
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(join(dir, 'table.md'), markdown);
  writeJsonAtomic(join(dir, 'table.json'), {
    experiment: exp.name,
    paper: exp.paper,
    table: exp.table,
    rows,
  });
  const spec = experimentBarsSpec(barRows(exp, rows), `${exp.paper}: ${exp.table}`);
  const { svg, png } = await renderChart(spec);
  writeJsonAtomic(join(dir, 'table.vl.json'), spec);
  writeFileAtomic(join(dir, 'table.svg'), svg);
  writeFileAtomic(join(dir, 'table.png'), png);
  return { markdown, rows };
}

/** Over folds: the largest gain decides (one unconverged fold makes the row unconverged). */
function worstConvergence(rs: readonly VariantResult[]): Convergence | null {
  const cs = rs.map((r) => r.convergence ?? null);
  if (cs.some((c) => c === null)) return null;
  return cs.reduce((a, c) => (c!.gain > a!.gain ? c : a), cs[0]!) ?? null;
}

function paperBoxes(v: Variant): string {
  const r = v.reported;
  return r?.recall === undefined && r?.precision === undefined ? '' : `${f(r?.recall)} / ${f(r?.precision)}`;
}

/** The bars of an experiment chart: each variant's kidney, tumour and composite Dice, ours and the paper's. */
function barRows(exp: Experiment, rows: readonly VariantResult[]): Parameters<typeof experimentBarsSpec>[0] {
  const metrics = [
    ['kidney', 'kidney Dice'],
    ['tumor', 'tumour Dice'],
    ['composite', 'composite'],
  ] as const;
  return exp.variants.flatMap((v) => {
    const ours = rows.find((r) => r.variant === v.name);
    return metrics.flatMap(([k, metric]) => {
      const out: Parameters<typeof experimentBarsSpec>[0][number][] = [];
      const mine = ours?.[k];
      const theirs = v.reported?.[k];
      if (typeof mine === 'number')
        out.push({ variant: v.label ?? v.name, metric, source: 'kitseg', value: mine });
      if (typeof theirs === 'number')
        out.push({ variant: v.label ?? v.name, metric, source: 'paper', value: theirs });
      return out;
    });
  });
}
