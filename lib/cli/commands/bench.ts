/** `kitseg bench`: the reference 3D U-Net on the selected backend, optionally beside the PyTorch peer. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Argv } from 'yargs';
import { selectBackend } from '../../backend/select.js';
import { profileConfig, profileReference, runBench, type BenchResult } from '../../bench/run.js';
import { profileTable } from '../../bench/profile.js';
import { bf16Support, type Precision } from '../../backend/precision.js';
import { benchSampler } from '../../bench/sampler.js';
import { loadConfig } from '../../config/load.js';
import { IoError, UsageError } from '../../core/errors.js';
import type { CliIO } from '../context.js';
import { loggerFor, printResult, type CliCommand, type GlobalArgs, backendFor } from '../context.js';
import { packageRoot } from '../version.js';

interface TorchResult {
  peer: string;
  variant: string;
  params: number;
  train_step_ms: number;
  infer_patch_ms: number;
}

interface Args extends GlobalArgs {
  patch: number;
  batch: number;
  base: number;
  steps: number;
  threads?: number;
  json: boolean;
  compareTorch: boolean;
  torchScript?: string;
  python: string;
  rounds: number;
  precision: Precision;
  profile: boolean;
  convBench: boolean;
  sampler: boolean;
  batches: number;
  config?: string;
  set: string[];
}

const TORCH_VARIANTS: Record<Precision, readonly string[]> = {
  fp32: ['fp32', 'fp32-cl'],
  bf16: ['bf16', 'bf16-cl'],
};

function runTorch(a: Args, threads: number, variant: string): TorchResult {
  const script = a.torchScript ?? join(packageRoot(), 'bench', 'torch_peer.py');
  if (!existsSync(script)) throw new IoError('PyTorch peer script not found (pass --torch-script)', script);
  const args = [
    '--patch',
    a.patch,
    '--batch',
    a.batch,
    '--base',
    a.base,
    '--steps',
    a.steps,
    '--threads',
    threads,
  ];
  const r = spawnSync(a.python, [script, ...args.map(String), '--variant', variant], { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new IoError(
      `PyTorch peer (${variant}) failed (${r.error?.message ?? r.stderr.trim().split('\n').at(-1) ?? 'no output'})`,
      script,
    );
  }
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as TorchResult;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((p, q) => p - q);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

interface Series {
  readonly setting: string;
  readonly trainStepMs: number[];
  readonly inferPatchMs: number[];
}

interface Comparison {
  readonly precision: Precision;
  /** PyTorch's fastest setting at this precision (by median train step). */
  readonly peer: string;
  /** Per round: PyTorch ÷ kitseg, from the runs of the same round. */
  readonly train: number[];
  readonly infer: number[];
  readonly trainMedian: number;
  readonly inferMedian: number;
}

/**
 * Rounds of kitseg and every PyTorch setting alternating, so that load on the shared machine hits
 * both sides alike; each precision is compared with PyTorch's fastest setting at that precision.
 */
function compareRounds(a: Args, threads: number, precisions: readonly Precision[], log: (m: string) => void) {
  const series = new Map<string, Series>();
  const add = (setting: string, train: number, infer: number) => {
    const e = series.get(setting) ?? { setting, trainStepMs: [], inferPatchMs: [] };
    e.trainStepMs.push(train);
    e.inferPatchMs.push(infer);
    series.set(setting, e);
  };
  let kitseg: BenchResult | undefined;
  for (let r = 0; r < a.rounds; r++)
    for (const p of precisions) {
      // The convolutions alone are timed once, in the first round.
      const k = runBench({ ...a, precision: p, convBench: a.convBench && r === 0 });
      kitseg ??= k;
      add(`kitseg ${p}`, k.trainStepMs, k.inferPatchMs);
      for (const v of TORCH_VARIANTS[p]) {
        const t = runTorch(a, threads, v);
        // Same network or no comparison: the parameter counts must agree.
        if (t.params !== k.params)
          throw new IoError(
            `PyTorch peer has ${t.params} parameters, kitseg's reference U-Net ${k.params}: not the same network`,
            a.torchScript ?? 'bench/torch_peer.py',
          );
        add(`pytorch ${v}`, t.train_step_ms, t.infer_patch_ms);
      }
      log(`round ${r + 1}/${a.rounds} ${p} done`);
    }
  const comparisons: Comparison[] = precisions.map((p) => {
    const k = series.get(`kitseg ${p}`)!;
    const peers = TORCH_VARIANTS[p].map((v) => series.get(`pytorch ${v}`)!);
    const best = peers.reduce((b, s) => (median(s.trainStepMs) < median(b.trainStepMs) ? s : b));
    const train = best.trainStepMs.map((t, i) => t / k.trainStepMs[i]!);
    const bestInfer = peers.reduce((b, s) => (median(s.inferPatchMs) < median(b.inferPatchMs) ? s : b));
    const infer = bestInfer.inferPatchMs.map((t, i) => t / k.inferPatchMs[i]!);
    return {
      precision: p,
      peer: best.setting,
      train,
      infer,
      trainMedian: median(train),
      inferMedian: median(infer),
    };
  });
  return { kitseg: kitseg!, series: [...series.values()], comparisons };
}

function human(k: BenchResult): string {
  const f = (x: number, d = 1) => x.toFixed(d);
  return (
    [
      `reference 3D U-Net: patch ${k.patch}³, batch ${k.batch}, base ${k.base}, ${k.params} parameters, ${f(k.forwardGflop, 2)} GFLOP forward`,
      `backend ${k.backend} ${k.precision}: train step ${f(k.trainStepMs)} ms (${f(k.trainGflops)} GFLOP/s), inference ${f(k.inferPatchMs)} ms/patch (${f(k.inferGflops)} GFLOP/s)`,
      ...k.conv3d.map((c) => `conv3d ${c.shape}: ${f(c.ms, 2)} ms, ${f(c.gflops)} GFLOP/s`),
    ].join('\n') + '\n'
  );
}

