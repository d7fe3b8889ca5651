import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { readNifti } from '../../lib/io/nifti.js';
import { connectedComponents } from '../../lib/ops/components.js';
import { REAL_CT } from '../helpers/tmp.js';

describe('ops/components', () => {
  // 3 × 3 × 3 with voxels at (0,0,0), (0,0,1) [face], (0,1,2) [edge of (0,0,1)], (1,2,0)? see below.
  const shape = [3, 3, 3] as const;
  const at = (d: number, h: number, w: number) => (d * 3 + h) * 3 + w;
  const mask = new Uint8Array(27);
  mask[at(0, 0, 0)] = 1;
  mask[at(0, 0, 1)] = 1; // face neighbour of (0,0,0)
  mask[at(0, 1, 2)] = 1; // edge neighbour of (0,0,1)
  mask[at(1, 2, 1)] = 1; // corner neighbour of (0,1,2)
  mask[at(2, 2, 2)] = 1; // edge neighbour of (1,2,1): |Δ| = (1,0,1)

  const CASES: [6 | 18 | 26, number[]][] = [
    [6, [2, 1, 1, 1]],
    [18, [3, 2]],
    [26, [5]],
  ];
  for (const [conn, sizes] of CASES) {
    it(`${conn}-connectivity gives component sizes ${sizes.join(', ')}`, () => {
      const cc = connectedComponents(mask, shape, conn);
      expect(cc.sizes).to.deep.equal(sizes);
      expect(cc.labels[at(0, 0, 0)]).to.equal(1);
      expect(cc.labels[at(1, 1, 1)]).to.equal(0);
    });
  }

  it('matches scipy on the real CT fixture (26-connectivity)', () => {
    const ref = JSON.parse(readFileSync(join(REAL_CT, 'reference.json'), 'utf8')) as {
      segmentation: { components_26conn_sizes: number[] };
    };
    const v = readNifti(join(REAL_CT, 'case_00000/segmentation.nii.gz'));
    const cc = connectedComponents(v.data, [v.shape[2], v.shape[1], v.shape[0]], 26);
    expect([...cc.sizes].sort((a, b) => b - a)).to.deep.equal(ref.segmentation.components_26conn_sizes);
  });
});
