// The fixed val patches: centred by train.valSampling when it is set, by the training sampler otherwise.
import { expect } from 'chai';
import { validateConfig } from '../../lib/config/load.js';
import type { Shape3D } from '../../lib/core/types.js';
import { classLocations } from '../../lib/data/sampler.js';
import { Rng } from '../../lib/rng/rng.js';
import { valBatch } from '../../lib/tasks/segmentation.js';
import type { PreparedCase } from '../../lib/training/data.js';

const S: Shape3D = [16, 32, 32];
const PATCH = 8 ** 3;

/** A case whose only tumour is a 2³ cube in one corner of a kidney block (8 of 16,384 voxels). */
function oneCase(): PreparedCase {
  const label = new Float32Array(S[0] * S[1] * S[2]);
  for (let d = 2; d < 8; d++)
    for (let h = 2; h < 10; h++)
      for (let w = 2; w < 10; w++) label[(d * S[1] + h) * S[2] + w] = d < 4 && h < 4 && w < 4 ? 2 : 1;
  const image = Float32Array.from(label, (v) => v);
  return { id: 'c', image, label, shape: S, locs: classLocations(label, Rng.fromSeed(1)), pad: 0 };
}

/** How many of the val patches hold a tumour voxel. */
function patchesWithTumour(valSampling: unknown): number {
  const cfg = validateConfig(
    {
      model: { type: 'unet3d', poolSchedule: [[2, 2, 2]] },
      train: {
        patchSize: [8, 8, 8],
        valPatches: 16,
        sampling: { tumor: 1, foreground: 0, random: 0 },
        valSampling,
      },
    },
    'c.yaml',
  );
  const b = valBatch(cfg, [oneCase()], Rng.fromSeed(7));
  let n = 0;
  for (let p = 0; p < 16; p++) if (b.y.subarray(p * PATCH, (p + 1) * PATCH).includes(2)) n++;
  return n;
}

describe('training/val patches', () => {
  it('follow the tumour-only training sampler when valSampling is null: every patch holds the tumour', () =>
    expect(patchesWithTumour(null)).to.equal(16));

  it('follow valSampling when set: randomly centred patches mostly miss a 8-voxel tumour', () => {
    // Any 8³ patch holding a voxel of the 2³ cube has its centre in a 9³ box: ≤ 729 of 16,384 centres.
    expect(patchesWithTumour({ tumor: 0, foreground: 0, random: 1 })).to.be.at.most(4);
    expect(patchesWithTumour({ tumor: 1, foreground: 0, random: 0 })).to.equal(16);
  });
});
