/**
 * The root config schema. Every config type in kitseg is inferred from here; defaults live here
 * and nowhere else.
 */
import { z } from 'zod';
import { DataSchema } from './data.js';
import { ModelSchema } from './model.js';
import { LossSchema } from './loss.js';
import { PreprocessSchema } from './preprocess.js';
import { EvaluationSchema, InferenceSchema, PostprocessSchema } from './inference.js';
import { OptimSchema, TrainSchema } from './train.js';

export const BACKEND_NAMES = ['auto', 'tensorflow-gpu', 'tensorflow', 'dnnl', 'cpu'] as const;

export const ConfigSchema = z.strictObject({
  /** Path of a config this one inherits from (resolved by the loader, not kept). */
  extends: z.string().optional(),
  /** Run name: the run folder is `runs/<name>/`. */
  name: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only')
    .default('run'),
  /** Root seed of every random stream. 0 is a seed like any other. */
  seed: z.number().int().nonnegative().default(0),
  backend: z.enum(BACKEND_NAMES).default('auto'),
  data: DataSchema.prefault({}),
  preprocess: PreprocessSchema.prefault({}),
  model: ModelSchema.prefault({ type: 'unet3d' }),
  loss: LossSchema.prefault({ type: 'diceCe' }),
  optim: OptimSchema.prefault({ type: 'adam' }),
  train: TrainSchema.prefault({}),
  inference: InferenceSchema.prefault({}),
  postprocess: PostprocessSchema.prefault({}),
  evaluation: EvaluationSchema.prefault({}),
});

/** A fully resolved, validated config. */
export type Config = z.infer<typeof ConfigSchema>;
/** What a YAML file may contain before defaults are applied. */
export type ConfigInput = z.input<typeof ConfigSchema>;
