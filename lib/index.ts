/**
 * kitseg's public API: what a script or another package may rely on. Everything else under
 * `lib/` is internal and may change between versions.
 *
 * ```ts
 * import { loadConfig, selectBackend, trainConfig, loadPipeline, predictFile, evaluateConfig } from 'kitseg';
 * const cfg = loadConfig('configs/stage1.yaml', ['train.epochs=2']);
 * await selectBackend(cfg.backend);
 * await trainConfig(cfg, { runDir: 'runs/stage1', resume: false, log: createLogger('info', console.error) });
 * const pipe = await loadPipeline(cfg, { runsDir: 'runs' });
 * predictFile(pipe, 'case/imaging.nii.gz', 'seg.nii.gz', { probabilities: false });
 * pipe.dispose();
 * ```
 */
export {
  selectBackend,
  type BackendName,
  type BackendRequest,
  type BackendSelection,
  type MemoryPolicy,
  type SelectOptions,
} from './backend/select.js';
export { bf16Support, type Bf16Support, type Precision } from './backend/precision.js';
export { loadConfig, validateConfig } from './config/load.js';
export { ConfigSchema, type Config, type ConfigInput } from './config/schema/index.js';
export { MODEL_TRAITS, type ModelConfig, type ModelTraits, type TaskName } from './config/schema/model.js';
export {
  ConfigError,
  DataError,
  IoError,
  RegistryError,
  SegError,
  ShapeError,
  UsageError,
} from './core/errors.js';
export { createLogger, SILENT_LOGGER, type Logger, type LogLevel } from './core/logger.js';
export { evaluateConfig, scorePredictions, type EvaluationResult } from './evaluation/evaluate.js';
export { loadPipeline, predictFile } from './inference/pipeline.js';
export type { Pipeline } from './inference/cascade.js';
export { readCanonical, writeLikeSource } from './io/canonical.js';
export type { CanonicalVolume } from './io/canonical-volume.js';
export { readNifti, writeNifti } from './io/nifti.js';
export type { Volume } from './io/nifti-codec.js';
export { runDir, runDirOf, type RunDir } from './io/run-dir.js';
export { buildLoss, LOSSES } from './losses/index.js';
export { buildModel, MODELS } from './models/index.js';
export { readPlan } from './preprocess/plan.js';
export { PlanSchema, type Plan } from './preprocess/plan-schema.js';
export { preprocessRegion } from './preprocess/pipeline.js';
export { Registry } from './registry/registry.js';
export { Rng } from './rng/rng.js';
export { trainConfig, type TrainResult } from './tasks/index.js';
export { runTraining, type TrainingTask, type TrainOptions, type TrainSummary } from './training/loop.js';
