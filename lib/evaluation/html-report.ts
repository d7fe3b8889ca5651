/**
 * `runs/<name>/report.html`, self-contained (images inlined as data URIs): the resolved config, the
 * loss and Dice curves, the evaluation table, and for each case axial and coronal overlays of CT,
 * reference and prediction (kidney red, tumour green), worst composite Dice first.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CaseRef } from '../data/kits19.js';
import { writeFileAtomic } from '../io/atomic.js';
import { runDir } from '../io/run-dir.js';
import { readCanonical } from '../io/canonical.js';
import { renderOverlayPng } from '../io/render.js';
import { COLUMNS, caseRow, meanRow, type EvaluationTable } from './report.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const img = (png: Uint8Array, alt: string) =>
  `<img alt="${esc(alt)}" src="data:image/png;base64,${Buffer.from(png).toString('base64')}">`;
const f = (v: number | null | undefined, d = 4) =>
  v === null || v === undefined || Number.isNaN(v) ? '—' : v.toFixed(d);

function tableHtml(t: EvaluationTable): string {
  const rows = [...t.cases.map(caseRow), meanRow(t.summary).map((c) => c.replace(/\*/g, ''))];
  const cells = (r: string[], tag: string) => r.map((c) => `<${tag}>${esc(c)}</${tag}>`).join('');
  return `<h3>${esc(t.name)}</h3><table><tr>${cells(COLUMNS, 'th')}</tr>${rows.map((r) => `<tr>${cells(r, 'td')}</tr>`).join('')}</table>`;
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

/** Writes `report.html` into the run folder; returns its path. */
export function writeHtmlReport(r: ReportInput): string {
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
  const curves = runDir(r.runDir).curves;
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${esc(r.title)}</title><style>
body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}
th{background:#eee}figure{display:inline-block;margin:0 1em 1em 0}img{image-rendering:pixelated;max-width:100%}pre{background:#f6f6f6;padding:1em;overflow:auto;max-height:30em}
</style></head><body><h1>${esc(r.title)}</h1>
<h2>Curves</h2>${existsSync(curves) ? img(readFileSync(curves), 'loss and Dice curves') : '<p>no curves.png in the run folder</p>'}
<h2>Evaluation</h2>${r.tables.map(tableHtml).join('')}
<h2>Cases, worst first</h2><p>kidney red, tumour green</p>${figures.join('')}
<h2>Resolved config</h2><pre>${esc(JSON.stringify(r.config, null, 2))}</pre></body></html>`;
  const path = runDir(r.runDir).report;
  writeFileAtomic(path, html);
  return path;
}
