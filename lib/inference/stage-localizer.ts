/** A segmentation stage as a cascade's stage 1 (browser-safe: no file access). */
import { postprocess } from '../postprocess/index.js';
import type { Localizer } from './localization.js';
import { segmentSingle } from './segment.js';
import type { Stage } from './stage.js';

/** A segmentation stage as localizer: its labels after its configured post-processing. */
export function stageLocalizer(stage: Stage): Localizer {
  return {
    cfg: stage.cfg,
    checkpoints: stage.checkpoints,
    locate: (image, o = {}) => {
      const mask = segmentSingle(stage, image, {
        probabilities: false,
        postprocess: stage.cfg.postprocess,
        ...(o.onWindow === undefined ? {} : { onWindow: o.onWindow }),
      });
      postprocess(mask, image.data, image.shape, image.spacingMm, stage.cfg.postprocess);
      return { mask, counts: null };
    },
    dispose: () => stage.dispose(),
  };
}
