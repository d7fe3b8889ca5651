/** `kitseg train --config C [--resume]`: trains into runs/<name>/ with progress on stderr; Ctrl-C saves and exits. */
import { join } from 'node:path';
import type { Argv } from 'yargs';
import { selectBackend, type BackendRequest } from '../../backend/select.js';
import { loadConfig } from '../../config/load.js';
import { trainConfig } from '../../training/train-config.js';
import type { TrainOptions } from '../../training/trainer.js';
import type { CliIO } from '../context.js';
import { withConfigOptions } from '../options.js';
import { bar, formatEta } from '../progress.js';
import { loggerFor, printResult, type GlobalArgs } from '../context.js';

interface Args extends GlobalArgs {
  config: string;
  set: string[];
  resume: boolean;
  runs: string;
  json: boolean;
  backend: string;
}

export function trainCommand(io: CliIO) {
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
        .option('runs', { type: 'string', default: 'runs', describe: 'Folder holding run folders' })
        .option('json', { type: 'boolean', default: false }),
    handler: async (a: Args) => {
      const cfg = loadConfig(a.config, a.set);
      const log = loggerFor(io, a);
      const sel = await selectBackend((a.backend === 'auto' ? cfg.backend : a.backend) as BackendRequest);
      log.info(`backend: ${sel.name}`);
      let stop = false;
      const onSigint = () => {
        stop = true;
        log.info('interrupt: saving the last checkpoint…');
      };
      // SIGTERM too: cluster schedulers (SLURM, Kubernetes) stop jobs with it.
      process.once('SIGINT', onSigint);
      process.once('SIGTERM', onSigint);
      const total = cfg.train.epochs * cfg.train.iterationsPerEpoch;
      let mean = 0;
      let n = 0;
      const trainOpts: TrainOptions = {
        runDir: join(a.runs, cfg.name),
        resume: a.resume,
        log,
        shouldStop: () => stop,
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
        if (r.kind === 'detector') {
          const d = r.summary;
          printResult(
            io,
            a.json,
            d,
            () =>
              `${d.completed ? 'finished' : 'stopped'} ${d.runDir}: step ${d.globalStep}, loss ${d.lastLoss.toFixed(4)}` +
              (d.val === null
                ? ''
                : `, val box recall ${d.val.recall.toFixed(4)} precision ${d.val.precision.toFixed(4)}`) +
              '\n',
          );
          return;
        }
        const s = r.summary;
        printResult(
          io,
          a.json,
          s,
          () =>
            `${s.completed ? 'finished' : 'stopped'} ${s.runDir}: step ${s.globalStep}, loss ${s.lastLoss.toFixed(4)}` +
            (s.val === null
              ? ''
              : `, val patch Dice kidney ${s.val.kidney.toFixed(3)} tumour ${s.val.tumor.toFixed(3)}`) +
            '\n',
        );
      } finally {
        process.removeListener('SIGINT', onSigint);
        process.removeListener('SIGTERM', onSigint);
      }
    },
  };
}
