/**
 * What a reader of a committed table needs from each variant, copied out of `runs/` (which is not
 * committed) into `results/<experiment>/<variant>[-fold<k>]/`: the per-case scores of its val
 * scoring and, for a variant that trained its own run, the val curve behind the convergence cell.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { IoError } from '../core/errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import type { RunDir } from '../io/run-dir.js';

/** The files of an evaluation folder kept per variant (its predictions are not). */
export const KEPT_SCORES = ['scores.json', 'scores.csv', 'scores.md'] as const;

/**
 * Copies the scores in `evaluationDir` (and, when `trained`, the run's `metrics.jsonl` and curves)
 * into `dest`, each file atomically; returns the paths written.
 */
export function keepVariantFiles(
  run: RunDir,
  evaluationDir: string,
  dest: string,
  trained: boolean,
): string[] {
  const required = [join(evaluationDir, 'scores.json'), ...(trained ? [run.metrics] : [])];
  // Curves are redrawn each epoch, but a run trained before the charts existed has none.
  const optional = [
    ...KEPT_SCORES.slice(1).map((n) => join(evaluationDir, n)),
    ...(trained ? [run.curves, run.curvesSvg, run.curvesSpec] : []),
  ];
  for (const src of required)
    if (!existsSync(src)) throw new IoError('expected this file of a finished variant, found none', src);
  const written: string[] = [];
  for (const src of [...required, ...optional]) {
    if (!existsSync(src)) continue;
    const out = join(dest, basename(src));
    writeFileAtomic(out, readFileSync(src));
    written.push(out);
  }
  return written;
}
