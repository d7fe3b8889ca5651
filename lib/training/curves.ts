/**
 * The run folder's training curves (`curves.png`, `curves.svg` and the Vega-Lite spec
 * `curves.vl.json` that `report.html` embeds), drawn from every record in `metrics.jsonl`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { renderChart } from '../charts/render.js';
import { trainingCurvesSpec, type MetricsRecord } from '../charts/specs.js';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic.js';
import type { RunDir } from '../io/run-dir.js';

/** The records of a `metrics.jsonl` file, oldest first (none when it does not exist). */
export function readMetrics(path: string): MetricsRecord[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as MetricsRecord);
}

/** Redraws the run's curves from its metrics. */
export async function writeTrainingCurves(run: RunDir, name: string): Promise<void> {
  const spec = trainingCurvesSpec(readMetrics(run.metrics), `${name}: training`);
  const { svg, png } = await renderChart(spec);
  writeJsonAtomic(run.curvesSpec, spec);
  writeFileAtomic(run.curvesSvg, svg);
  writeFileAtomic(run.curves, png);
}
