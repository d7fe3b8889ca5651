import { expect } from 'chai';
import type { Affine } from '../../lib/core/types.js';
import { canonicalize } from '../../lib/io/canonical-volume.js';
import {
  axisCodes,
  canonicalAffine,
  canonicalToFileIndex,
  fileAffineFor,
  fromCanonical,
  orientationFor,
  toCanonical,
} from '../../lib/io/orientation.js';
import { Rng } from '../../lib/rng/rng.js';

const world = (m: Affine, v: readonly number[]) =>
  [0, 1, 2].map((r) => m[r]![0]! * v[0]! + m[r]![1]! * v[1]! + m[r]![2]! * v[2]! + m[r]![3]!);

const GEOMETRIES: [string, Affine, string][] = [
  [
    'RAS',
    [
      [0.8, 0, 0, -100],
      [0, 0.8, 0, -90],
      [0, 0, 3, 10],
      [0, 0, 0, 1],
    ],
    'RAS',
  ],
  [
    'LPS',
    [
      [-0.8, 0, 0, 100],
      [0, -0.8, 0, 90],
      [0, 0, 3, 10],
      [0, 0, 0, 1],
    ],
    'LPS',
  ],
  [
    'KiTS19 slice-first',
    [
      [0, 0, -0.78, 0],
      [0, -0.78, 0, 0],
      [-3, 0, 0, 0],
      [0, 0, 0, 1],
    ],
    'IPL',
  ],
  [
    'oblique 20°',
    [
      [0.94 * 0.8, -0.34 * 0.8, 0, 0],
      [0.34 * 0.8, 0.94 * 0.8, 0, 0],
      [0, 0, 2, 0],
      [0, 0, 0, 1],
    ],
    'RAS',
  ],
];

describe('io/orientation', () => {
  for (const [name, affine, codes] of GEOMETRIES) {
    describe(name, () => {
      const fileShape = [5, 4, 3] as const;
      const o = orientationFor(affine, fileShape);
      const ca = canonicalAffine(o, affine);

      it(`axis codes are ${codes}`, () => expect(axisCodes(affine)).to.equal(codes));

      it('the canonical affine has positive diagonal-dominant axes (RAS+)', () => {
        for (let c = 0; c < 3; c++) {
          const col = [ca[0]![c]!, ca[1]![c]!, ca[2]![c]!];
          const big = col.map(Math.abs).indexOf(Math.max(...col.map(Math.abs)));
          expect(big).to.equal(c);
          expect(col[c]).to.be.greaterThan(0);
        }
      });

      it('every voxel keeps its world position and value through toCanonical/fromCanonical', () => {
        const data = new Float32Array(60).map((_, i) => i);
        const can = toCanonical(data, o);
        const [D, H, W] = [
          fileShape[o.fileAxis[2]!]!,
          fileShape[o.fileAxis[1]!]!,
          fileShape[o.fileAxis[0]!]!,
        ];
        for (let i = 0; i < 60; i++) {
          const ijk = [i % 5, Math.floor(i / 5) % 4, Math.floor(i / 20)];
          const f = world(affine, ijk);
          const v = can.indexOf(data[i]!);
          const cw = [v % W, Math.floor(v / W) % H, Math.floor(v / (W * H))];
          expect(Math.floor(v / (W * H))).to.be.below(D);
          world(ca, cw).forEach((x, k) => expect(x).to.be.closeTo(f[k]!, 1e-9));
        }
        expect(Array.from(fromCanonical(can, o))).to.deep.equal(Array.from(data));
      });

      // Probability maps are painted straight into file order through this index.
      it('canonicalToFileIndex sends each canonical voxel where fromCanonical puts it', () => {
        const can = new Float32Array(60).map((_, i) => i + 1);
        const painted = new Float32Array(60);
        const index = canonicalToFileIndex(o);
        for (let i = 0; i < 60; i++) painted[index(i)] = can[i]!;
        expect(Array.from(painted)).to.deep.equal(Array.from(fromCanonical(can, o)));
      });

      it('fileAffineFor inverts canonicalAffine', () => {
        const back = fileAffineFor(o, ca);
        back.forEach((row, r) => row.forEach((x, c) => expect(x).to.be.closeTo(affine[r]![c]!, 1e-12)));
      });
    });
  }

  it('canonicalize reports spacing along the canonical axes [D, H, W]', () => {
    const data = new Int16Array(611 * 4 * 6);
    const rng = Rng.fromSeed(0);
    for (let i = 0; i < data.length; i++) data[i] = rng.int(-1000, 1000);
    const v = canonicalize({
      data,
      shape: [611, 4, 6],
      affine: [
        [0, 0, -0.9, 0],
        [0, -0.8, 0, 0],
        [-0.5, 0, 0, 0],
        [0, 0, 0, 1],
      ],
      datatype: 'int16',
    });
    expect(v.shape).to.deep.equal([611, 4, 6]);
    expect(v.spacingMm).to.deep.equal([0.5, 0.8, 0.9]);
    // Canonical (d=0, h=0, w=0) is the most inferior, posterior, left voxel: file (610, 3, 5).
    expect(v.data[0]).to.equal(data[610 + 611 * (3 + 4 * 5)]);
  });
});
