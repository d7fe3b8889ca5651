// Post-processing steps on constructed label maps with hand-known outcomes.
import { expect } from 'chai';
import type { Shape3D } from '../../lib/core/types.js';
import { fillHoles } from '../../lib/postprocess/fill-holes.js';
import { postprocess, postprocessEnabled } from '../../lib/postprocess/index.js';
import { PostprocessSchema } from '../../lib/config/schema/inference.js';
import {
  keepLargestKidneys,
  keptKidneyComponents,
  kidneyBoxes,
} from '../../lib/postprocess/kidney-components.js';
import { cystFilter, eigenFilter, tumourInsideKidney } from '../../lib/postprocess/tumor-filters.js';

const S: Shape3D = [12, 12, 30];
const idx = (d: number, h: number, w: number) => (d * S[1] + h) * S[2] + w;

/** Paints box [lo, hi) with `v`. */
function paint(m: Uint8Array | Float32Array, lo: number[], hi: number[], v: number): void {
  for (let d = lo[0]!; d < hi[0]!; d++)
    for (let h = lo[1]!; h < hi[1]!; h++) for (let w = lo[2]!; w < hi[2]!; w++) m[idx(d, h, w)] = v;
}

const count = (m: Uint8Array, v: number) => m.reduce((n, x) => n + (x === v ? 1 : 0), 0);

