/** `kitseg train --config C [--resume]`: trains into runs/<name>/ with progress on stderr; Ctrl-C saves and exits. */
import { join } from 'node:path';
import type { Argv } from 'yargs';
import { InterruptedError, UsageError } from '../../core/errors.js';
import { selectBackend } from '../../backend/select.js';
import { loadConfig } from '../../config/load.js';
import { trainConfig } from '../../tasks/index.js';
import type { TrainOptions } from '../../training/loop.js';
import type { CliIO } from '../context.js';
import { withConfigOptions } from '../options.js';
import { bar, formatEta } from '../progress.js';
import {
  loggerFor,
  printResult,
  type ConfigArgs,
  type CliCommand,
  type GlobalArgs,
  backendFor,
} from '../context.js';

interface Args extends GlobalArgs, ConfigArgs {
  resume: boolean;
  overwrite: boolean;
  runs: string;
  json: boolean;
}

export function trainCommand(io: CliIO): CliCommand<Args> {
  return {
    command: 'train',
    describe: 'Train the configured model on the configured dataset (runs/<name>/)',
    builder: (y: Argv) =>
      withConfigOptions(y)
        .option('resume', {
          type: 'boolean',
          default: false,
          describe: 'Continue runs/<name>/ from its last checkpoint',
        })
        .option('overwrite', {
          type: 'boolean',
          default: false,
          describe: 'Start runs/<name>/ afresh, removing the run it holds',
        })
        .option('runs', { type: 'string', default: 'runs', describe: 'Folder holding run folders' })
        .option('json', { type: 'boolean', default: false }),
    handler: async (a: Args) => {
      if (a.resume && a.overwrite)
        throw new UsageError('--resume continues a run, --overwrite replaces it: give one');
      const cfg = loadConfig(a.config, a.set);
      const log = loggerFor(io, a);
      const sel = await selectBackend(backendFor(a, cfg));
      log.info(`backend: ${sel.name}`);
      let stop: 'SIGINT' | 'SIGTERM' | null = null;
      const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
        stop = signal;
        log.info(`${signal}: saving the last checkpoint…`);
      };
      // SIGTERM too: cluster schedulers (SLURM, Kubernetes) stop jobs with it.
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const total = cfg.train.epochs * cfg.train.iterationsPerEpoch;
      let mean = 0;
      let n = 0;
      const trainOpts: TrainOptions = {
        runDir: join(a.runs, cfg.name),
        resume: a.resume,
        overwrite: a.overwrite,
        log,
        shouldStop: () => stop !== null,
        onProgress: (p) => {
          n++;
          mean += (p.stepMs - mean) / n;
          const done = p.epoch * cfg.train.iterationsPerEpoch + p.iteration + 1;
          const eta = ((total - done) * mean) / 1000;
          const line =
            `epoch ${p.epoch + 1}/${cfg.train.epochs} it ${p.iteration + 1}/${cfg.train.iterationsPerEpoch} ` +
            `${bar(done / total)} loss ${p.loss.toFixed(4)} lr ${p.lr.toExponential(2)} ` +
            `${(p.stepMs / 1000).toFixed(2)} s/it ETA ${formatEta(eta)}`;
          // On a terminal the bar redraws in place every step; in a log file, one line per 10 steps.
          if (io.isTTY === true && a.logLevel !== 'silent')
            io.err(`\r${line}\x1b[K` + (p.iteration + 1 === cfg.train.iterationsPerEpoch ? '\n' : ''));
          else if (done % 10 === 0 || done === total) log.info(line);
        },
      };
      try {
        const r = await trainConfig(cfg, trainOpts);
        const s = r.summary;
        const val =
          r.task === 'detection'
            ? r.summary.val === null
              ? ''
              : `, val box recall ${r.summary.val.recall.toFixed(4)} precision ${r.summary.val.precision.toFixed(4)}`
            : r.summary.val === null
              ? ''
              : `, val patch Dice kidney ${r.summary.val.kidney.toFixed(3)} tumour ${r.summary.val.tumor.toFixed(3)}`;
        printResult(
          io,
          a.json,
          s,
          () =>
            `${s.completed ? 'finished' : 'stopped'} ${s.runDir}: step ${s.globalStep}, loss ${s.lastLoss.toFixed(4)}${val}\n`,
        );
        // Exit 130/143, as shells expect, so a scheduler can tell an interrupted run from a finished one.
        const signal: 'SIGINT' | 'SIGTERM' | null = stop;
        if (signal !== null && !s.completed)
          throw new InterruptedError(
            `${signal}: stopped at step ${s.globalStep}; continue with --resume`,
            signal,
          );
      } finally {
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
      }
    },
  };
}
