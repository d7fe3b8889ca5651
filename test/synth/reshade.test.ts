import { join } from 'node:path';
import { expect } from 'chai';
import { readCanonical } from '../../lib/io/canonical.js';
import { readNifti } from '../../lib/io/nifti.js';
import { resampleNearest } from '../../lib/ops/resample.js';
import { Rng } from '../../lib/rng/rng.js';
import { writeFromLabelsDataset } from '../../lib/synth/dataset.js';
import {
  huRange,
  PHASES,
  samplePalette,
  TISSUES,
  tissueId,
  WILD_RANGE,
  type Phase,
} from '../../lib/synth/palette.js';
import { renderRandomized } from '../../lib/synth/randomized.js';
import { reshade } from '../../lib/synth/reshade.js';
import { KITS_LABELS, REAL_CT, useTmpDir } from '../helpers/tmp.js';

const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** A tissue map of case 00003 (kidneys, tumour, bones, organs) on a coarse 4 × 3 × 3 mm grid. */
function tissueMap() {
  const v = readCanonical(join(KITS_LABELS, 'case_00003/segmentation.nii.gz'));
  const r = resampleNearest(v.data, v.shape, v.spacingMm, v.affine, [4, 3, 3]);
  const g = { data: r.data, shape: r.shape, spacingMm: [4, 3, 3] as const, affine: r.affine };
  return { g, map: renderRandomized(g, Rng.fromSeed(3).fork('case')).tissueMap };
}

describe('data.render: re-shading a tissue map', () => {
  const tmp = useTmpDir();
  const { g, map } = tissueMap();

  it('shades every voxel within its tissue’s range for the drawn phase, over all four phases', () => {
    const seen = new Set<Phase>();
    for (let k = 0; k < 10; k++) {
      const { hu, palette } = reshade(map, g.shape, g.spacingMm, Rng.fromSeed(k).fork('patch'), true);
      seen.add(palette.phase);
      for (const t of TISSUES) {
        const [lo, hi] = huRange(t, palette.phase);
        expect(palette.shades[t].mean, t).to.be.within(lo, hi);
      }
      // Counted, not asserted per voxel (a chai call per voxel is minutes on CI).
      const painted = new Set<number>();
      let outside = 0;
      map.forEach((id, i) => {
        const s = palette.shades[TISSUES[Math.max(0, id - 1)]!];
        if (Math.abs(hu[i]! - s.mean) > s.texture + 1e-3) outside++;
        painted.add(id);
      });
      expect(outside, 'voxels outside their tissue’s mean ± texture').to.equal(0);
      expect(painted.size, 'tissues in the map').to.be.greaterThan(12);
    }
    expect([...seen].sort()).to.deep.equal([...PHASES].sort());
  });

  it('wild palettes draw every non-physical tissue from WILD_RANGE, so bone need not be the brightest', () => {
    const physical = ['air', 'subcutFat', 'visceralFat', 'sinusFat', 'gas', 'couch'];
    let kidneyAboveMarrow = 0;
    let wildCount = 0;
    for (let k = 0; k < 200; k++) {
      const rng = Rng.fromSeed(k).fork('palette');
      const p = samplePalette(rng, 1);
      expect(p.wild).to.equal(true);
      for (const t of TISSUES) {
        const [lo, hi] = physical.includes(t) ? huRange(t, p.phase) : WILD_RANGE;
        expect(p.shades[t].mean, t).to.be.within(lo, hi);
      }
      if (p.shades.cortex.mean > p.shades.marrow.mean) kidneyAboveMarrow++;
      // At 0 the palette is the physical one, drawn exactly as before.
      const physicalPalette = samplePalette(rng, 0);
      expect(physicalPalette.wild).to.equal(false);
      expect(physicalPalette.shades.marrow.mean).to.be.within(...huRange('marrow', physicalPalette.phase));
      expect(samplePalette(rng)).to.deep.equal(physicalPalette);
      if (samplePalette(rng, 0.3).wild) wildCount++;
    }
    // Uniform draws from one range: the kidney is above the marrow about half the time.
    expect(kidneyAboveMarrow).to.be.within(70, 130);
    expect(wildCount).to.be.within(40, 80);
  });

  it('is seeded, and draws another contrast from another stream', () => {
    const a = reshade(map, g.shape, g.spacingMm, Rng.fromSeed(5).fork('p'));
    const b = reshade(map, g.shape, g.spacingMm, Rng.fromSeed(5).fork('p'));
    const c = reshade(map, g.shape, g.spacingMm, Rng.fromSeed(5).fork('q'));
    expect(bytes(a.hu).equals(bytes(b.hu))).to.equal(true);
    const cortex = tissueId('cortex');
    const mean = (hu: Float32Array) => {
      let s = 0;
      let n = 0;
      map.forEach((id, i) => void (id === cortex && ((s += hu[i]!), n++)));
      return s / n;
    };
    expect(Math.abs(mean(a.hu) - mean(c.hu))).to.be.greaterThan(0.5);
  });

  it('adds noise and blur unless clean: same palette, a different image', () => {
    const rng = () => Rng.fromSeed(9).fork('p');
    const clean = reshade(map, g.shape, g.spacingMm, rng(), true);
    const noisy = reshade(map, g.shape, g.spacingMm, rng());
    expect(noisy.palette).to.deep.equal(clean.palette);
    let sq = 0;
    for (let i = 0; i < clean.hu.length; i++) sq += (noisy.hu[i]! - clean.hu[i]!) ** 2;
    expect(Math.sqrt(sq / clean.hu.length)).to.be.greaterThan(1);
  });

  it('refuses a map with an id beyond the tissue list, naming the voxel', () => {
    const bad = Float32Array.from(map);
    bad[17] = TISSUES.length + 1;
    expect(() => reshade(bad, g.shape, g.spacingMm, Rng.fromSeed(0))).to.throw(
      RangeError,
      `tissue id ${TISSUES.length + 1} at voxel 17`,
    );
  });

  it('synth --randomize writes the tissue map beside the image, with its geometry', () => {
    writeFromLabelsDataset({ labels: REAL_CT, out: join(tmp(), 'r'), seed: 0, style: 'randomized' });
    const t = readNifti(join(tmp(), 'r/case_00000/tissue.nii.gz'));
    const img = readNifti(join(tmp(), 'r/case_00000/imaging.nii.gz'));
    const seg = readNifti(join(tmp(), 'r/case_00000/segmentation.nii.gz'));
    expect(t.shape).to.deep.equal(img.shape);
    expect(t.affine).to.deep.equal(img.affine);
    // Labelled kidney voxels carry kidney tissues; nothing outside the list.
    const kidney = new Set(['cortex', 'medulla', 'sinusFat', 'sinusVessel'].map((n) => tissueId(n as never)));
    let inKidney = 0;
    let labelled = 0;
    seg.data.forEach((l, i) => {
      expect(t.data[i]!).to.be.at.most(TISSUES.length);
      if (l !== 1) return;
      labelled++;
      if (kidney.has(t.data[i]!)) inKidney++;
    });
    expect(inKidney / labelled).to.be.greaterThan(0.99);
  });
});
