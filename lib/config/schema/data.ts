/** Config schema: where the dataset lives and how it is split. */
import { z } from 'zod';
import { LABEL_SETS } from '../../core/labels.js';

/** A split size: a fraction of the cases in (0, 1) or an absolute case count. */
const SplitSize = z.number().nonnegative();

export const SplitsSchema = z.strictObject({
  /** Splits file, relative to `data.root` unless absolute. Made once, then reused. */
  file: z.string().min(1).default('splits.json'),
  /** Seed of the case shuffle; independent of the run seed so runs share one split. */
  seed: z.number().int().nonnegative().default(0),
  /** Number of cross-validation folds over the non-test cases (nnU-Net: 5). */
  folds: z.number().int().min(2).default(5),
  /** Validation size of the holdout split: a fraction < 1 or a case count ≥ 1. */
  val: SplitSize.default(0.2),
  /** Labelled cases held out as test: a fraction < 1 or a case count ≥ 1. */
  test: SplitSize.default(0),
});

export const DataSchema = z.strictObject({
  /** Dataset folder in the KiTS19 layout (case_XXXXX/imaging.nii.gz, segmentation.nii.gz). */
  root: z.string().min(1).default('data/synthetic'),
  /** The label set of the dataset's segmentations (KiTS23's folder layout is KiTS19's). */
  labels: z.enum(LABEL_SETS).default('kits19'),
  splits: SplitsSchema.prefault({}),
  /** Cross-validation fold to train on; `null` uses the holdout train/val split. */
  fold: z.number().int().nonnegative().nullable().default(null),
  /** Split names used for training and validation. */
  trainSplit: z.string().default('train'),
  /**
   * More labelled case folders (KiTS layout) added to the train cases only, e.g. the output of
   * `kitseg augment register`. Their case ids must not repeat the dataset's.
   */
  extra: z.array(z.string().min(1)).default([]),
  /**
   * Other renderings of the dataset's own cases (the same ids over the same label maps, e.g. the
   * fixed style beside `--randomize`): each train case of the split is added once more from every
   * folder, as `<id>@<folder name>`; val and test cases never are, so no val anatomy is trained on.
   */
  renderings: z.array(z.string().min(1)).default([]),
  valSplit: z.string().default('val'),
  /**
   * Domain randomisation on the fly: each training patch is, with `probability`, re-shaded from its
   * case's tissue map (`tissue.nii.gz`, which `kitseg synth --from-labels --randomize` writes) with a
   * newly drawn phase, palette and scanner. `null`: the stored images only. Validation always sees
   * the stored images, so its scores stay comparable from epoch to epoch. `wild`: the share of those
   * patches whose palette ignores the phase (SynthSeg's uniform intensities; any organ, bone
   * included, may be the brightest).
   */
  render: z
    .strictObject({
      probability: z.number().min(0).max(1).default(1),
      wild: z.number().min(0).max(1).default(0),
    })
    .nullable()
    .default(null),
});
export type DataConfig = z.infer<typeof DataSchema>;
