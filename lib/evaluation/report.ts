/** Evaluation tables: Markdown / plain text for people, CSV and JSON for tools. */
import type { BoxScores } from '../detection/metrics.js';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic.js';
import type { CaseScores, Summary } from './scores.js';

export interface EvaluationTable {
  /** e.g. "raw", "postprocessed". */
  readonly name: string;
  readonly cases: readonly CaseScores[];
  readonly summary: Summary;
}

const f = (v: number | null | undefined, digits = 4) =>
  v === null || v === undefined || Number.isNaN(v) ? '—' : v.toFixed(digits);

export const COLUMNS = [
  'case',
  'kidney Dice',
  'tumour Dice',
  'composite',
  'kidney HD95 mm',
  'tumour HD95 mm',
  'kidney SD',
  'tumour SD',
  'kidney sens',
  'kidney prec',
  'tumour sens',
  'tumour prec',
  's',
];

/** The table cells of one case (also used by the HTML report). */
export function caseRow(c: CaseScores): string[] {
  return [
    c.id,
    f(c.kidney.dice),
    f(c.tumor.dice),
    f(c.composite),
    f(c.kidney.hd95, 2),
    f(c.tumor.hd95, 2),
    f(c.kidney.surfaceDice),
    f(c.tumor.surfaceDice),
    f(c.kidney.sensitivity),
    f(c.kidney.precision),
    f(c.tumor.sensitivity),
    f(c.tumor.precision),
    f(c.seconds, 1),
  ];
}

/** The table cells of the means. */
export function meanRow(s: Summary): string[] {
  return [
    '**mean**',
    f(s.kidney),
    f(s.tumor),
    f(s.composite),
    f(s.kidneyHd95, 2),
    f(s.tumorHd95, 2),
    f(s.kidneySurfaceDice),
    f(s.tumorSurfaceDice),
    '',
    '',
    '',
    '',
    '',
  ];
}

export function markdownTable(t: EvaluationTable): string {
  const rows = [COLUMNS, COLUMNS.map(() => '---'), ...t.cases.map(caseRow), meanRow(t.summary)];
  return (
    `### ${t.name} (${t.summary.cases} cases)\n\n` + rows.map((r) => `| ${r.join(' | ')} |`).join('\n') + '\n'
  );
}

export function summaryLine(t: EvaluationTable): string {
  const s = t.summary;
  return `${t.name.padEnd(14)} kidney ${f(s.kidney)}  tumour ${f(s.tumor)}  composite ${f(s.composite)}  (HD95 kidney ${f(s.kidneyHd95, 1)} mm, tumour ${f(s.tumorHd95, 1)} mm; ${s.cases} cases)`;
}

function csv(tables: readonly EvaluationTable[]): string {
  const head = [
    'table',
    'case',
    'kidney_dice',
    'tumor_dice',
    'composite',
    'kidney_hd95_mm',
    'tumor_hd95_mm',
    'kidney_surface_dice',
    'tumor_surface_dice',
    'kidney_sensitivity',
    'kidney_precision',
    'tumor_sensitivity',
    'tumor_precision',
    'seconds',
  ];
  const num = (v: number | null | undefined) => (v === null || v === undefined ? '' : String(v));
  const lines = [head.join(',')];
  for (const t of tables)
    for (const c of t.cases)
      lines.push(
        [
          t.name,
          c.id,
          c.kidney.dice,
          c.tumor.dice,
          c.composite,
          c.kidney.hd95,
          c.tumor.hd95,
          c.kidney.surfaceDice,
          c.tumor.surfaceDice,
          c.kidney.sensitivity,
          c.kidney.precision,
          c.tumor.sensitivity,
          c.tumor.precision,
          c.seconds,
        ]
          .map((v) => (typeof v === 'string' ? v : num(v)))
          .join(','),
      );
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
