/**
 * The first step of a cascade, as the rest of inference sees it: a localizer turns a case into a
 * coarse kidney mask on the original grid, from which the cascade cuts its crops.
 */
import type { Config } from '../config/schema/index.js';
import type { Shape3D, Spacing3D } from '../core/types.js';
import type { BoxCounts } from '../detection/metrics.js';

/** A case on its canonical grid: HU image, shape `[D, H, W]` and spacing in mm. */
export interface CaseImage {
  readonly data: ArrayLike<number>;
  readonly shape: Shape3D;
  readonly spacingMm: Spacing3D;
}

export interface Localization {
  /** Nonzero where the kidneys are, on the original grid. */
  readonly mask: Uint8Array;
  /** Detector only, with a reference: per-slice box matches. */
  readonly counts: BoxCounts[] | null;
}

export interface Localizer {
  readonly cfg: Config;
  readonly checkpoints: readonly string[];
  locate(
    image: CaseImage,
    opts?: {
      readonly reference?: ArrayLike<number>;
      readonly onWindow?: (stage: string, done: number, total: number) => void;
    },
  ): Localization;
  dispose(): void;
}
