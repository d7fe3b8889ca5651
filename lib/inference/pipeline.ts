/**
 * The inference pipeline a config describes: its stage (plus stage 1 when the config is a cascade
 * stage 2), loaded once and applied case by case.
 */
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema/index.js';
import { assertFinite } from '../data/labels.js';
import { existsSync } from 'node:fs';
import { readCanonical, writeLikeSource, writeLikeSourcePainted } from '../io/canonical.js';
import { readNifti } from '../io/nifti.js';
import { siblingPath } from './inputs.js';
import type { SegmentOptions } from './segment.js';
import { assemblePipeline, type Pipeline } from './cascade.js';
import { loadLocalizer, type Localizer } from './localizer.js';
import { loadStage, type StageOptions } from './stage-load.js';

/** A cascade's stage 1 given directly (a bundle's), instead of through `inference.cascade.stage1`. */
export interface Stage1Source {
  readonly cfg: Config;
  readonly opts: StageOptions;
}

/**
 * Loads `cfg`'s stage and, for a cascade, its stage 1 (from `inference.cascade.stage1`, with the
 * same TTA setting; its own best/last checkpoint; or `stage1` when given).
 */
export async function loadPipeline(
  cfg: Config,
  opts: StageOptions,
  stage1From?: Stage1Source,
): Promise<Pipeline> {
  const main = await loadStage(cfg, opts);
  let stage1: Localizer | null = null;
  if (cfg.inference.cascade !== null) {
    const tta = opts.ttaAxes === undefined ? {} : { ttaAxes: opts.ttaAxes };
    stage1 =
      stage1From === undefined
        ? await loadLocalizer(loadConfig(cfg.inference.cascade.stage1), { runsDir: opts.runsDir, ...tta })
        : await loadLocalizer(stage1From.cfg, { ...stage1From.opts, ...tta });
  }
  return assemblePipeline(cfg, main, stage1);
}

/** Every file `predictFile` writes for `output`: the labels, and the probability maps if asked. */
export function predictionOutputs(output: string, probabilities: boolean): string[] {
  return probabilities
    ? [output, siblingPath(output, '_kidney_prob'), siblingPath(output, '_tumor_prob')]
    : [output];
}

/**
 * Whether a case's prediction is complete: every output it should have exists and reads back (a
 * truncated or half-written file does not), so an interrupted batch redoes exactly the rest.
 */
export function predictionComplete(output: string, probabilities: boolean): boolean {
  return predictionOutputs(output, probabilities).every((p) => {
    if (!existsSync(p)) return false;
    try {
      readNifti(p);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Segments the NIfTI file `input` and writes the labels (uint8) to `output` with the input's shape
 * and header geometry; with `probabilities`, also `<output>_kidney_prob` / `_tumor_prob` (float32).
 */
export function predictFile(
  pipe: Pipeline,
  input: string,
  output: string,
  opts: { readonly probabilities: boolean; readonly onWindow?: SegmentOptions['onWindow'] },
): void {
  const image = readCanonical(input);
  assertFinite(image.data, input);
  const seg = pipe.segment(image, {
    probabilities: opts.probabilities,
    keepRaw: false,
    ...(opts.onWindow === undefined ? {} : { onWindow: opts.onWindow }),
  });
  writeLikeSource(output, seg.labels, image, 'uint8');
  if (seg.probabilities === null) return;
  const probs = seg.probabilities;
  for (const [region, suffix] of [
    ['kidney', '_kidney_prob'],
    ['tumor', '_tumor_prob'],
  ] as const)
    writeLikeSourcePainted(
      siblingPath(output, suffix),
      (out, index) => probs.paint(region, out, index),
      image,
    );
}
