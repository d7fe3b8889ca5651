/**
 * `kitseg evaluate --config C --split val [--checkpoint …] [--tta] [--tag T] [--json]` predicts a
 * split and scores it as the KiTS challenge does; `kitseg evaluate --pred-dir P --data D [--split S]`
 * scores existing prediction files. Tables go to stdout (JSON with --json) and, for a config, to
 * `runs/<name>/evaluation/<split>[-<tag>]/scores.{json,csv,md}` with the predictions beside them.
 */
import { basename, join, resolve } from 'node:path';
import type { Argv } from 'yargs';
import { selectBackend } from '../../backend/select.js';
import { loadConfig } from '../../config/load.js';
import { LABEL_SETS, type LabelSet } from '../../core/labels.js';
import { ConfigSchema } from '../../config/schema/index.js';
import { UsageError } from '../../core/errors.js';
import { discoverCases } from '../../data/kits19.js';
import { evaluateConfig, scorePredictions, scoringOf, splitCases } from '../../evaluation/evaluate.js';
import { writeHtmlReport } from '../../evaluation/html-report.js';
import { detectionMarkdown, markdownTable, summaryLine, writeEvaluation } from '../../evaluation/report.js';
import { runDirOf } from '../../io/run-dir.js';
import {
  loggerFor,
  printResult,
  type CliIO,
  type CliCommand,
  type GlobalArgs,
  backendFor,
} from '../context.js';
import { inferenceOptions, stageOptionsFrom, type InferenceArgs } from '../inference-options.js';
import { withConfigOptions } from '../options.js';

interface Args extends GlobalArgs, InferenceArgs {
  config?: string;
  set: string[];
  split?: string;
  predDir?: string;
  data?: string;
  labels?: LabelSet;
  tag?: string;
  json: boolean;
}

export function evaluateCommand(io: CliIO): CliCommand<Args> {
  return {
    command: 'evaluate',
    describe: 'Predict a split and score it with the KiTS metrics, or score existing predictions',
    builder: (y: Argv) =>
      inferenceOptions(withConfigOptions(y, true))
        .option('split', { type: 'string', describe: 'train | val | test | all | fold-K (default: val)' })
        .option('pred-dir', {
          type: 'string',
          describe: 'Score these prediction files instead of predicting',
        })
        .option('data', {
          type: 'string',
          describe:
            'With --pred-dir: the references; with --config: predict and score every case of this dataset instead of a split (e.g. data/real-ct)',
        })
        .option('labels', {
          choices: LABEL_SETS,
          describe: "Label set of the references (with --pred-dir; default: the config's data.labels)",
        })
        .option('tag', { type: 'string', describe: 'Suffix of the evaluation folder (e.g. tta)' })
        .option('json', { type: 'boolean', default: false }),
    handler: async (a: Args) => {
      const log = loggerFor(io, a);
      const split = a.split ?? 'val';
      if (a.predDir !== undefined) {
        if (a.data === undefined && a.config === undefined)
          throw new UsageError('--pred-dir needs --data (or --config for its dataset)');
        const cfg = a.config === undefined ? ConfigSchema.parse({}) : loadConfig(a.config, a.set);
        const root = a.data ?? cfg.data.root;
        // Scoring only: a reference folder is read, never written (no splits.json is saved there).
        const refs =
          a.split === undefined
            ? discoverCases(root)
            : splitCases(cfg, split, root, { write: false, warn: (m) => log.warn(m) });
        const scoring = { ...scoringOf(cfg), ...(a.labels === undefined ? {} : { labels: a.labels }) };
        const table = scorePredictions(a.predDir, refs, scoring);
        printResult(
          io,
          a.json,
          { tables: [table] },
          () => markdownTable(table) + '\n' + summaryLine(table) + '\n',
        );
        return;
      }
      if (a.config === undefined)
        throw new UsageError('give --config (predict and score) or --pred-dir (score files)');
      if (a.data !== undefined && a.split !== undefined)
        throw new UsageError('--data scores every case of that dataset; leave out --split');
      const cfg = loadConfig(a.config, a.set);
      const sel = await selectBackend(backendFor(a, cfg), { memory: 'release' });
      log.info(`backend: ${sel.name}`);
      const run = runDirOf(a.runs, cfg.name);
      const name = a.data === undefined ? split : basename(resolve(a.data));
      const outDir = run.evaluation(a.tag === undefined ? name : `${name}-${a.tag}`);
      const so = stageOptionsFrom(a);
      const data = a.data === undefined ? {} : { data: a.data };
      const res = await evaluateConfig(cfg, { ...so, split, outDir, log, ...data });
      const meta = {
        config: a.config,
        split: a.data === undefined ? split : null,
        data: a.data ?? cfg.data.root,
        backend: sel.name,
        checkpoints: res.checkpoints,
        ttaAxes: so.ttaAxes ?? cfg.inference.ttaAxes,
        peakRssMiB: res.peakRssMiB,
        detection: res.detection,
      };
      writeEvaluation(outDir, meta, res.tables);
      const det = res.detection;
      const boxes = det === null ? '' : detectionMarkdown(det) + '\n';
      if (res.tables.length === 0) {
        // A detector alone: box recall and precision are the whole evaluation.
        printResult(io, a.json, { ...meta, outDir }, () => boxes + `written to ${outDir}\n`);
        return;
      }
      const report = await writeHtmlReport({
        runDir: run.root,
        title: `${cfg.name} — ${name}${a.tag === undefined ? '' : ` (${a.tag})`}`,
        config: cfg,
        tables: res.tables,
        refs: a.data === undefined ? splitCases(cfg, split) : discoverCases(a.data),
        predictions: join(outDir, 'predictions'),
      });
      log.info(`report: ${report}`);
      printResult(
        io,
        a.json,
        { ...meta, outDir, tables: res.tables },
        () =>
          boxes +
          res.tables.map(markdownTable).join('\n') +
          '\n' +
          res.tables.map(summaryLine).join('\n') +
          `\npeak RSS ${res.peakRssMiB} MiB; written to ${outDir}\n`,
      );
    },
  };
}
