/**
 * The charts kitseg draws, as Vega-Lite specs built from its own records: training curves from
 * `metrics.jsonl` (nnU-Net's progress.png, with axes and a legend), per-case Dice of an evaluation,
 * and an experiment table's variants beside the paper's numbers.
 */
import type { ChartSpec } from './render.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';
const WIDTH = 560;

/** One line of `metrics.jsonl`: a train step, a validation, a data-loader report or an epoch's time. */
export interface MetricsRecord {
  readonly step: number;
  readonly epoch?: number;
  readonly loss?: number;
  readonly lr?: number;
  readonly val?: Readonly<Record<string, unknown>>;
  readonly valLoss?: number;
  readonly seconds?: number;
}

/** At most `n` points: the mean loss over equal runs of consecutive steps. */
function binnedLoss(
  steps: readonly { step: number; loss: number }[],
  n = 500,
): { step: number; value: number }[] {
  const k = Math.max(1, Math.ceil(steps.length / n));
  const out: { step: number; value: number }[] = [];
  for (let i = 0; i < steps.length; i += k) {
    const w = steps.slice(i, i + k);
    out.push({ step: w.at(-1)!.step, value: w.reduce((a, b) => a + b.loss, 0) / w.length });
  }
  return out;
}

/** Validation scores plotted, by their key in a val record: Dice per region, or a detector's boxes. */
const VAL_SERIES: readonly [key: string, title: string][] = [
  ['kidney', 'val Dice kidney'],
  ['masses', 'val Dice masses'],
  ['tumor', 'val Dice tumour'],
  ['composite', 'val Dice composite'],
  ['recall', 'val box recall'],
  ['precision', 'val box precision'],
];

/** Training curves: loss, validation Dice per region, learning rate and seconds per epoch. */
export function trainingCurvesSpec(records: readonly MetricsRecord[], title: string): ChartSpec {
  const steps = records.filter(
    (r): r is MetricsRecord & { loss: number } => r.loss !== undefined && r.val === undefined,
  );
  const loss = [
    ...binnedLoss(steps).map((p) => ({ ...p, series: 'train loss' })),
    ...records
      .filter((r) => r.valLoss !== undefined)
      .map((r) => ({ step: r.step, value: r.valLoss!, series: 'val loss' })),
  ];
  const dice = records.flatMap((r) =>
    r.val === undefined
      ? []
      : VAL_SERIES.filter(([k]) => typeof r.val![k] === 'number').map(([k, t]) => ({
          step: r.step,
          value: r.val![k] as number,
          series: t,
        })),
  );
  const lr = records.filter((r) => r.lr !== undefined).map((r) => ({ step: r.step, value: r.lr! }));
  const seconds = records
    .filter((r) => r.seconds !== undefined)
    .map((r) => ({ epoch: r.epoch ?? 0, value: r.seconds! }));
  const last = Math.max(1, ...records.map((r) => r.step));
  const step = { field: 'step', type: 'quantitative', title: 'step', scale: { domain: [0, last] } };
  const line = (values: object[], yTitle: string, extra: object = {}) => ({
    width: WIDTH,
    height: 160,
    data: { values },
    mark: { type: 'line', point: values.length < 60, tooltip: true },
    encoding: {
      x: step,
      y: { field: 'value', type: 'quantitative', title: yTitle, ...extra },
      color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'right' } },
    },
  });
  // Runs logged before the epoch timer have no seconds: the panel is left out.
  const secondsPanel = {
    width: WIDTH / 2 - 40,
    height: 110,
    data: { values: seconds },
    mark: { type: 'bar', color: '#888' },
    encoding: {
      x: { field: 'epoch', type: 'ordinal', title: 'epoch', axis: { labelOverlap: true } },
      y: { field: 'value', type: 'quantitative', title: 'seconds per epoch' },
    },
  };
  const spec = {
    $schema: SCHEMA,
    title,
    vconcat: [
      line(loss, 'loss', { scale: { zero: false } }),
      ...(dice.length === 0 ? [] : [line(dice, 'validation score', { scale: { domain: [0, 1] } })]),
      {
        hconcat: [
          {
            width: WIDTH / 2 - 40,
            height: 110,
            data: { values: lr },
            mark: { type: 'line', color: '#555' },
            encoding: {
              x: step,
              y: { field: 'value', type: 'quantitative', title: 'learning rate', axis: { format: '.1e' } },
            },
          },
          ...(seconds.length === 0 ? [] : [secondsPanel]),
        ],
      },
    ],
    config: { font: 'DejaVu Sans' },
  };
  return spec as unknown as ChartSpec;
}

/** Per-case Dice of one evaluation table: a box per region with each case as a point (hover: case id). */
export function caseDiceSpec(
  rows: readonly { id: string; region: string; dice: number }[],
  title: string,
): ChartSpec {
  // A fixed spread of the points within their region's band, so ties stay visible.
  const values = rows.map((r, i) => ({ ...r, jitter: ((i * 0.618034) % 1) - 0.5 }));
  const x = { field: 'dice', type: 'quantitative', title: 'Dice', scale: { domain: [0, 1] } };
  const y = { field: 'region', type: 'nominal', title: 'region', sort: null };
  const spec = {
    $schema: SCHEMA,
    title,
    width: WIDTH,
    height: { step: 50 },
    data: { values },
    layer: [
      { mark: { type: 'boxplot', extent: 'min-max', opacity: 0.35 }, encoding: { x, y } },
      {
        mark: { type: 'point', filled: true, size: 40, opacity: 0.8 },
        encoding: {
          x,
          y,
          yOffset: { field: 'jitter', type: 'quantitative', scale: { domain: [-1, 1] } },
          tooltip: [
            { field: 'id', title: 'case' },
            { field: 'dice', format: '.4f' },
          ],
        },
      },
    ],
    config: { font: 'DejaVu Sans' },
  };
  return spec as unknown as ChartSpec;
}

/** An experiment table: each variant's score beside the paper's, grouped per metric. */
export function experimentBarsSpec(
  rows: readonly { variant: string; metric: string; source: 'kitseg' | 'paper'; value: number }[],
  title: string,
): ChartSpec {
  return {
    $schema: SCHEMA,
    title,
    data: { values: rows },
    facet: { column: { field: 'metric', type: 'nominal', title: null } },
    spec: {
      width: 220,
      height: 200,
      mark: { type: 'bar', tooltip: true },
      encoding: {
        x: { field: 'variant', type: 'nominal', title: 'variant', axis: { labelAngle: -30 } },
        xOffset: { field: 'source' },
        y: { field: 'value', type: 'quantitative', title: 'Dice', scale: { domain: [0, 1] } },
        color: { field: 'source', type: 'nominal', title: 'source' },
      },
    },
    config: { font: 'DejaVu Sans' },
  } as ChartSpec;
}
