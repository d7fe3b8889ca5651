/**
 * The augmentation pipeline a config describes, as one object that owns no state but the config:
 * `patch(source, centre, patch, rng)` draws every decision from `rng` in a fixed order (so a seed
 * gives the same patches, and resume continues the stream), applies the spatial transform to image,
 * labels and prior together, then mirroring to all, then intensity transforms to the image only,
 * then the field of view to all.
 */
import type { AugmentConfig } from '../../config/schema/augment.js';
import type { Shape3D } from '../../core/types.js';
import { extractPatch } from '../../ops/crop.js';
import type { Rng } from '../../rng/rng.js';
import { limitFieldOfView, sampleSlab } from './field-of-view.js';
import { blur, brightness, contrast, gamma, lowres, noise } from './intensity.js';
import { elasticField, flipAxis, spatialParams, warpPatch, type WarpSource } from './spatial.js';

export interface AugmentedPatch {
  readonly image: Float32Array;
  /** One patch per `nearest` map of the source (labels, then the prior when present). */
  readonly nearest: Float32Array[];
}

export class Augmenter {
  constructor(readonly cfg: AugmentConfig) {}

  patch(src: WarpSource, centre: Shape3D, patch: Shape3D, rng: Rng): AugmentedPatch {
    const c = this.cfg;
    const deg = Math.PI / 180;
    const rotate = c.rotation !== null && rng.bernoulli(c.rotation.prob);
    const angles: [number, number, number] = [0, 0, 0];
    if (rotate) for (let a = 0; a < 3; a++) angles[a] = rng.uniform(-1, 1) * c.rotation!.maxDeg[a]! * deg;
    const zoom =
      c.scale !== null && rng.bernoulli(c.scale.prob) ? rng.uniform(c.scale.range[0], c.scale.range[1]) : 1;
    const elastic =
      c.elastic !== null && rng.bernoulli(c.elastic.prob)
        ? elasticField(patch, src.spacingMm, c.elastic.alphaMm, c.elastic.sigmaMm, rng)
        : null;
    let out: AugmentedPatch;
    if (rotate || zoom !== 1 || elastic !== null) {
      out = warpPatch(src, centre, patch, spatialParams(angles, zoom, elastic));
    } else {
      out = {
        image: extractPatch(src.image, src.shape, centre, patch, src.pad),
        nearest: src.nearest.map((m) => extractPatch(m, src.shape, centre, patch, 0)),
      };
    }
    if (c.flip !== null)
      for (const a of c.flip.axes)
        if (rng.bernoulli(c.flip.prob)) for (const m of [out.image, ...out.nearest]) flipAxis(m, patch, a);
    const x = out.image;
    if (c.lowres !== null && rng.bernoulli(c.lowres.prob)) lowres(x, patch, rng.uniform(...c.lowres.zoom));
    if (c.blur !== null && rng.bernoulli(c.blur.prob)) blur(x, patch, rng.uniform(...c.blur.sigma));
    if (c.noise !== null && rng.bernoulli(c.noise.prob)) noise(x, rng.uniform(0, c.noise.maxStd), rng);
    if (c.brightness !== null && rng.bernoulli(c.brightness.prob))
      brightness(x, rng.uniform(...c.brightness.range));
    if (c.contrast !== null && rng.bernoulli(c.contrast.prob)) contrast(x, rng.uniform(...c.contrast.range));
    if (c.gamma !== null && rng.bernoulli(c.gamma.prob)) gamma(x, rng.uniform(...c.gamma.range));
    // Last, so that the blanked slices hold exactly the pad value inference reads beyond a volume.
    if (c.fieldOfView !== null && rng.bernoulli(c.fieldOfView.prob)) {
      const extent = rng.uniform(...c.fieldOfView.extentMm) / src.spacingMm[0];
      limitFieldOfView(x, out.nearest, patch, sampleSlab(patch[0], extent, rng), src.pad);
    }
    return out;
  }
}
