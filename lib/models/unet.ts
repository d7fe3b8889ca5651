/**
 * U-Nets with max pooling and skip concatenation, 2D (`unet2d`, Ronneberger et al.; the 2D U-Net
 * + statistical post-processing paper's slice model) and 3D (`unet3d`, Zhang et al. cascade stage
 * 1): per level `convsPerLevel` × [conv → norm → act], max-pooling by the level's factors, and a
 * decoder that upsamples, concatenates the skip and convolves again.
 */
import * as tf from '@tensorflow/tfjs';
import type { Unet2dConfig, Unet3dConfig } from '../config/schema/model.js';
import { concat, convNormAct, filtersAt, head, upsample, type Sym } from './blocks.js';

type UnetConfig = Unet2dConfig | Unet3dConfig;

/**
 * Builds the network for patches of `patchSize` (`[D, H, W]` for 3D, `[H, W]` for 2D) voxels.
 * @throws Error when the patch is not divisible by the product of the pooling factors.
 */
export function buildUnet(cfg: UnetConfig, patchSize: readonly number[]): tf.LayersModel {
  const dims = cfg.type === 'unet3d' ? 3 : 2;
  if (patchSize.length !== dims)
    throw new Error(`${cfg.type}: patch size must have ${dims} axes, got [${patchSize.join(', ')}]`);
  const total = patchSize.map((_, a) => cfg.poolSchedule.reduce((p, f) => p * f[a]!, 1));
  patchSize.forEach((s, a) => {
    if (s % total[a]! !== 0) {
      throw new Error(
        `${cfg.type}: patch axis ${a} (${s}) must be divisible by the pooling product ${total[a]}`,
      );
    }
  });
  const input = tf.input({ shape: [...patchSize, cfg.inChannels], name: 'image' });
  const kernel = [...cfg.kernelSize];
  const one = kernel.map(() => 1);
  const skips: Sym[] = [];
  let x: Sym = input;
  const levels = cfg.poolSchedule.length + 1;
  for (let l = 0; l < levels; l++) {
    const f = filtersAt(cfg.baseFilters, cfg.maxFilters, l);
    for (let c = 0; c < cfg.convsPerLevel; c++)
      x = convNormAct(x, f, kernel, one, cfg.norm, cfg.activation, `enc${l}_${c}`);
    if (l < levels - 1) {
      skips.push(x);
      const pool = [...cfg.poolSchedule[l]!];
      const name = `enc${l}_pool`;
      const layer =
        dims === 3
          ? tf.layers.maxPooling3d({
              poolSize: pool as [number, number, number],
              strides: pool as [number, number, number],
              name,
            })
          : tf.layers.maxPooling2d({
              poolSize: pool as [number, number],
              strides: pool as [number, number],
              name,
            });
      x = layer.apply(x) as Sym;
    }
  }
  for (let l = levels - 2; l >= 0; l--) {
    const f = filtersAt(cfg.baseFilters, cfg.maxFilters, l);
    x = upsample(x, f, [...cfg.poolSchedule[l]!], cfg.upsampling, `dec${l}_up`);
    x = concat([skips[l]!, x], `dec${l}_concat`);
    for (let c = 0; c < cfg.convsPerLevel; c++)
      x = convNormAct(x, f, kernel, one, cfg.norm, cfg.activation, `dec${l}_${c}`);
  }
  return tf.model({
    inputs: input,
    outputs: head(x, cfg.outChannels, cfg.outActivation, 'output'),
    name: cfg.type,
  });
}
