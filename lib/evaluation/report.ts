/** Evaluation tables: Markdown / plain text for people, CSV and JSON for tools. */
import type { BoxScores } from '../detection/metrics.js';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic.js';
import type { LabelSet } from '../core/labels.js';
import type { CaseScores, RegionScores, Summary } from './scores.js';

export interface EvaluationTable {
  /** e.g. "raw", "postprocessed". */
  readonly name: string;
  readonly cases: readonly CaseScores[];
  readonly summary: Summary;
}

const f = (v: number | null | undefined, digits = 4) =>
  v === null || v === undefined || Number.isNaN(v) ? '—' : v.toFixed(digits);

/** One table column: its header, CSV name, per-case cell and (when it has one) the mean cell. */
interface Column {
  readonly head: string;
  readonly csv: string;
  readonly value: (c: CaseScores) => number | null | undefined;
  readonly digits?: number;
  readonly mean?: (s: Summary) => number | null | undefined;
}

function regionColumns(
  title: string,
  key: string,
  get: (c: CaseScores) => RegionScores | undefined,
  sum: (s: Summary) => { dice: number; hd95: number | null; surfaceDice: number } | undefined,
): Column[] {
  return [
    { head: `${title} Dice`, csv: `${key}_dice`, value: (c) => get(c)?.dice, mean: (s) => sum(s)?.dice },
    {
      head: `${title} HD95 mm`,
      csv: `${key}_hd95_mm`,
      value: (c) => get(c)?.hd95,
      digits: 2,
      mean: (s) => sum(s)?.hd95,
    },
    {
      head: `${title} SD`,
      csv: `${key}_surface_dice`,
      value: (c) => get(c)?.surfaceDice,
      mean: (s) => sum(s)?.surfaceDice,
    },
  ];
}

const KIDNEY = (s: Summary) => ({ dice: s.kidney, hd95: s.kidneyHd95, surfaceDice: s.kidneySurfaceDice });
const TUMOUR = (s: Summary) => ({ dice: s.tumor, hd95: s.tumorHd95, surfaceDice: s.tumorSurfaceDice });

const TAIL: Column[] = [
  { head: 'kidney sens', csv: 'kidney_sensitivity', value: (c) => c.kidney.sensitivity },
  { head: 'kidney prec', csv: 'kidney_precision', value: (c) => c.kidney.precision },
  { head: 'tumour sens', csv: 'tumor_sensitivity', value: (c) => c.tumor.sensitivity },
  { head: 'tumour prec', csv: 'tumor_precision', value: (c) => c.tumor.precision },
  { head: 's', csv: 'seconds', value: (c) => c.seconds, digits: 1 },
];

/** The columns of a table of `labels` cases: KiTS19's two regions, or KiTS21/23's three and their means. */
export function columnsFor(labels: LabelSet): Column[] {
  if (labels === 'kits19')
    return [
      ...regionColumns('kidney', 'kidney', (c) => c.kidney, KIDNEY),
      ...regionColumns('tumour', 'tumor', (c) => c.tumor, TUMOUR),
      { head: 'composite', csv: 'composite', value: (c) => c.composite, mean: (s) => s.composite },
      ...TAIL,
    ];
  return [
    ...regionColumns('kidney+masses', 'kidney_masses', (c) => c.kidney, KIDNEY),
    ...regionColumns(
      'masses',
      'masses',
      (c) => c.masses,
      (s) => s.masses,
    ),
    ...regionColumns('tumour', 'tumor', (c) => c.tumor, TUMOUR),
    { head: 'mean Dice', csv: 'mean_dice', value: (c) => c.composite, mean: (s) => s.composite },
    {
      head: 'mean SD',
      csv: 'mean_surface_dice',
      value: (c) => c.meanSurfaceDice,
      mean: (s) => s.meanSurfaceDice,
    },
    ...TAIL,
  ];
}