function humanComparison(c: ReturnType<typeof compareRounds>): string {
  const f = (x: number, d = 0) => x.toFixed(d);
  const list = (xs: readonly number[], d = 0) => xs.map((x) => f(x, d)).join(', ');
  const lines = [
    human(c.kitseg).trimEnd(),
    '',
    '| setting | train step ms (median) | runs | inference ms/patch (median) | runs |',
    '| --- | ---: | --- | ---: | --- |',
    ...c.series.map(
      (s) =>
        `| ${s.setting} | ${f(median(s.trainStepMs))} | ${list(s.trainStepMs)} | ${f(median(s.inferPatchMs))} | ${list(s.inferPatchMs)} |`,
    ),
    '',
    ...c.comparisons.map(
      (r) =>
        `kitseg ${r.precision} vs ${r.peer}: train ×${f(r.trainMedian, 2)} (rounds ${list(r.train, 2)}), inference ×${f(r.inferMedian, 2)} (rounds ${list(r.infer, 2)})`,
    ),
  ];
  return lines.join('\n') + '\n';
}

export function benchCommand(io: CliIO): CliCommand<Args> {
  return {
    command: 'bench',
    describe:
      'Benchmark the reference 3D U-Net (train step, inference, conv GFLOP/s), optionally against PyTorch',
    builder: (y: Argv) =>
      y
        .option('patch', { type: 'number', default: 64, describe: 'Cubic patch edge in voxels' })
        .option('batch', { type: 'number', default: 2 })
        .option('base', { type: 'number', default: 16, describe: 'Base filters' })
        .option('steps', { type: 'number', default: 5, describe: 'Timed repetitions (after one warm-up)' })
        .option('threads', { type: 'number', describe: 'Native kernel threads (default: all cores)' })
        .option('json', { type: 'boolean', default: false })
        .option('precision', {
          choices: ['fp32', 'bf16'] as const,
          default: 'fp32' as Precision,
          describe: 'Convolution precision of the timed kitseg run',
        })
        .option('profile', {
          type: 'boolean',
          default: false,
          describe: 'Instead: one train step kernel by kernel (reference U-Net, or --config)',
        })
        .option('compare-torch', {
          type: 'boolean',
          default: false,
          describe:
            'Alternate kitseg (fp32, and bf16 where available) with PyTorch fp32/channels_last/bf16 runs',
        })
        .option('conv-bench', {
          type: 'boolean',
          default: true,
          describe: 'Also time three 3D convolutions alone (--no-conv-bench: skip)',
        })
        .option('rounds', { type: 'number', default: 3, describe: 'Alternating rounds of --compare-torch' })
        .option('torch-script', {
          type: 'string',
          describe: 'PyTorch peer script (default: bench/torch_peer.py of the package)',
        })
        .option('python', { type: 'string', default: '/usr/bin/python3', describe: 'Python with torch' })
        .option('sampler', {
          type: 'boolean',
          default: false,
          describe: "Instead: batches/s of the config's sampler, plain and augmented (needs --config)",
        })
        .option('batches', { type: 'number', default: 50, describe: 'Batches to time with --sampler' })
        .option('config', { type: 'string', describe: 'Config for --sampler or --profile' })
        .option('set', { type: 'string', array: true, default: [] as string[] }),
    handler: async (a: Args) => {
      if (a.sampler) {
        if (a.config === undefined)
          throw new UsageError('--sampler needs --config (the dataset, patch and augmentation)');
        const cfg = loadConfig(a.config, a.set);
        const r = benchSampler(cfg, a.batches, loggerFor(io, a));
        printResult(
          io,
          a.json,
          r,
          () =>
            `sampler on ${r.cases} train cases, patch ${r.patch.join('×')}, batch ${r.batchSize}: ` +
            `${r.plainBatchesPerSecond.toFixed(1)} batches/s plain, ${r.augmentedBatchesPerSecond.toFixed(1)} batches/s with augmentation\n`,
        );
        return;
      }
      if (a.patch % 8 !== 0 || a.patch < 8)
        throw new UsageError(`--patch: expected a multiple of 8, got ${a.patch}`);
      const log = loggerFor(io, a);
      const cfg = a.config === undefined ? undefined : loadConfig(a.config, a.set);
      const sel = await selectBackend(
        cfg === undefined ? backendFor(a) : backendFor(a, cfg),
        a.threads === undefined ? {} : { threads: a.threads },
      );
      log.info(`bench on ${sel.name}: ${sel.probes.at(-1)?.reason ?? ''}`);
      if (a.precision === 'bf16' && !bf16Support().available)
        throw new UsageError(`--precision bf16: ${bf16Support().reason}`);
      if (a.profile) {
        const p = cfg === undefined ? await profileReference(a) : await profileConfig(cfg);
        printResult(io, a.json, p, () => profileTable(p));
        return;
      }
      if (!a.compareTorch) {
        const k = runBench(a);
        printResult(io, a.json, { kitseg: k }, () => human(k));
        return;
      }
      const threads = a.threads ?? (await import('node:os')).availableParallelism();
      const precisions: Precision[] = bf16Support().available ? ['fp32', 'bf16'] : ['fp32'];
      if (precisions.length === 1) log.info(`bf16 not compared: ${bf16Support().reason}`);
      const c = compareRounds(a, threads, precisions, (m) => log.info(m));
      printResult(io, a.json, c, () => humanComparison(c));
    },
  };
}
