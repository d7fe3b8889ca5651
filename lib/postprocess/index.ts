/** The post-processing chain, each step switched by the config, in a fixed order. */
import type { PostprocessConfig } from '../config/schema/inference.js';
import type { Shape3D, Spacing3D } from '../core/types.js';
import { cropBox, withinForeground } from '../ops/crop.js';
import { fillHoles } from './fill-holes.js';
import { keepLargestKidneys } from './kidney-components.js';
import { cystFilter, eigenFilter, tumourInsideKidney } from './tumor-filters.js';

/** What each step changed, for logs and reports. */
export interface PostprocessReport {
  kidneyComponentsKept?: number;
  tumoursOutsideKidney?: number;
  cysts?: number;
  eigenRejected?: number;
  holesFilled?: number;
}

/** Whether any step is switched on. */
export function postprocessEnabled(cfg: PostprocessConfig): boolean {
  return (
    cfg.kidneyComponents !== null ||
    cfg.tumourInsideKidney !== null ||
    cfg.cystFilter !== null ||
    cfg.eigenFilter !== null ||
    cfg.fillHoles
  );
}

/**
 * Applies the switched-on steps to `labels` in place: hole filling, kidney components, tumour
 * inside kidney, cyst filter (needs the HU image), eigenvalue filter.
 */
export function postprocess(
  labels: Uint8Array,
  image: ArrayLike<number>,
  shape: Shape3D,
  spacingMm: Spacing3D,
  cfg: PostprocessConfig,
): PostprocessReport {
  if (!postprocessEnabled(cfg)) return {};
  // On the foreground's box only: the steps' component maps are then the size of the kidneys, not
  // of the scan (two Int32 arrays of a 600-slice CT are 1.3 GB).
  return withinForeground(
    labels,
    shape,
    (crop, cs, box) =>
      postprocessCrop(crop, cfg.cystFilter === null ? [] : cropBox(image, shape, box), cs, spacingMm, cfg),
    {},
  );
}

function postprocessCrop(
  labels: Uint8Array,
  image: ArrayLike<number>,
  shape: Shape3D,
  spacingMm: Spacing3D,
  cfg: PostprocessConfig,
): PostprocessReport {
  const r: PostprocessReport = {};
  const conn = cfg.connectivity;
  if (cfg.fillHoles) r.holesFilled = fillHoles(labels, shape);
  if (cfg.kidneyComponents !== null)
    r.kidneyComponentsKept = keepLargestKidneys(labels, shape, {
      maxRatio: cfg.kidneyComponents.maxRatio,
      connectivity: conn,
    });
  if (cfg.tumourInsideKidney !== null)
    r.tumoursOutsideKidney = tumourInsideKidney(labels, shape, cfg.tumourInsideKidney.minFraction, conn);
  if (cfg.cystFilter !== null) r.cysts = cystFilter(labels, image, shape, cfg.cystFilter.minHu, conn);
  if (cfg.eigenFilter !== null)
    r.eigenRejected = eigenFilter(labels, shape, spacingMm, cfg.eigenFilter.range, conn);
  return r;
}
