import { join } from 'node:path';
import { expect } from 'chai';
import { readCanonical } from '../../lib/io/canonical.js';
import { resampleNearest } from '../../lib/ops/resample.js';
import { Rng } from '../../lib/rng/rng.js';
import { dilateAxis } from '../../lib/synth/crowding.js';
import type { LabelGrid } from '../../lib/synth/from-labels.js';
import { TISSUES, tissueId, type Tissue } from '../../lib/synth/palette.js';
import { renderRandomized } from '../../lib/synth/randomized.js';
import { KITS_LABELS } from '../helpers/tmp.js';

function grid(): LabelGrid {
  const v = readCanonical(join(KITS_LABELS, 'case_00003/segmentation.nii.gz'));
  const r = resampleNearest(v.data, v.shape, v.spacingMm, v.affine, [4, 3, 3]);
  return { data: r.data, shape: r.shape, spacingMm: [4, 3, 3], affine: r.affine };
}

const ids = (ts: readonly Tissue[]) => new Set(ts.map(tissueId));
/** What the crowding may paint over, and what it paints. */
const SOFT = ids([
  'visceralFat',
  'bowelWall',
  'bowelFluid',
  'oralContrast',
  'gas',
  'feces',
  'organA',
  'organB',
]);
const CROWD_ONLY = ids(['feces', 'organA', 'organB']);

describe('synth: the crowded abdomen', () => {
  const g = grid();

  it('dilates a mask by a box along each axis, clipped at the volume edge', () => {
    // 1 × 3 × 7, one voxel set at (0, 1, 1): radius 2 along W gives columns 0–3 of row 1.
    const m = new Uint8Array(21);
    m[1 * 7 + 1] = 1;
    dilateAxis(m, [1, 3, 7], 2, 2);
    expect([...m.subarray(7, 14)]).to.deep.equal([1, 1, 1, 1, 0, 0, 0]);
    expect([...m.subarray(0, 7)].every((v) => v === 0)).to.equal(true);
    dilateAxis(m, [1, 3, 7], 1, 1);
    expect([...m]).to.deep.equal([1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0]);
    const before = [...m];
    dilateAxis(m, [1, 3, 7], 0, 3);
    expect([...m]).to.deep.equal(before);
  });

  it('only fills the cavity: every voxel it changes was fat or bowel and becomes soft tissue, never a label', () => {
    let changed = 0;
    let crowdVoxels = 0;
    for (let seed = 0; seed < 3; seed++) {
      const rng = () => Rng.fromSeed(seed).fork('case');
      const sparse = renderRandomized(g, rng(), { clean: true, anatomy: 'sparse' }).tissueMap;
      const crowded = renderRandomized(g, rng(), { clean: true, anatomy: 'crowded' }).tissueMap;
      const cortex = tissueId('cortex');
      for (let i = 0; i < sparse.length; i++) {
        if (CROWD_ONLY.has(crowded[i]!)) crowdVoxels++;
        if (sparse[i] === crowded[i]) continue;
        changed++;
        expect(SOFT.has(sparse[i]!), `voxel ${i} was ${TISSUES[sparse[i]! - 1]}`).to.equal(true);
        expect(SOFT.has(crowded[i]!), `voxel ${i} became ${TISSUES[crowded[i]! - 1]}`).to.equal(true);
        expect(g.data[i], `voxel ${i} is labelled`).to.equal(0);
      }
      // The kidneys are painted after the crowding: their tissue is the same in both.
      for (let i = 0; i < sparse.length; i++) if (sparse[i] === cortex) expect(crowded[i]).to.equal(cortex);
    }
    expect(changed).to.be.greaterThan(10_000);
    expect(crowdVoxels).to.be.greaterThan(1_000);
  });

  it('fills far more of the cavity than the sparse anatomy', () => {
    const share = (m: Uint8Array) => {
      const fat = tissueId('visceralFat');
      let soft = 0;
      let cavity = 0;
      for (const v of m) {
        if (!SOFT.has(v)) continue;
        cavity++;
        if (v !== fat) soft++;
      }
      return soft / cavity;
    };
    const rng = () => Rng.fromSeed(4).fork('case');
    const sparse = share(renderRandomized(g, rng(), { clean: true, anatomy: 'sparse' }).tissueMap);
    const crowded = share(renderRandomized(g, rng(), { clean: true, anatomy: 'crowded' }).tissueMap);
    expect(crowded).to.be.greaterThan(sparse + 0.15);
  });

  it('clears a fat rim round the kidneys as wide as it drew (on the coarse grid)', () => {
    const [D, H, W] = g.shape;
    let rimmed = 0;
    for (let seed = 0; seed < 6; seed++) {
      const rng = () => Rng.fromSeed(seed).fork('case');
      const mm = rng().fork('crowding').fork('rim').uniform(0, 10);
      const rx = Math.round(mm / g.spacingMm[2]);
      if (mm < 0.5 || rx < 1) continue;
      rimmed++;
      const m = renderRandomized(g, rng(), { clean: true }).tissueMap;
      let crowd = 0;
      for (let d = 0; d < D; d++)
        for (let h = 0; h < H; h++)
          for (let w = 0; w < W - rx; w++) {
            const i = (d * H + h) * W + w;
            if (g.data[i] === 0) continue;
            for (let k = 1; k <= rx; k++) if (g.data[i + k] === 0 && CROWD_ONLY.has(m[i + k]!)) crowd++;
          }
      expect(crowd, `seed ${seed}: crowding within ${mm.toFixed(1)} mm of a kidney`).to.equal(0);
    }
    expect(rimmed).to.be.greaterThan(2);
  });
});
