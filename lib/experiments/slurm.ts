/**
 * `kitseg experiment submit FILE --slurm`: an experiment as SLURM job arrays. Variants are grouped
 * in dependency levels (a variant evaluated `from` another's run, a cascade stage 2 and its
 * `stage1`, an ensemble and its members come after them); each level is one array with a task per
 * variant × fold, started when the level before has succeeded, and a last job gathers the table.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SchedulerError, UsageError } from '../core/errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { checkNames, loadExperiment } from './run.js';
import type { Experiment, Scale, Variant } from './schema.js';

export interface SlurmOptions {
  readonly scale: Scale;
  /** Folds to run (null: the holdout split). */
  readonly folds: readonly (number | null)[];
  readonly runsDir: string;
  readonly resultsDir: string;
  readonly data?: string;
  readonly partition?: string;
  /** sbatch `--time` per task, e.g. 04:00:00. */
  readonly time?: string;
  readonly cpusPerTask: number;
  /** `--backend` of every task (absent: each config's). */
  readonly backend?: string;
  /** How a task starts kitseg, e.g. `node /abs/kitseg/bin/kitseg.js`. */
  readonly kitseg: string;
  /** Working directory of every job (config paths in the experiment are relative to it). */
  readonly workdir: string;
}

export interface SlurmTask {
  readonly variant: string;
  readonly fold: number | null;
}

/** The variants a variant needs finished first. */
function needs(v: Variant): string[] {
  return [v.from, v.stage1, ...v.ensembleWith].filter((n): n is string => n !== null);
}

/** Variants in dependency levels (level k: all needs below k); names are checked by `checkNames`. */
export function dependencyLevels(exp: Experiment): Variant[][] {
  const level = new Map<string, number>();
  const byName = new Map(exp.variants.map((v) => [v.name, v]));
  const visit = (v: Variant, path: readonly string[]): number => {
    const known = level.get(v.name);
    if (known !== undefined) return known;
    if (path.includes(v.name))
      throw new UsageError(`variants depend on each other in a cycle: ${[...path, v.name].join(' → ')}`);
    let l = 0;
    for (const n of needs(v)) l = Math.max(l, visit(byName.get(n)!, [...path, v.name]) + 1);
    level.set(v.name, l);
    return l;
  };
  for (const v of exp.variants) visit(v, []);
  const out: Variant[][] = [];
  for (const v of exp.variants) (out[level.get(v.name)!] ??= []).push(v);
  return out;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function header(name: string, o: SlurmOptions, log: string, array?: number): string[] {
  return [
    '#!/bin/bash',
    `#SBATCH --job-name=${name}`,
    `#SBATCH --chdir=${o.workdir}`,
    `#SBATCH --output=${log}`,
    `#SBATCH --cpus-per-task=${o.cpusPerTask}`,
    ...(array === undefined ? [] : [`#SBATCH --array=0-${array - 1}`]),
    ...(o.partition === undefined ? [] : [`#SBATCH --partition=${o.partition}`]),
    ...(o.time === undefined ? [] : [`#SBATCH --time=${o.time}`]),
    'set -euo pipefail',
  ];
}

/** Writes one sbatch script per level plus the table job into `<results>/<exp>/slurm/`. */
export function writeSlurmScripts(
  file: string,
  o: SlurmOptions,
): { dir: string; scripts: string[]; tasks: SlurmTask[][] } {
  const exp = loadExperiment(file);
  checkNames(exp, file);
  const dir = resolve(o.resultsDir, exp.name, 'slurm');
  mkdirSync(dir, { recursive: true });
  const common = [
    q(resolve(file)),
    '--scale',
    o.scale,
    '--runs',
    q(resolve(o.runsDir)),
    '--results',
    q(resolve(o.resultsDir)),
    ...(o.data === undefined ? [] : ['--data', q(resolve(o.data))]),
    ...(o.backend === undefined ? [] : ['--backend', o.backend]),
  ].join(' ');
  const levels = dependencyLevels(exp).map((vs) =>
    vs.flatMap((v) => o.folds.map((fold) => ({ variant: v.name, fold }))),
  );
  const scripts = levels.map((tasks, k) => {
    const lines = [
      ...header(`${exp.name}-${k}`, o, join(dir, `level-${k}-%a.log`), tasks.length),
      'TASKS=(',
      ...tasks.map((t) => `  ${q(`--variant ${t.variant}${t.fold === null ? '' : ` --fold ${t.fold}`}`)}`),
      ')',
      `exec ${o.kitseg} experiment run ${common} \${TASKS[$SLURM_ARRAY_TASK_ID]}`,
      '',
    ];
    const path = join(dir, `level-${k}.sbatch`);
    writeFileAtomic(path, lines.join('\n'));
    return path;
  });
  const table = join(dir, 'table.sbatch');
  writeFileAtomic(
    table,
    [
      ...header(`${exp.name}-table`, { ...o, cpusPerTask: 1 }, join(dir, 'table.log')),
      `exec ${o.kitseg} experiment table ${common}`,
      '',
    ].join('\n'),
  );
  return { dir, scripts: [...scripts, table], tasks: levels };
}

/** The sbatch command lines that submit `scripts` in order, each after the one before succeeded. */
export function submitCommands(scripts: readonly string[]): string[] {
  return scripts.map((s, i) =>
    i === 0 ? `sbatch --parsable ${q(s)}` : `sbatch --parsable --dependency=afterok:$JOB${i - 1} ${q(s)}`,
  );
}

/** Submits the scripts with sbatch, chained by afterok dependencies; returns the job ids. */
export function submitSlurm(scripts: readonly string[]): string[] {
  const ids: string[] = [];
  for (const s of scripts) {
    const args = ['--parsable', ...(ids.length === 0 ? [] : [`--dependency=afterok:${ids.at(-1)!}`]), s];
    let out: string;
    try {
      out = execFileSync('sbatch', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      const err = e as { stderr?: string; code?: string };
      const why =
        err.code === 'ENOENT'
          ? 'sbatch not found (is this a SLURM login node?)'
          : (err.stderr ?? String(e)).trim();
      throw new SchedulerError(`sbatch ${s}: ${why}`);
    }
    ids.push(out.trim().split(';')[0]!);
  }
  return ids;
}
