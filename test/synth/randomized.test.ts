import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { readCanonical } from '../../lib/io/canonical.js';
import { readNifti } from '../../lib/io/nifti.js';
import { resampleNearest } from '../../lib/ops/resample.js';
import { Rng } from '../../lib/rng/rng.js';
import { writeFromLabelsDataset } from '../../lib/synth/dataset.js';
import type { LabelGrid } from '../../lib/synth/from-labels.js';
import { HU_RANGES, huRange, PHASES, TISSUES, tissueId, type Phase } from '../../lib/synth/palette.js';
import { renderRandomized } from '../../lib/synth/randomized.js';
import { KITS_LABELS, REAL_CT, useTmpDir } from '../helpers/tmp.js';

const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** KiTS19 case 00003's labels (kidneys and a tumour) on a coarse 4 × 3 × 3 mm grid. */
function grid(): LabelGrid {
  const v = readCanonical(join(KITS_LABELS, 'case_00003/segmentation.nii.gz'));
  const r = resampleNearest(v.data, v.shape, v.spacingMm, v.affine, [4, 3, 3]);
  return { data: r.data, shape: r.shape, spacingMm: [4, 3, 3], affine: r.affine };
}

describe('synth --from-labels --randomize', () => {
  const tmp = useTmpDir();
  const g = grid();

  it('keeps every tissue within its phase range (mean and texture), across the phases', () => {
    const seen = new Set<Phase>();
    for (let seed = 0; seed < 10; seed++) {
      const r = renderRandomized(g, Rng.fromSeed(seed).fork('case'), { clean: true });
      seen.add(r.palette.phase);
      let checked = 0;
      for (const t of TISSUES) {
        const [lo, hi] = huRange(t, r.palette.phase);
        const s = r.palette.shades[t];
        expect(s.mean, `${t} mean`).to.be.within(lo, hi);
        const id = tissueId(t);
        let n = 0;
        let sum = 0;
        r.tissue.forEach((v, i) => {
          if (v !== id) return;
          const hu = r.image[i]!;
          // Rounding to int16 moves a value by at most 0.5 HU.
          expect(hu, `${t} voxel`).to.be.within(s.mean - s.texture - 0.5, s.mean + s.texture + 0.5);
          n++;
          sum += hu;
        });
        if (n < 50) continue;
        checked++;
        expect(sum / n, `${t} mean HU`).to.be.within(lo - s.texture, hi + s.texture);
      }
      expect(checked, 'tissues painted in this case').to.be.greaterThan(12);
    }
    expect([...seen].sort()).to.deep.equal([...PHASES].sort());
  });

  it('draws unenhanced kidneys as dull as muscle and enhanced ones far brighter', () => {
    const cortex = (phase: Phase) => huRange('cortex', phase);
    expect(cortex('non-contrast')).to.deep.equal([20, 45]);
    expect(cortex('arterial')).to.deep.equal([120, 250]);
    expect(HU_RANGES.marrow).to.deep.equal([150, 400]);
    const r = renderRandomized(g, Rng.fromSeed(1).fork('case'), { clean: true });
    const mean = (t: (typeof TISSUES)[number]) => {
      const id = tissueId(t);
      let s = 0;
      let n = 0;
      r.tissue.forEach((v, i) => {
        if (v === id) ((s += r.image[i]!), n++);
      });
      return s / n;
    };
    // A vertebra: cortex denser than the marrow it encloses, both denser than any soft tissue.
    expect(mean('boneCortex')).to.be.greaterThan(mean('marrow'));
    expect(mean('marrow')).to.be.greaterThan(mean('muscle'));
  });

  it('is seeded: one seed, one image; another case stream, another image', () => {
    const a = renderRandomized(g, Rng.fromSeed(7).fork('x'));
    const b = renderRandomized(g, Rng.fromSeed(7).fork('x'));
    const c = renderRandomized(g, Rng.fromSeed(7).fork('y'));
    expect(bytes(a.image).equals(bytes(b.image))).to.equal(true);
    expect(bytes(a.image).equals(bytes(c.image))).to.equal(false);
  });

  it('never cuts a labelled kidney with the reconstruction circle, and blanks what is outside it', () => {
    let circles = 0;
    for (let seed = 0; seed < 6; seed++) {
      const r = renderRandomized(g, Rng.fromSeed(seed).fork('case'));
      if (r.scanner.fov === null) continue;
      circles++;
      let outside = 0;
      let labelledOutside = 0;
      g.data.forEach((l, i) => {
        if (r.image[i] === -1024) {
          outside++;
          if (l !== 0) labelledOutside++;
        }
      });
      expect(outside).to.be.greaterThan(0);
      expect(labelledOutside).to.equal(0);
    }
    expect(circles).to.be.greaterThan(0);
  });

  it('writes the labels unchanged, in the source geometry, and records each case’s phase', () => {
    const s = writeFromLabelsDataset({
      labels: REAL_CT,
      out: join(tmp(), 'r'),
      seed: 0,
      style: 'randomized',
    });
    const src = readNifti(join(REAL_CT, 'case_00000/segmentation.nii.gz'));
    const seg = readNifti(join(tmp(), 'r/case_00000/segmentation.nii.gz'));
    const img = readNifti(join(tmp(), 'r/case_00000/imaging.nii.gz'));
    expect(bytes(seg.data).equals(bytes(src.data))).to.equal(true);
    expect(img.shape).to.deep.equal(src.shape);
    expect(img.affine).to.deep.equal(src.affine);
    const meta = JSON.parse(readFileSync(join(tmp(), 'r/dataset.json'), 'utf8')) as {
      render: string;
      anatomy: string;
      cases: { render: { phase: string } }[];
    };
    expect(meta.render).to.equal('randomized');
    expect(meta.anatomy).to.equal('crowded');
    expect(PHASES).to.include(meta.cases[0]!.render.phase);
    expect(s.cases[0]!.render!.phase).to.equal(meta.cases[0]!.render.phase);
    // The fixed style is another stream: a different image from the same labels and seed.
    writeFromLabelsDataset({ labels: REAL_CT, out: join(tmp(), 'f'), seed: 0 });
    const fixed = readNifti(join(tmp(), 'f/case_00000/imaging.nii.gz'));
    expect(bytes(fixed.data).equals(bytes(img.data))).to.equal(false);
  });
});
