/**
 * Experiment files (`experiments/<paper>.yaml`): a paper's ablation table as a typed list of
 * variants — each a config plus overrides, trained and evaluated, or evaluated from another
 * variant's run with different inference settings — with the paper's reported numbers beside.
 */
import { z } from 'zod';

/** Sizes a table runs at: `tiny` (a smoke run), `cpu` (converged on a 2-core CPU), `paper` (a GPU). */
export const SCALES = ['tiny', 'cpu', 'paper'] as const;
export type Scale = (typeof SCALES)[number];

const Name = z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only');
const Score = z.number().min(0).max(1);

/** A row's published scores; a detector's box recall and precision. */
export const Reported = z.strictObject({
  kidney: Score.optional(),
  tumor: Score.optional(),
  composite: Score.optional(),
  recall: Score.optional(),
  precision: Score.optional(),
});
const ReportedRef = z
  .string()
  .regex(/^[a-z0-9_]+(\.[A-Za-z0-9_]+)+$/, 'a dotted path such as zhang.table1_val.0');

export const VariantSchema = z.strictObject({
  name: Name,
  /** Table row label (default: the name). */
  label: z.string().optional(),
  /** Config file (paths relative to the working directory, as everywhere). */
  config: z.string(),
  /** `--set` overrides at every scale. */
  set: z.array(z.string()).default([]),
  /** Extra overrides at `--scale tiny` (after the experiment's). */
  tiny: z.array(z.string()).default([]),
  /** Extra overrides at `--scale cpu` (after the experiment's). */
  cpu: z.array(z.string()).default([]),
  /** Extra overrides at `--scale paper` (after the experiment's). */
  paper: z.array(z.string()).default([]),
  /** Evaluate this other variant's trained run instead of training (e.g. + TTA, + post-processing). */
  from: Name.nullable().default(null),
  /** The variant whose run is this cascade stage 2's stage 1. */
  stage1: Name.nullable().default(null),
  /** Scored with mirroring TTA over its config's `inference.ttaAxes` (every other row without TTA). */
  tta: z.boolean().default(false),
  /** Checkpoints evaluated: the run's `best`, or every kept `epoch-*` (train.keepTopK) as an ensemble. */
  checkpoints: z.enum(['best', 'top']).default('best'),
  /** Ensemble: also average the `last` checkpoint of these variants' runs with this one's best. */
  ensembleWith: z.array(Name).default([]),
  /**
   * The paper's numbers for this row: a dotted path into `reported.yaml` beside the experiment file
   * (`zhang.table1_val.0`), resolved when the file loads, or the numbers themselves.
   */
  reported: z.union([ReportedRef, Reported]).nullable().default(null),
});

export const ExperimentSchema = z.strictObject({
  name: Name,
  paper: z.string(),
  /** Which table of the paper this reproduces. */
  table: z.string(),
  description: z.string().default(''),
  scales: z
    .strictObject({
      tiny: z.strictObject({ set: z.array(z.string()).default([]) }).prefault({}),
      /** Absent until sized for a file: `--scale cpu` is then an error, not the default configs. */
      cpu: z.strictObject({ set: z.array(z.string()).default([]) }).optional(),
      paper: z.strictObject({ set: z.array(z.string()).default([]) }).prefault({}),
    })
    .prefault({}),
  variants: z.array(VariantSchema).min(1),
});

type VariantFile = z.infer<typeof VariantSchema>;
/** A variant as loaded: its `reported` reference resolved to numbers. */
export type Variant = Omit<VariantFile, 'reported'> & { readonly reported: z.infer<typeof Reported> | null };
export type Experiment = Omit<z.infer<typeof ExperimentSchema>, 'variants'> & {
  /** The file it was loaded from, for messages. */
  readonly file: string;
  readonly variants: Variant[];
};