describe('postprocess', () => {
  it('keeps the two largest kidney components unless the second is > 3× smaller', () => {
    expect(keptKidneyComponents([100, 40, 10], 3)).to.deep.equal([1, 2]);
    expect(keptKidneyComponents([30, 100], 3)).to.deep.equal([2]);
    expect(keptKidneyComponents([], 3)).to.deep.equal([]);
    const m = new Uint8Array(S[0] * S[1] * S[2]);
    paint(m, [0, 0, 0], [5, 5, 4], 1); // 100
    paint(m, [0, 0, 10], [5, 2, 14], 1); // 40
    paint(m, [0, 0, 20], [1, 2, 25], 2); // 10
    expect(keepLargestKidneys(m, S, { maxRatio: 3, connectivity: 26 })).to.equal(2);
    expect(count(m, 1)).to.equal(140);
    expect(count(m, 2)).to.equal(0);
    paint(m, [0, 0, 10], [5, 2, 14], 0);
    paint(m, [0, 0, 10], [5, 2, 13], 1); // 30: now > 3× smaller
    keepLargestKidneys(m, S, { maxRatio: 3, connectivity: 26 });
    expect(count(m, 1)).to.equal(100);
  });

  it('kidney boxes are the kept components grown by the margin in voxels', () => {
    const m = new Uint8Array(S[0] * S[1] * S[2]);
    paint(m, [4, 4, 4], [6, 6, 8], 1);
    const [b] = kidneyBoxes(m, S, [2, 1, 1], { marginMm: [4, 1, 0.5] });
    expect(b).to.deep.equal({ lo: [2, 3, 3], hi: [8, 7, 9] });
    // A fixed ROI centred on both kidneys: 8 × 6 × 10 mm at [2, 1, 1] mm = 4 × 6 × 10 voxels.
    paint(m, [4, 4, 14], [6, 6, 18], 1);
    const roi = kidneyBoxes(m, S, [2, 1, 1], { marginMm: [0, 0, 0], roiMm: [8, 6, 10] });
    // Union box d 4–6, h 4–6, w 4–18 → centres 5, 5, 11 → lo = centre − size/2.
    expect(roi).to.deep.equal([{ lo: [3, 2, 6], hi: [7, 8, 16] }]);
  });

  it('drops tumour floating away from any kidney, keeps tumour attached to one', () => {
    const m = new Uint8Array(S[0] * S[1] * S[2]);
    paint(m, [0, 0, 0], [4, 4, 4], 1);
    paint(m, [0, 0, 4], [2, 2, 6], 2); // attached
    paint(m, [8, 8, 20], [10, 10, 22], 2); // floating
    expect(tumourInsideKidney(m, S, 0.95, 26)).to.equal(1);
    expect(count(m, 2)).to.equal(8);
  });

  it('cyst filter turns low-HU tumours into kidney and keeps enhancing ones', () => {
    const m = new Uint8Array(S[0] * S[1] * S[2]);
    const hu = new Float32Array(m.length).fill(40);
    paint(m, [0, 0, 0], [6, 6, 12], 1);
    paint(m, [1, 1, 1], [3, 3, 3], 2);
    paint(hu, [1, 1, 1], [3, 3, 3], 5); // fluid: mean 5 HU
    paint(m, [1, 1, 8], [3, 3, 10], 2); // 40 HU
    expect(cystFilter(m, hu, S, 10, 26)).to.equal(1);
    expect(m[idx(1, 1, 1)]).to.equal(1);
    expect(m[idx(1, 1, 8)]).to.equal(2);
  });

  it('eigen filter drops elongated tumours (λ1/λ2 6.6) and keeps compact ones (1.46)', () => {
    // Discrete uniform box of n voxels: variance (n² − 1)/12; 10×4×4 → 99/15, 6×5×5 → 35/24.
    const m = new Uint8Array(S[0] * S[1] * S[2]);
    paint(m, [0, 0, 0], [4, 4, 10], 2);
    paint(m, [5, 5, 15], [10, 10, 21], 2);
    expect(eigenFilter(m, S, [1, 1, 1], [1.07, 2.8], 26)).to.equal(1);
    expect(m[idx(0, 0, 0)]).to.equal(0); // no kidney next to it → background
    expect(count(m, 2)).to.equal(150);
    // Anisotropic spacing changes the ratio: 6×5×5 voxels at 2 mm along W → (4·35/12)/(24/12) = 5.83.
    expect(eigenFilter(m, S, [1, 1, 2], [1.07, 2.8], 26)).to.equal(1);
  });

  it('fills enclosed holes with the surrounding label, not ones open to the border', () => {
    const m = new Uint8Array(S[0] * S[1] * S[2]);
    paint(m, [2, 2, 2], [7, 7, 7], 1);
    paint(m, [3, 3, 3], [6, 6, 6], 0); // enclosed 27-voxel hole
    paint(m, [0, 0, 20], [3, 3, 23], 2);
    m[idx(0, 1, 21)] = 0; // touches the border
    expect(fillHoles(m, S)).to.equal(27);
    expect(m[idx(4, 4, 4)]).to.equal(1);
    expect(m[idx(0, 1, 21)]).to.equal(0);
  });

  it('a hole inside a KiTS21/23 cyst becomes cyst (label 3 votes like the others)', () => {
    const m = new Uint8Array(S[0] * S[1] * S[2]);
    paint(m, [2, 2, 2], [7, 7, 7], 3);
    paint(m, [2, 2, 2], [7, 7, 3], 1); // one kidney wall: 9 of the hole's 54 face contacts, the cyst has 45
    paint(m, [3, 3, 3], [6, 6, 6], 0);
    expect(fillHoles(m, S)).to.equal(27);
    expect(m[idx(4, 4, 4)]).to.equal(3);
  });

  it('the chain runs only the switched-on steps', () => {
    const off = PostprocessSchema.parse({});
    expect(postprocessEnabled(off)).to.equal(false);
    const m = new Uint8Array(S[0] * S[1] * S[2]);
    paint(m, [8, 8, 20], [10, 10, 22], 2);
    const before = m.slice();
    expect(postprocess(m, new Float32Array(m.length), S, [1, 1, 1], off)).to.deep.equal({});
    expect(m).to.deep.equal(before);
    const on = PostprocessSchema.parse({ tumourInsideKidney: {} });
    expect(postprocess(m, new Float32Array(m.length), S, [1, 1, 1], on)).to.deep.equal({
      tumoursOutsideKidney: 1,
    });
    expect(count(m, 2)).to.equal(0);
  });
});
