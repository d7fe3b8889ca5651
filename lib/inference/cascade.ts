/** A pipeline from loaded stages: the main stage, after stage 1 for a cascade (browser-safe). */
import type { Config } from '../config/schema/index.js';
import type { Localizer } from './localization.js';
import { segmentCase, type CaseImage, type Segmentation, type SegmentOptions } from './segment.js';
import type { Stage } from './stage.js';

export interface Pipeline {
  readonly main: Stage;
  readonly stage1: Localizer | null;
  segment(image: CaseImage, opts?: Partial<SegmentOptions>): Segmentation;
  dispose(): void;
}

/** `cfg`'s pipeline over stages already loaded; its post-processing is `cfg.postprocess` unless given. */
export function assemblePipeline(cfg: Config, main: Stage, stage1: Localizer | null): Pipeline {
  return {
    main,
    stage1,
    segment: (image, o = {}) =>
      segmentCase(main, stage1, image, {
        probabilities: o.probabilities ?? false,
        postprocess: o.postprocess ?? cfg.postprocess,
        ...(o.onWindow === undefined ? {} : { onWindow: o.onWindow }),
        ...(o.reference === undefined ? {} : { reference: o.reference }),
        ...(o.keepRaw === undefined ? {} : { keepRaw: o.keepRaw }),
      }),
    dispose: () => {
      main.dispose();
      stage1?.dispose();
    },
  };
}
