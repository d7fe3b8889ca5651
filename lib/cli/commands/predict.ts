/**
 * `kitseg predict (--config C | --model BUNDLE) --input FILE|DIR --output FILE|DIR [--checkpoint A …]
 * [--tta] [--probabilities] [--overwrite]`: segments CT files through the config's pipeline (the
 * cascade when the config is a stage 2) or a bundle's; with neither, through the pretrained bundle
 * under models/. Every output has its input's exact shape and affine.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Argv } from 'yargs';
import { selectBackend } from '../../backend/select.js';
import { loadConfig } from '../../config/load.js';
import { predictJobs } from '../../inference/inputs.js';
import { InterruptedError } from '../../core/errors.js';
import { loadPipeline, predictFile, predictionComplete } from '../../inference/pipeline.js';
import { removeDeadTemporaries } from '../../io/atomic.js';
import {
  loggerFor,
  printResult,
  type CliIO,
  type ConfigArgs,
  type CliCommand,
  type GlobalArgs,
  backendFor,
} from '../context.js';
import { loadBundlePipeline } from '../../bundle/load.js';
import { UsageError } from '../../core/errors.js';
import type { Pipeline } from '../../inference/cascade.js';
import { withConfigOptions } from '../options.js';
import { bar } from '../progress.js';
import { packageRoot } from '../version.js';
import { inferenceOptions, stageOptionsFrom, type InferenceArgs } from '../inference-options.js';

/** The pretrained bundle `predict` uses when given neither --config nor --model. */
export const PRETRAINED = 'models/kitseg-kits19';

interface Args extends GlobalArgs, Partial<ConfigArgs>, InferenceArgs {
  model?: string;
  input: string;
  output: string;
  probabilities: boolean;
  overwrite: boolean;
  json: boolean;
}

export function predictCommand(io: CliIO): CliCommand<Args> {
  return {
    command: 'predict',
    describe: 'Segment CT files (sliding window, TTA, ensembles, cascade, post-processing)',
    builder: (y: Argv) =>
      inferenceOptions(withConfigOptions(y, true))
        .option('model', {
          type: 'string',
          describe: `A bundle folder (\`kitseg export\`); default with no --config: the pretrained ${PRETRAINED}`,
        })
        .option('input', {
          type: 'string',
          demandOption: true,
          describe: 'NIfTI file, KiTS folder or folder of NIfTI files',
        })
        .option('output', { type: 'string', demandOption: true, describe: 'Output file (.nii.gz) or folder' })
        .option('probabilities', {
          type: 'boolean',
          default: false,
          describe: 'Also write <out>_kidney_prob / <out>_tumor_prob (float32, region probabilities)',
        })
        .option('overwrite', { type: 'boolean', default: false, describe: 'Redo outputs that already exist' })
        .option('json', { type: 'boolean', default: false }),
    handler: async (a: Args) => {
      const log = loggerFor(io, a);
      const jobs = predictJobs(a.input, a.output);
      const { pipe, backend } = await openPipeline(a, (m) => log.info(m));
      const done: { id: string; output: string; seconds: number; skipped: boolean }[] = [];
      for (const p of removeDeadTemporaries([...new Set(jobs.map((j) => dirname(j.output)))]))
        log.info(`removed a stale temporary of a dead process: ${p}`);
      // A signal lets the current case finish (its files are written whole), then stops the batch.
      let stop: 'SIGINT' | 'SIGTERM' | null = null;
      const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
        stop = signal;
        log.info(`${signal}: stopping after the current case…`);
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        for (const [k, job] of jobs.entries()) {
          // Handlers run when the event loop turns; each case runs to its end synchronously.
          await new Promise((r) => setImmediate(r));
          const signal: 'SIGINT' | 'SIGTERM' | null = stop;
          if (signal !== null)
            throw new InterruptedError(
              `${signal}: stopped after ${done.length} of ${jobs.length} cases; run again to predict the rest`,
              signal,
            );
          if (!a.overwrite && predictionComplete(job.output, a.probabilities)) {
            log.info(
              `[${k + 1}/${jobs.length}] ${job.id}: ${job.output} is complete, skipped (--overwrite redoes it)`,
            );
            done.push({ id: job.id, output: job.output, seconds: 0, skipped: true });
            continue;
          }
          const t0 = performance.now();
          let shown = -1;
          predictFile(pipe, job.input, job.output, {
            probabilities: a.probabilities,
            onWindow: (stage, d, t) => {
              // A bar redrawn in place on a terminal; every 10 % at debug level otherwise.
              if (io.isTTY === true && a.logLevel !== 'silent') {
                io.err(
                  `\r[${k + 1}/${jobs.length}] ${job.id} ${stage} ${bar(d / t)} ${d}/${t} windows\x1b[K`,
                );
                return;
              }
              const pct = Math.floor((10 * d) / t);
              if (pct !== shown) {
                shown = pct;
                log.debug(`${job.id} ${stage}: window ${d}/${t}`);
              }
            },
          });
          const seconds = (performance.now() - t0) / 1000;
          if (io.isTTY === true && a.logLevel !== 'silent') io.err('\r\x1b[K');
          log.info(`[${k + 1}/${jobs.length}] ${job.id} → ${job.output} (${seconds.toFixed(1)} s)`);
          done.push({ id: job.id, output: job.output, seconds, skipped: false });
        }
      } finally {
        pipe.dispose();
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
      }
      printResult(io, a.json, { backend, cases: done }, () =>
        done
          .map((d) => `${d.id}\t${d.skipped ? 'skipped' : d.seconds.toFixed(1) + ' s'}\t${d.output}\n`)
          .join(''),
      );
    },
  };
}

/** The pipeline of --config, of --model, or of the pretrained bundle; with the backend it runs on. */
async function openPipeline(
  a: Args,
  info: (m: string) => void,
): Promise<{ pipe: Pipeline; backend: string }> {
  if (a.config !== undefined && a.model !== undefined)
    throw new UsageError('give --config or --model, not both');
  if (a.config !== undefined) {
    const cfg = loadConfig(a.config, a.set ?? []);
    const sel = await selectBackend(backendFor(a, cfg), { memory: 'release' });
    info(`backend: ${sel.name}`);
    return { pipe: await loadPipeline(cfg, stageOptionsFrom(a)), backend: sel.name };
  }
  if (a.checkpoint !== undefined && a.checkpoint.length > 0)
    throw new UsageError('--checkpoint goes with --config; a bundle carries its own weights');
  if ((a.set ?? []).length > 0) throw new UsageError('--set goes with --config; a bundle is fixed');
  let dir = a.model;
  if (dir === undefined) {
    dir = join(packageRoot(), PRETRAINED);
    if (!existsSync(dir)) throw new UsageError(`give --config or --model (no pretrained bundle at ${dir})`);
  }
  const sel = await selectBackend(backendFor(a), { memory: 'release' });
  info(`backend: ${sel.name}`);
  const tta = stageOptionsFrom(a).ttaAxes;
  const { manifest, pipeline } = await loadBundlePipeline(dir, tta === undefined ? {} : { ttaAxes: tta });
  info(`bundle ${manifest.name} (${dir})`);
  return { pipe: pipeline, backend: sel.name };
}
