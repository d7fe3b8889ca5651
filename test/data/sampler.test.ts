import { expect } from 'chai';
import { classLocations, sampleCentre, type CentreMode } from '../../lib/data/sampler.js';
import { extractPatch } from '../../lib/ops/crop.js';
import { Rng } from '../../lib/rng/rng.js';

describe('data/sampler', () => {
  // [4, 6, 6] volume: a tumour voxel block inside kidney.
  const shape = [4, 6, 6] as const;
  const label = new Uint8Array(4 * 36);
  for (let d = 1; d < 3; d++) for (let h = 1; h < 5; h++) for (let w = 1; w < 5; w++) label[(d * 6 + h) * 6 + w] = 1;
  label[(2 * 6 + 2) * 6 + 2] = 2;
  label[(2 * 6 + 3) * 6 + 2] = 2;

  it('draws centre modes with the configured probabilities (0.8 / 0.1 / 0.1) and centres in their class', () => {
    const rng = Rng.fromSeed(1);
    const locs = classLocations(label, rng);
    const counts: Record<CentreMode, number> = { tumor: 0, foreground: 0, random: 0 };
    const n = 10000;
    for (let i = 0; i < n; i++) {
      const { centre, mode } = sampleCentre(shape, { tumor: 0.8, foreground: 0.1, random: 0.1 }, locs, rng);
      counts[mode]++;
      const v = label[(centre[0] * 6 + centre[1]) * 6 + centre[2]]!;
      if (mode === 'tumor') expect(v).to.equal(2);
      if (mode === 'foreground') expect(v).to.be.greaterThan(0);
    }
    expect(counts.tumor / n).to.be.closeTo(0.8, 0.02);
    expect(counts.foreground / n).to.be.closeTo(0.1, 0.015);
    expect(counts.random / n).to.be.closeTo(0.1, 0.015);
  });

  it('nnU-Net rule: a third of centres forced onto a present foreground class, chosen uniformly', () => {
    const rng = Rng.fromSeed(2);
    const locs = classLocations(label, rng);
    const counts: Record<CentreMode, number> = { tumor: 0, foreground: 0, random: 0 };
    for (let i = 0; i < 9000; i++) counts[sampleCentre(shape, 'nnunet', locs, rng).mode]++;
    expect((counts.tumor + counts.foreground) / 9000).to.be.closeTo(1 / 3, 0.02);
    expect(counts.tumor / (counts.tumor + counts.foreground)).to.be.closeTo(0.5, 0.04);
  });

  it('without tumour, tumour-mode draws fall back to foreground; the same seed repeats', () => {
    const noTumour = label.map((v) => (v === 2 ? 1 : v));
    const locs = classLocations(noTumour, Rng.fromSeed(3));
    const modes = (seed: number) => {
      const rng = Rng.fromSeed(seed);
      return Array.from({ length: 50 }, () => sampleCentre(shape, { tumor: 1, foreground: 0, random: 0 }, locs, rng));
    };
    expect(modes(4).every((m) => m.mode === 'foreground')).to.equal(true);
    expect(modes(4)).to.deep.equal(modes(4));
  });

  it('extracts patches centred on the voxel, padding outside the volume', () => {
    const data = Array.from({ length: 2 * 3 * 3 }, (_, i) => i);
    // Patch 1 × 3 × 3 centred at (0, 0, 0): rows −1..1, cols −1..1 → padding except the 2 × 2 corner.
    const p = extractPatch(data, [2, 3, 3], [0, 0, 0], [1, 3, 3], -1);
    expect(Array.from(p)).to.deep.equal([-1, -1, -1, -1, 0, 1, -1, 3, 4]);
    const q = extractPatch(data, [2, 3, 3], [1, 1, 1], [2, 3, 3], -1);
    // Start at (0, 0, 0): the whole volume.
    expect(Array.from(q)).to.deep.equal(data);
  });
});
