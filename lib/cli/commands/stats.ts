/** `kitseg stats --data DIR`: dataset facts from the label maps, beside the papers' claims. */
import type { Argv } from 'yargs';
import { discoverCases } from '../../data/kits19.js';
import { aggregateStats, caseStats, type DatasetStats } from '../../data/stats.js';
import { readCanonical } from '../../io/canonical.js';
import { loggerFor, printResult, type CliCommand, type CliIO, type GlobalArgs } from '../context.js';

interface Args extends GlobalArgs {
  data: string;
  json: boolean;
}

const f2 = (x: number) => x.toFixed(2);

function human(s: DatasetStats): string {
  const t = s.tumourEigenRatio;
  const ta = s.tumourEigenRatioAll;
  const k = s.kidneyVolumeRatio;
  const e = s.extentMm;
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  return [
    `cases: ${s.cases}`,
    `spacing (mm): ${s.spacingMm.map((a) => `${a.axis} ${f2(a.min)}–${f2(a.max)} (median ${f2(a.median)})`).join('; ')}`,
    '',
    '| fact | ours | paper |',
    '| --- | --- | --- |',
    `| tumour λ1/λ2 of each case's largest tumour component, 5th–95th percentile (n = ${t.n}) | ${f2(t.p5)}–${f2(t.p95)} (median ${f2(t.median)}) | ${t.claim.p5}–${t.claim.p95} |`,
    `| tumour λ1/λ2 of all of each case's tumour voxels, 5th–95th percentile (n = ${ta.n}) | ${f2(ta.p5)}–${f2(ta.p95)} (median ${f2(ta.median)}) | (the paper does not say which) |`,
    `| kidney volume ratio ≤ 3× (${k.twoComponentCases} two-kidney cases) | ${pct(k.fractionWithin3x)} (median ${f2(k.median)}, max ${f2(k.max)}) | ≤ ${k.claim.value}× assumed |`,
    `| kidney+tumour extent fits ROI x × y × z | ${pct(e.fractionFittingWeiRoi)} (max ${f2(e.max.x)} × ${f2(e.max.y)} × ${f2(e.max.z)} mm) | ${f2(e.claim.x)} × ${f2(e.claim.y)} × ${f2(e.claim.z)} mm |`,
    `| foreground components per case | median ${s.components.median}, max ${s.components.max} | 2 kidneys (tumours inside) |`,
    ...cystRows(s),
    '',
  ].join('\n');
}

function cystRows(s: DatasetStats): string[] {
  const c = s.cysts;
  if (c === null) return [];
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  return [
    `| cases with cysts (label 3) | ${c.casesWithCysts} of ${s.cases} (components per case: median ${c.componentsPerCase.median}, max ${c.componentsPerCase.max}) | — |`,
    `| cyst component volume (ml) | median ${f2(c.volumeMl.median)}, 95th percentile ${f2(c.volumeMl.p95)}, max ${f2(c.volumeMl.max)} | — |`,
    `| cyst components sharing a face with kidney or tumour | ${pct(c.fractionTouchingKidney)} | — |`,
    `| cyst share of the mass (tumour + cyst) volume | ${pct(c.cystFractionOfMassVolume)} | — |`,
  ];
}

export function statsCommand(io: CliIO): CliCommand<Args> {
  return {
    command: 'stats',
    describe: "Dataset facts from the label maps, printed beside the seed papers' claims",
    builder: (y: Argv) =>
      y
        .option('data', {
          type: 'string',
          default: 'data/synthetic',
          describe: 'Dataset folder (KiTS19 layout)',
        })
        .option('json', { type: 'boolean', default: false, describe: 'Print JSON (with per-case facts)' }),
    handler: (args: Args) => {
      const log = loggerFor(io, args);
      const cases = discoverCases(args.data, false).filter((c) => c.segmentationPath !== undefined);
      const per = cases.map((c, i) => {
        log.info(`stats [${i + 1}/${cases.length}] ${c.id}`);
        return caseStats(c.id, readCanonical(c.segmentationPath!));
      });
      const s = aggregateStats(per);
      printResult(io, args.json, s, () => human(s));
    },
  };
}
