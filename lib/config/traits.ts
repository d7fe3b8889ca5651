/**
 * Questions about a resolved config that depend on its model's traits: which task trains it, and
 * the window its network sees. Asked here, never with `model.type ===` elsewhere.
 */
import type { Shape3D } from '../core/types.js';
import type { Config } from './schema/index.js';
import { modelTraits, type ModelTraits } from './schema/model.js';

export { modelTraits, type ModelTraits, type TaskName } from './schema/model.js';

/** The config's model traits. */
export function traitsOf(cfg: Pick<Config, 'model'>): ModelTraits {
  return modelTraits(cfg.model);
}

/** True when the network sees axial slices (`[B, H, W, C]`). */
export function isSliceModel(cfg: Pick<Config, 'model'>): boolean {
  return traitsOf(cfg).dims === 2;
}

/** The window `[D, H, W]` inference slides (D = 1 for slice models). */
export function windowPatch(cfg: Pick<Config, 'model' | 'train'>): Shape3D {
  const p = cfg.train.patchSize;
  return isSliceModel(cfg) ? [1, p[1], p[2]] : p;
}

/** The input size the network is built for: `[D, H, W]`, or `[H, W]` for slice models. */
export function networkPatch(cfg: Pick<Config, 'model' | 'train'>): number[] {
  return isSliceModel(cfg) ? cfg.train.patchSize.slice(1) : [...cfg.train.patchSize];
}
