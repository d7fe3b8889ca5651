/**
 * `kitseg augment register --config C --hard K --per-hard M --out DIR [--from-eval scores.json]`:
 * Wei et al.'s registration-based augmentation. Hard (fixed) cases are the K worst of an
 * evaluation (`kitseg evaluate`'s scores.json) or K seeded train cases; each gets M seeded moving
 * train cases registered onto it. Train on the result with `--set data.extra=[DIR]`.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { selectBackend } from '../../backend/select.js';
import { loadConfig } from '../../config/load.js';
import { DataError, IoError, UsageError } from '../../core/errors.js';
import { splitCases } from '../../evaluation/evaluate.js';
import { registrationAugment } from '../../registration/augment.js';
import { DEFAULT_REGISTRATION } from '../../registration/register.js';
import { Rng } from '../../rng/rng.js';
import {
  loggerFor,
  printResult,
  type CliIO,
  type CliCommand,
  type GlobalArgs,
  backendFor,
} from '../context.js';
import { withConfigOptions } from '../options.js';

interface Args extends GlobalArgs {
  action: string;
  config: string;
  set: string[];
  hard: number;
  perHard: number;
  out: string;
  fromEval?: string;
  levels: number[];
  iterations: number;
  json: boolean;
}

/** Ids of the `k` worst cases (lowest composite Dice) in an evaluation's scores.json. */
export function worstCases(path: string, k: number): string[] {
  if (!existsSync(path)) throw new IoError('evaluation result not found', path);
  const raw = JSON.parse(readFileSync(path, 'utf8')) as {
    tables?: { cases: { id: string; composite: number }[] }[];
  };
  const table = raw.tables?.at(-1);
  if (table === undefined)
    throw new DataError('expected a kitseg evaluate scores.json (with "tables")', path);
  return [...table.cases]
    .sort((a, b) => a.composite - b.composite)
    .slice(0, k)
    .map((c) => c.id);
}

export function augmentCommand(io: CliIO): CliCommand<Args> {
  return {
    command: 'augment <action>',
    describe: 'Registration-based augmentation: warp train cases onto hard cases (action: register)',
    builder: (y: Argv) =>
      withConfigOptions(y)
        .positional('action', { choices: ['register'] })
        .option('hard', { type: 'number', demandOption: true, describe: 'Number of hard (fixed) cases' })
        .option('per-hard', { type: 'number', demandOption: true, describe: 'Moving cases per hard case' })
        .option('out', {
          type: 'string',
          demandOption: true,
          describe: 'Output dataset folder (KiTS layout)',
        })
        .option('from-eval', { type: 'string', describe: 'scores.json: hard cases = the K worst' })
        .option('levels', {
          type: 'number',
          array: true,
          default: [...DEFAULT_REGISTRATION.levels],
          describe: 'Pyramid factors, coarse to fine',
        })
        .option('iterations', {
          type: 'number',
          default: DEFAULT_REGISTRATION.fieldIterations,
          describe: 'Optimiser steps per level',
        })
        .option('json', { type: 'boolean', default: false }),
    handler: async (a: Args) => {
      const coarseToFine = a.levels.every((f, i) => i === 0 || f <= a.levels[i - 1]!);
      if (a.levels.length === 0 || !a.levels.every((f) => f > 0 && Number.isFinite(f)) || !coarseToFine)
        throw new UsageError(
          `--levels: expected positive pyramid factors, coarse to fine (e.g. 4 2), got ${a.levels.join(' ') || 'none'}`,
        );
      const cfg = loadConfig(a.config, a.set);
      const log = loggerFor(io, a);
      if (!Number.isInteger(a.hard) || a.hard < 1)
        throw new UsageError(`--hard: expected a positive integer, got ${a.hard}`);
      if (!Number.isInteger(a.perHard) || a.perHard < 1)
        throw new UsageError(`--per-hard: expected a positive integer, got ${a.perHard}`);
      await selectBackend(backendFor(a, cfg));
      const train = splitCases(cfg, cfg.data.trainSplit);
      const rng = Rng.fromSeed(cfg.seed).fork('augment-register');
      let hard = rng.shuffle(train).slice(0, a.hard);
      if (a.fromEval !== undefined) {
        const all = splitCases(cfg, 'all');
        const byId = new Map(all.map((r) => [r.id, r]));
        hard = worstCases(a.fromEval, a.hard).map((id) => {
          const r = byId.get(id);
          if (r === undefined)
            throw new DataError(`${id} from the evaluation is not in ${cfg.data.root}`, a.fromEval);
          return r;
        });
      }
      const opts = {
        ...DEFAULT_REGISTRATION,
        levels: a.levels,
        fieldIterations: a.iterations,
        affineIterations: a.iterations,
      };
      const pairs = registrationAugment(hard, train, a.perHard, a.out, opts, rng, log);
      printResult(io, a.json, { out: a.out, pairs }, () =>
        pairs
          .map(
            (p) =>
              `${p.id}\t${p.moving} → ${p.fixed}\tNCC ${p.nccBefore.toFixed(3)} → ${p.nccAfter.toFixed(3)}\n`,
          )
          .join(''),
      );
    },
  };
}
