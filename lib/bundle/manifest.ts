/**
 * A model bundle: everything inference needs, in one folder, with no config file or run folder.
 *
 * ```
 * <bundle>/
 *   bundle.json                 the manifest below (format BUNDLE_FORMAT)
 *   <stage>/model-<k>/          tfjs LayersModel: model.json + weights.bin (k: ensemble member)
 * ```
 *
 * Each stage carries its whole resolved config (so inference, post-processing and the cascade
 * wiring are exactly those of training), its preprocessing plan (spacing, crop, normalisation with
 * its statistics) and where its weights came from.
 */
import { z } from 'zod';
import { ConfigSchema, type Config } from '../config/schema/index.js';
import { LABEL_SETS } from '../core/labels.js';
import { PlanSchema, type Plan } from '../preprocess/plan-schema.js';

/** The manifest format this kitseg writes and reads; a bundle from a newer one is refused. */
export const BUNDLE_FORMAT = 1;
export const MANIFEST_FILE = 'bundle.json';

const ProvenanceSchema = z.strictObject({
  /** The run folder's name. */
  run: z.string(),
  configHash: z.string(),
  /** The checkpoint exported per ensemble member (`best`, `last`, or a path). */
  checkpoints: z.array(z.string()).min(1),
  dataset: z.string(),
  /** Training steps done when the (first) checkpoint was written. */
  steps: z.number().int().nonnegative(),
  /** The validation record at that step (scores by region name), if the run validated. */
  val: z.strictObject({ step: z.number().int(), scores: z.record(z.string(), z.number()) }).nullable(),
});

export const BundleStageSchema = z.strictObject({
  config: ConfigSchema,
  plan: PlanSchema,
  /** Model folders relative to the bundle; several average into an ensemble. */
  models: z.array(z.string().regex(/^[a-z0-9-]+\/model-\d+$/)).min(1),
  provenance: ProvenanceSchema,
});

export const BundleManifestSchema = z.strictObject({
  format: z.literal(BUNDLE_FORMAT),
  kind: z.literal('kitseg-bundle'),
  name: z.string().min(1),
  kitseg: z.string(),
  created: z.string(),
  labels: z.strictObject({ set: z.enum(LABEL_SETS), names: z.array(z.string()).min(2) }),
  /** The stage that labels voxels, and the stage 1 (segmenter or detector) of a cascade. */
  main: BundleStageSchema,
  stage1: BundleStageSchema.nullable(),
});

export type BundleManifest = z.infer<typeof BundleManifestSchema>;
export type BundleStage = z.infer<typeof BundleStageSchema>;

/** A stage's config and plan, typed as inference takes them. */
export function stageParts(s: BundleStage): { cfg: Config; plan: Plan } {
  return { cfg: s.config as Config, plan: s.plan as Plan };
}
