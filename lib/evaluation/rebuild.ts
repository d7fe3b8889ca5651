/**
 * `kitseg report RUN`: rebuilds a run's `report.html` from what its folder holds, redrawing the
 * training curves from `metrics.jsonl` first (runs trained before the charts existed get them too).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { validateConfig } from '../config/load.js';
import { IoError } from '../core/errors.js';
import { discoverCases } from '../data/kits19.js';
import { runDir } from '../io/run-dir.js';
import { writeTrainingCurves } from '../training/curves.js';
import { writeHtmlReport } from './html-report.js';
import type { EvaluationTable } from './report.js';

/** The evaluation folder to report: `name`, or the one whose scores were written last. */
function evaluationFolder(root: string, name: string | undefined): string {
  const base = join(root, 'evaluation');
  const scored = existsSync(base)
    ? readdirSync(base).filter((n) => existsSync(join(base, n, 'scores.json')))
    : [];
  if (name !== undefined) {
    if (!scored.includes(name))
      throw new IoError(`no evaluation "${name}" (have: ${scored.join(', ') || 'none'})`, base);
    return join(base, name);
  }
  if (scored.length === 0) throw new IoError('no evaluation yet: run `kitseg evaluate` first', base);
  const mtime = (n: string) => statSync(join(base, n, 'scores.json')).mtimeMs;
  return join(
    base,
    scored.reduce((a, b) => (mtime(b) > mtime(a) ? b : a)),
  );
}

/** Rebuilds `report.html` of the run folder `root`; returns its path. */
export async function rebuildReport(root: string, evaluation?: string): Promise<string> {
  const run = runDir(root);
  if (!existsSync(run.config)) throw new IoError('not a run folder: no config.resolved.json', root);
  const { configHash: _hash, ...raw } = JSON.parse(readFileSync(run.config, 'utf8')) as Record<
    string,
    unknown
  >;
  const cfg = validateConfig(raw, run.config);
  const folder = evaluationFolder(root, evaluation);
  if (existsSync(run.metrics)) await writeTrainingCurves(run, cfg.name);
  const scores = JSON.parse(readFileSync(join(folder, 'scores.json'), 'utf8')) as {
    tables?: EvaluationTable[];
  };
  const tables = (scores.tables ?? []).map((t) => ({
    ...t,
    summary: { ...t.summary, labels: t.summary.labels ?? 'kits19' },
  }));
  if (tables.length === 0)
    throw new IoError('scores.json holds no segmentation table', join(folder, 'scores.json'));
  const ids = new Set(tables.flatMap((t) => t.cases.map((c) => c.id)));
  return writeHtmlReport({
    runDir: root,
    title: `${cfg.name} — ${folder.split('/').at(-1)!}`,
    config: cfg,
    tables,
    refs: discoverCases(cfg.data.root).filter((r) => ids.has(r.id)),
    predictions: join(folder, 'predictions'),
  });
}
