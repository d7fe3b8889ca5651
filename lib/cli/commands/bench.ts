/** `kitseg bench`: the reference 3D U-Net on the selected backend, optionally beside the PyTorch peer. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Argv } from 'yargs';
import { selectBackend } from '../../backend/select.js';
import { runBench, type BenchResult } from '../../bench/run.js';
import { benchSampler } from '../../bench/sampler.js';
import { loadConfig } from '../../config/load.js';
import { IoError, UsageError } from '../../core/errors.js';
import type { CliIO } from '../context.js';
import { loggerFor, printResult, type CliCommand, type GlobalArgs, backendFor } from '../context.js';
import { packageRoot } from '../version.js';

interface TorchResult {
  peer: string;
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
  sampler: boolean;
  batches: number;
  config?: string;
  set: string[];
}

function runTorch(a: Args, threads: number): TorchResult {
  const script = a.torchScript ?? join(packageRoot(), '..', 'shared', 'bench', 'unet3d_torch.py');
  if (!existsSync(script)) throw new IoError('PyTorch peer script not found (pass --torch-script)', script);
  const r = spawnSync(
    a.python,
    [
      script,
      '--patch',
      String(a.patch),
      '--batch',
      String(a.batch),
      '--base',
      String(a.base),
      '--steps',
      String(a.steps),
      '--threads',
      String(threads),
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) {
    throw new IoError(
      `PyTorch peer failed (${r.error?.message ?? r.stderr.trim().split('\n').at(-1) ?? 'no output'})`,
      script,
    );
  }
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as TorchResult;
}

function human(k: BenchResult, t: TorchResult | undefined): string {
  const f = (x: number, d = 1) => x.toFixed(d);
  const lines = [
    `reference 3D U-Net: patch ${k.patch}³, batch ${k.batch}, base ${k.base}, ${k.params} parameters, ${f(k.forwardGflop, 2)} GFLOP forward`,
    `backend ${k.backend}: train step ${f(k.trainStepMs)} ms (${f(k.trainGflops)} GFLOP/s), inference ${f(k.inferPatchMs)} ms/patch (${f(k.inferGflops)} GFLOP/s)`,
    ...k.conv3d.map((c) => `conv3d ${c.shape}: ${f(c.ms, 2)} ms, ${f(c.gflops)} GFLOP/s`),
  ];
  if (t !== undefined) {
    lines.push(
      `${t.peer}: train step ${f(t.train_step_ms)} ms, inference ${f(t.infer_patch_ms)} ms/patch (${t.params} parameters)`,
      `speed-up over PyTorch: train ×${f(t.train_step_ms / k.trainStepMs, 2)}, inference ×${f(t.infer_patch_ms / k.inferPatchMs, 2)}`,
    );
  }
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
        .option('compare-torch', {
          type: 'boolean',
          default: false,
          describe: 'Also run the PyTorch peer and print ratios',
        })
        .option('torch-script', {
          type: 'string',
          describe: 'Path of unet3d_torch.py (default: ../shared/bench/)',
        })
        .option('python', { type: 'string', default: '/usr/bin/python3', describe: 'Python with torch' })
        .option('sampler', {
          type: 'boolean',
          default: false,
          describe: "Instead: batches/s of the config's sampler, plain and augmented (needs --config)",
        })
        .option('batches', { type: 'number', default: 50, describe: 'Batches to time with --sampler' })
        .option('config', { type: 'string', describe: 'Config for --sampler' })
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
      const sel = await selectBackend(backendFor(a), a.threads === undefined ? {} : { threads: a.threads });
      log.info(`bench on ${sel.name}: ${sel.probes.at(-1)?.reason ?? ''}`);
      const k = runBench(a);
      let t: TorchResult | undefined;
      if (a.compareTorch) {
        log.info('running the PyTorch peer');
        t = runTorch(a, a.threads ?? (await import('node:os')).availableParallelism());
      }
      const ratios =
        t === undefined
          ? undefined
          : { train: t.train_step_ms / k.trainStepMs, infer: t.infer_patch_ms / k.inferPatchMs };
      printResult(io, a.json, { kitseg: k, torch: t ?? null, speedupOverTorch: ratios ?? null }, () =>
        human(k, t),
      );
    },
  };
}
