/**
 * The root config schema. Every config type in kitseg is inferred from here; defaults live here
 * and nowhere else.
 */
import { LABEL_SCHEMES } from '../../core/labels.js';
import { z } from 'zod';
import { DataSchema } from './data.js';
import { modelTraits, ModelSchema } from './model.js';
import { LossSchema } from './loss.js';
import { PreprocessSchema } from './preprocess.js';
import { EvaluationSchema, InferenceSchema, PostprocessSchema } from './inference.js';
import { OptimSchema, TrainSchema } from './train.js';

export const BACKEND_NAMES = ['auto', 'tensorflow-gpu', 'tensorflow', 'dnnl', 'cpu'] as const;

const Fields = z.strictObject({
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

export const ConfigSchema = Fields.superRefine((cfg, ctx) => {
  for (const [path, message] of crossFieldIssues(cfg)) ctx.addIssue({ code: 'custom', path, message });
});

type Resolved = z.output<typeof Fields>;

/** A segmentation model's outputs must code the label set: all its classes, or its nested regions. */
function labelSetIssues(cfg: Resolved, task: string): [string[], string][] {
  if (task !== 'segmentation') return [];
  const set = cfg.data.labels;
  const { classes } = LABEL_SCHEMES[set];
  const m = cfg.model;
  const out: [string[], string][] = [];
  if (m.outActivation === 'softmax' && m.outChannels !== classes)
    out.push([
      ['model', 'outChannels'],
      `a softmax model of data.labels ${set} has one channel per class: expected ${classes}, got ${m.outChannels}`,
    ]);
  const regions = set === 'kits19' ? [1, 2] : [3];
  if (m.outActivation === 'sigmoid' && !regions.includes(m.outChannels))
    out.push([
      ['model', 'outChannels'],
      `a sigmoid model of data.labels ${set} has one channel per nested region (${set === 'kits19' ? '1: kidney+tumour, or 2: and tumour' : '3: kidney+masses, masses, tumour'}), got ${m.outChannels}`,
    ]);
  if (set === 'kits23' && cfg.postprocess.cystFilter !== null)
    out.push([
      ['postprocess', 'cystFilter'],
      'relabels cyst-like tumours as kidney, the KiTS19 convention; KiTS21/23 labels cysts (3), so leave it unset',
    ]);
  return out;
}

/**
 * The rules that tie keys of different blocks together, each with the key to blame. They are part
 * of the schema, so a violation is a config error (exit 2) before any data is read.
 */
function crossFieldIssues(cfg: Resolved): [string[], string][] {
  const out: [string[], string][] = [];
  const traits = modelTraits(cfg.model);
  const p = cfg.train.patchSize;
  const type = cfg.model.type;
  if (traits.dims === 2 && p[0] !== 1)
    out.push([
      ['train', 'patchSize'],
      `a ${type} model sees axial slices: expected [1, H, W], got [${p.join(', ')}]`,
    ]);
  const multiple = traits.patchMultiple(cfg.model);
  p.forEach((s, a) => {
    if (s % multiple[a]! !== 0)
      out.push([
        ['train', 'patchSize'],
        `axis ${a} (${s}) must be a multiple of ${multiple[a]}, the ${type} network's downsampling [${multiple.join(', ')}]`,
      ]);
  });
  if (cfg.train.slices !== null && (traits.task !== 'segmentation' || traits.dims !== 2))
    out.push([
      ['train', 'slices'],
      `slice sampling needs a 2D segmentation model (model.type unet2d), got ${type}`,
    ]);
  if (cfg.train.augment !== null && cfg.train.augment.fieldOfView !== null && traits.dims !== 3)
    out.push([
      ['train', 'augment', 'fieldOfView'],
      `a short axial field of view needs 3D patches; a ${type} model sees single slices, so remove it`,
    ]);
  const m = cfg.model;
  out.push(...labelSetIssues(cfg, traits.task));
  if ('maxFilters' in m && 'baseFilters' in m && m.maxFilters < m.baseFilters)
    out.push([
      ['model', 'maxFilters'],
      `(${m.maxFilters}) must be at least model.baseFilters (${m.baseFilters})`,
    ]);
  const n = cfg.preprocess.normalization;
  if ((n.type === 'window' || n.type === 'scale') && n.lo >= n.hi)
    out.push([['preprocess', 'normalization', 'lo'], `(${n.lo}) must be below hi (${n.hi})`]);
  for (const key of ['sampling', 'valSampling'] as const) {
    const sm = cfg.train[key];
    if (sm !== null && sm !== 'nnunet' && sm.tumor + sm.foreground + sm.random <= 0)
      out.push([['train', key], 'tumor, foreground and random are all 0: no patch centre could be drawn']);
  }
  if (cfg.train.valSampling !== null && cfg.train.valMode === 'fullCase')
    out.push([
      ['train', 'valSampling'],
      'centres val patches, but train.valMode fullCase validates whole cases; remove one of them',
    ]);
  if (
    'includeBackground' in cfg.loss &&
    cfg.loss.includeBackground !== null &&
    cfg.model.outActivation === 'sigmoid'
  )
    out.push([
      ['loss', 'includeBackground'],
      `applies to softmax models only; a sigmoid ${type} has no background channel and every region channel is scored (leave it unset)`,
    ]);
  if (cfg.loss.type === 'boundaryAware' && !(m.type === 'boundaryAware' && m.boundaryStream))
    out.push([
      ['loss', 'type'],
      `"boundaryAware" supervises the boundary output of a boundaryAware model with model.boundaryStream: true; this ${type}${m.type === 'boundaryAware' ? ' has no boundary stream' : ' has none'}: use "dice" for the regions alone`,
    ]);
  if (cfg.loss.type === 'ce' && cfg.model.outActivation !== 'softmax')
    out.push([['loss', 'type'], `"ce" needs a softmax model; this ${type} has sigmoid outputs: use "bce"`]);
  const cascade = cfg.inference.cascade;
  if (cascade === null && cfg.train.cascadeInput === 'stage1')
    out.push([
      ['train', 'cascadeInput'],
      'stage-1 predictions feed a cascade stage 2, but this config has no inference.cascade; remove it',
    ]);
  if (cascade !== null) {
    if (cfg.model.inChannels !== 1 && cfg.model.inChannels !== 2)
      out.push([
        ['model', 'inChannels'],
        `a cascade stage 2 takes 1 (image) or 2 (image + spatial prior) input channels, got ${cfg.model.inChannels}`,
      ]);
    const rs = cascade.resizeTo;
    if (rs !== null && rs.some((n, a) => n !== p[a]))
      out.push([
        ['train', 'patchSize'],
        `must equal inference.cascade.resizeTo [${rs.join(', ')}] (each resized crop is one patch), got [${p.join(', ')}]`,
      ]);
  }
  return out;
}

/** A fully resolved, validated config. */
export type Config = z.infer<typeof ConfigSchema>;
/** What a YAML file may contain before defaults are applied. */
export type ConfigInput = z.input<typeof ConfigSchema>;
