/**
 * The preprocessing plan: the one record of how a run's cases were cropped, resampled and
 * normalised, written as `plan.json` by training (and beside the preprocessing cache) and read back,
 * validated, by inference, detection and export. Training and inference agree because both take
 * their numbers from here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { DataError, IoError } from '../core/errors.js';
import type { Config } from '../config/schema/index.js';
import { computeFingerprint, targetSpacing, type Fingerprint } from '../data/fingerprint.js';
import type { LoadedCase } from '../data/kits19.js';
import type { Rng } from '../rng/rng.js';
import { writeJsonAtomic } from '../io/atomic.js';
import type { Normalization } from '../transforms/intensity.js';
import { PlanSchema, type Plan } from './plan-schema.js';

/**
 * Reads and validates a plan file.
 * @throws IoError when the file is missing (with the hint to train first), DataError naming the
 *   first invalid key.
 */
export function readPlan(path: string): Plan {
  if (!existsSync(path)) throw new IoError('no plan.json: train this config first (`kitseg train`)', path);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new DataError(`not valid JSON (${(e as Error).message})`, path, { cause: e });
  }
  const r = PlanSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new DataError(`plan key ${issue.path.join('.') || '(root)'}: ${issue.message}`, path);
  }
  return r.data as Plan;
}

/** Writes the plan a run folder keeps (the fingerprint without per-case spacings and shapes). */
export function writeRunPlan(path: string, plan: Plan): void {
  writeJsonAtomic(path, {
    spacingMm: plan.spacingMm,
    normalization: plan.normalization,
    fingerprint: { ...plan.fingerprint, spacings: undefined, shapes: undefined },
  });
}

/** Derives the plan from the training cases (fingerprint → target spacing, normalisation stats). */
export function makePlan(
  cfg: Config,
  train: readonly LoadedCase[],
  rng: Rng,
): Plan & { fingerprint: Fingerprint } {
  const fingerprint = computeFingerprint(
    train.map((c) => ({
      image: c.image.data,
      label: c.label!.data,
      shape: c.image.shape,
      spacingMm: c.image.spacingMm,
    })),
    rng,
  );
  const spacingMm = cfg.preprocess.spacing ?? targetSpacing(fingerprint);
  const n = cfg.preprocess.normalization;
  const f = fingerprint.foreground;
  const normalization: Normalization =
    n.type === 'ctForeground'
      ? { type: 'ctForeground', p005: f.p005, p995: f.p995, mean: f.mean, std: f.std }
      : n;
  return { spacingMm, normalization, fingerprint };
}