/** The header cells of a table. */
export function headRow(labels: LabelSet): string[] {
  return ['case', ...columnsFor(labels).map((c) => c.head)];
}

/** The table cells of one case (also used by the HTML report). */
export function caseRow(c: CaseScores, labels: LabelSet): string[] {
  return [c.id, ...columnsFor(labels).map((col) => f(col.value(c), col.digits))];
}

/** The table cells of the means. */
export function meanRow(s: Summary): string[] {
  return [
    '**mean**',
    ...columnsFor(s.labels).map((col) => (col.mean === undefined ? '' : f(col.mean(s), col.digits))),
  ];
}

export function markdownTable(t: EvaluationTable): string {
  const head = headRow(t.summary.labels);
  const rows = [
    head,
    head.map(() => '---'),
    ...t.cases.map((c) => caseRow(c, t.summary.labels)),
    meanRow(t.summary),
  ];
  return (
    `### ${t.name} (${t.summary.cases} cases)\n\n` + rows.map((r) => `| ${r.join(' | ')} |`).join('\n') + '\n'
  );
}

export function summaryLine(t: EvaluationTable): string {
  const s = t.summary;
  if (s.masses !== undefined)
    return `${t.name.padEnd(14)} kidney+masses ${f(s.kidney)}  masses ${f(s.masses.dice)}  tumour ${f(s.tumor)}  mean Dice ${f(s.composite)}  mean SD ${f(s.meanSurfaceDice)}  (${s.cases} cases)`;
  return `${t.name.padEnd(14)} kidney ${f(s.kidney)}  tumour ${f(s.tumor)}  composite ${f(s.composite)}  (HD95 kidney ${f(s.kidneyHd95, 1)} mm, tumour ${f(s.tumorHd95, 1)} mm; ${s.cases} cases)`;
}

function csv(tables: readonly EvaluationTable[]): string {
  const labels = tables[0]?.summary.labels ?? 'kits19';
  const cols = columnsFor(labels);
  const num = (v: number | null | undefined) => (v === null || v === undefined ? '' : String(v));
  const lines = [['table', 'case', ...cols.map((c) => c.csv)].join(',')];
  for (const t of tables)
    for (const c of t.cases) lines.push([t.name, c.id, ...cols.map((col) => num(col.value(c)))].join(','));
  return lines.join('\n') + '\n';
}

/** Writes `scores.json`, `scores.csv` and `scores.md` into `dir`. */
export function writeEvaluation(
  dir: string,
  meta: Record<string, unknown>,
  tables: readonly EvaluationTable[],
): void {
  mkdirSync(dir, { recursive: true });
  writeJsonAtomic(join(dir, 'scores.json'), { ...meta, tables });
  writeFileAtomic(join(dir, 'scores.csv'), csv(tables));
  const head = Object.entries(meta)
    .map(([k, v]) => `- ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join('\n');
  const det = meta['detection'] as Parameters<typeof detectionMarkdown>[0] | null | undefined;
  writeFileAtomic(
    join(dir, 'scores.md'),
    `# Evaluation\n\n${head}\n\n${det === null || det === undefined ? '' : detectionMarkdown(det) + '\n'}${tables.map(markdownTable).join('\n')}`,
  );
}

/** The detector's box recall and precision: one row per case and the total over all slices. */
export function detectionMarkdown(d: {
  readonly summary: BoxScores;
  readonly cases: readonly ({ readonly id: string } & BoxScores)[];
}): string {
  const row = (id: string, s: BoxScores) =>
    `| ${id} | ${s.recall.toFixed(4)} | ${s.precision.toFixed(4)} | ${s.truePositives} | ${s.groundTruth} | ${s.detections} |`;
  return [
    '| detector (IoU ≥ 0.5) | box recall | box precision | matched | kidney boxes | detections |',
    '|---|---|---|---|---|---|',
    ...d.cases.map((c) => row(c.id, c)),
    row('**all slices**', d.summary),
    '',
  ].join('\n');
}
