/**
 * `runs/<name>/report.html`, self-contained (scripts and images inlined): the training curves and
 * the per-case Dice as interactive Vega-Lite charts (static SVG until the scripts run), the
 * evaluation table, for each case axial and coronal overlays of CT, reference and prediction
 * (kidney red, tumour green, cyst blue), worst composite Dice first, and the resolved config.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chartFigure, chartScripts } from '../charts/embed.js';
import { chartSvg, type ChartSpec } from '../charts/render.js';
import { caseDiceSpec } from '../charts/specs.js';
import type { CaseRef } from '../data/kits19.js';
import { writeFileAtomic } from '../io/atomic.js';
import { runDir } from '../io/run-dir.js';
import { readCanonical } from '../io/canonical.js';
import { renderOverlayPng } from '../io/render.js';
import { caseRow, headRow, meanRow, type EvaluationTable } from './report.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const img = (png: Uint8Array, alt: string) =>
  `<img alt="${esc(alt)}" src="data:image/png;base64,${Buffer.from(png).toString('base64')}">`;
const f = (v: number | null | undefined, d = 4) =>
  v === null || v === undefined || Number.isNaN(v) ? '—' : v.toFixed(d);

function tableHtml(t: EvaluationTable): string {
  const labels = t.summary.labels;
  const rows = [
    ...t.cases.map((c) => caseRow(c, labels)),
    meanRow(t.summary).map((c) => c.replace(/\*/g, '')),
  ];
  const cells = (r: string[], tag: string) => r.map((c) => `<${tag}>${esc(c)}</${tag}>`).join('');
  return `<h3>${esc(t.name)}</h3><table><tr>${cells(headRow(labels), 'th')}</tr>${rows.map((r) => `<tr>${cells(r, 'td')}</tr>`).join('')}</table>`;
}

export interface ReportInput {
  readonly runDir: string;
  readonly title: string;
  readonly config: unknown;
  readonly tables: readonly EvaluationTable[];
  readonly refs: readonly CaseRef[];
  /** Folder of `<case>.nii.gz` predictions. */
  readonly predictions: string;
}

/** The per-case Dice rows of a table, one per case and region. */
function diceRows(t: EvaluationTable): { id: string; region: string; dice: number }[] {
  const k23 = t.summary.labels === 'kits23';
  return t.cases.flatMap((c) => [
    { id: c.id, region: k23 ? 'kidney+masses' : 'kidney', dice: c.kidney.dice },
    ...(c.masses === undefined ? [] : [{ id: c.id, region: 'masses', dice: c.masses.dice }]),
    { id: c.id, region: 'tumour', dice: c.tumor.dice },
  ]);
}

/** The training curves saved in the run folder, if it has them. */
function curvesFigure(dir: string): string {
  const run = runDir(dir);
  if (!existsSync(run.curvesSpec) || !existsSync(run.curvesSvg))
    return '<p>no training curves in the run folder</p>';
  const spec = JSON.parse(readFileSync(run.curvesSpec, 'utf8')) as ChartSpec;
  return chartFigure('curves', spec, readFileSync(run.curvesSvg, 'utf8'));
}

/** Writes `report.html` into the run folder; returns its path. */
export async function writeHtmlReport(r: ReportInput): Promise<string> {
  const table = r.tables.at(-1)!;
  const byId = new Map(r.refs.map((x) => [x.id, x]));
  const cases = [...table.cases].sort((a, b) => a.composite - b.composite);
  const figures = cases.map((c) => {
    const ref = byId.get(c.id);
    const predPath = join(r.predictions, `${c.id}.nii.gz`);
    if (ref?.segmentationPath === undefined || !existsSync(predPath)) return '';
    const ct = readCanonical(ref.imagingPath);
    const panels = [readCanonical(ref.segmentationPath).data, readCanonical(predPath).data];
    const views = (['axial', 'coronal'] as const).map((axis) => {
      const { png, index } = renderOverlayPng({
        image: ct.data,
        shape: ct.shape,
        spacingMm: ct.spacingMm,
        panels,
        axis,
      });
      return `<figure>${img(png, `${c.id} ${axis}`)}<figcaption>${axis} slice ${index}: CT · reference · prediction</figcaption></figure>`;
    });
    return `<section><h3>${esc(c.id)} — kidney ${f(c.kidney.dice)}, tumour ${f(c.tumor.dice)}</h3>${views.join('')}</section>`;
  });
  const diceSpec = caseDiceSpec(diceRows(table), `${table.name}: Dice per case`);
  const dice = chartFigure('dice', diceSpec, await chartSvg(diceSpec));
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${esc(r.title)}</title><style>
body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}
th{background:#eee}figure{display:inline-block;margin:0 1em 1em 0}img{image-rendering:pixelated;max-width:100%}pre{background:#f6f6f6;padding:1em;overflow:auto;max-height:30em}
</style></head><body><h1>${esc(r.title)}</h1>
${chartScripts()}
<h2>Training curves</h2>${curvesFigure(r.runDir)}
<h2>Evaluation</h2>${dice}${r.tables.map(tableHtml).join('')}
<h2>Cases, worst first</h2><p>kidney red, tumour green, cyst blue</p>${figures.join('')}
<h2>Resolved config</h2><pre>${esc(JSON.stringify(r.config, null, 2))}</pre></body></html>`;
  const path = runDir(r.runDir).report;
  writeFileAtomic(path, html);
  return path;
}
