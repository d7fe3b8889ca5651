import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { DataError, IoError } from '../../lib/core/errors.js';
import { diagonalAffine } from '../../lib/io/affine.js';
import { encodeNifti, readNifti, writeNifti } from '../../lib/io/nifti.js';
import { DATATYPES, type NiftiDatatype } from '../../lib/io/voxels.js';
import { expectThrows } from '../helpers/assert.js';
import { REAL_CT, useTmpDir } from '../helpers/tmp.js';

interface Reference {
  imaging: {
    shape: number[];
    dtype: string;
    spacing_mm: number[];
    affine: number[][];
    min: number;
    max: number;
    mean: number;
    sum: number;
    value_at_ijk_60_50_15: number;
  };
}
const ref = JSON.parse(readFileSync(join(REAL_CT, 'reference.json'), 'utf8')) as Reference;

// A KiTS19-original geometry: slice axis first, axes along −z, −y, −x.
const KITS_AFFINE = [
  [0, 0, -0.919921875, 0],
  [0, -0.919921875, 0, 0],
  [-0.5, 0, 0, 0],
  [0, 0, 0, 1],
] as const;
const LPS_AFFINE = [
  [-0.75, 0, 0, 120.5],
  [0, -0.75, 0, 98.25],
  [0, 0, 2.5, -300],
  [0, 0, 0, 1],
] as const;
// An oblique (rotated) affine, exactly representable in float32.
const OBLIQUE = [
  [0.5, -0.5, 0, 10],
  [0.5, 0.5, 0, -20],
  [0, 0, 3, 5],
  [0, 0, 0, 1],
] as const;

describe('io/nifti', () => {
  const tmp = useTmpDir();

  // 20 MB of voxels are deflated in two pieces; zlib's own gunzip checks the CRC and length.
  it('a .nii.gz written in pieces is one valid gzip stream of exactly the .nii bytes', () => {
    const shape: [number, number, number] = [200, 160, 160];
    const data = new Float32Array(shape[0] * shape[1] * shape[2]);
    for (let i = 0; i < data.length; i++) data[i] = (i % 9973) * 0.5;
    const vol = { data, shape, affine: diagonalAffine([0.8, 0.8, 2.5]) };
    writeNifti(join(tmp(), 'big.nii.gz'), vol);
    writeNifti(join(tmp(), 'big.nii'), vol);
    const plain = readFileSync(join(tmp(), 'big.nii'));
    const unzipped = gunzipSync(readFileSync(join(tmp(), 'big.nii.gz')));
    expect(unzipped.length).to.equal(352 + data.byteLength);
    expect(unzipped.equals(plain)).to.equal(true);
    expect(Array.from(readNifti(join(tmp(), 'big.nii.gz')).data.subarray(9970, 9976))).to.deep.equal([
      4985, 4985.5, 4986, 0, 0.5, 1,
    ]);
  });

  it('reads the real CT fixture with the nibabel reference values', () => {
    const v = readNifti(join(REAL_CT, 'case_00000/imaging.nii.gz'));
    expect(v.shape).to.deep.equal(ref.imaging.shape);
    expect(v.datatype).to.equal(ref.imaging.dtype);
    expect(v.affine).to.deep.equal(ref.imaging.affine);
    let mn = Infinity;
    let mx = -Infinity;
    let sum = 0;
    for (const x of v.data) {
      mn = Math.min(mn, x);
      mx = Math.max(mx, x);
      sum += x;
    }
    expect([mn, mx, sum]).to.deep.equal([ref.imaging.min, ref.imaging.max, ref.imaging.sum]);
    expect(sum / v.data.length).to.be.closeTo(ref.imaging.mean, 1e-9);
    const [ni, nj] = v.shape;
    expect(v.data[60 + ni * (50 + nj * 15)]).to.equal(ref.imaging.value_at_ijk_60_50_15);
  });

  const DTYPES = Object.keys(DATATYPES) as NiftiDatatype[];
  for (const dtype of DTYPES) {
    for (const [gname, affine] of [
      ['slice-first', KITS_AFFINE],
      ['LPS', LPS_AFFINE],
      ['oblique', OBLIQUE],
    ] as const) {
      for (const ext of ['.nii', '.nii.gz']) {
        it(`round-trips ${dtype} ${gname} ${ext} bit-exactly`, () => {
          const info = DATATYPES[dtype];
          const shape = [5, 4, 3] as const;
          const data = new info.ctor(60);
          for (let i = 0; i < 60; i++) {
            const span = info.isInteger ? Math.min(info.max - info.min, 250) : 1000;
            data[i] = info.isInteger ? info.min + ((i * 37) % span) : (i - 30) * 1.25 + 1 / 3;
          }
          if (info.isInteger) data[59] = info.max;
          const p = join(tmp(), `v${ext}`);
          writeNifti(p, { data, shape, affine: affine.map((r) => [...r]) });
          const back = readNifti(p);
          expect(back.datatype).to.equal(dtype);
          expect(back.shape).to.deep.equal(shape);
          expect(back.affine).to.deep.equal(affine.map((r) => [...r]));
          expect(Buffer.from(back.data.buffer, back.data.byteOffset, back.data.byteLength)).to.deep.equal(
            Buffer.from(data.buffer),
          );
          // The qform written beside the sform describes the same geometry.
          expect(back.header!.qformCode).to.equal(1);
          expect(back.header!.sformCode).to.equal(1);
        });
      }
    }
  }

  it('falls back to the qform when the sform code is 0', () => {
    const p = join(tmp(), 'q.nii');
    const bytes = encodeNifti(
      { data: new Uint8Array(8), shape: [2, 2, 2], affine: LPS_AFFINE.map((r) => [...r]) },
      'uint8',
      p,
    );
    new DataView(bytes.buffer).setInt16(254, 0, true);
    writeFileSync(p, bytes);
    const v = readNifti(p);
    v.affine.forEach((row, r) => row.forEach((x, c) => expect(x).to.be.closeTo(LPS_AFFINE[r]![c]!, 1e-5)));
  });

  it('applies scl_slope and scl_inter', () => {
    const p = join(tmp(), 's.nii');
    const bytes = encodeNifti(
      { data: new Int16Array([0, 1, 2, 3, 4, 5, 6, 7]), shape: [2, 2, 2], affine: diagonalAffine([1, 1, 1]) },
      'int16',
      p,
    );
    const dv = new DataView(bytes.buffer);
    dv.setFloat32(112, 2, true);
    dv.setFloat32(116, -1024, true);
    writeFileSync(p, bytes);
    expect(Array.from(readNifti(p).data)).to.deep.equal([
      -1024, -1022, -1020, -1018, -1016, -1014, -1012, -1010,
    ]);
  });

  describe('bad input is a typed error naming the file', () => {
    const good = () =>
      encodeNifti(
        { data: new Int16Array(27), shape: [3, 3, 3], affine: diagonalAffine([1, 1, 1]) },
        'int16',
        'x.nii',
      );

    it('not a NIfTI', () => {
      const p = join(tmp(), 'text.nii');
      writeFileSync(p, 'x'.repeat(400));
      expectThrows(() => readNifti(p), DataError, /not a NIfTI/, new RegExp(p));
    });
    it('truncated voxel data', () => {
      const p = join(tmp(), 'trunc.nii');
      writeFileSync(p, good().subarray(0, 352 + 20));
      expectThrows(() => readNifti(p), DataError, /truncated: header promises 54 bytes/, /trunc\.nii/);
    });
    it('corrupt gzip stream', () => {
      const p = join(tmp(), 'bad.nii.gz');
      const gz = gzipSync(good());
      writeFileSync(p, gz.subarray(0, gz.length - 30));
      expectThrows(() => readNifti(p), DataError, /corrupt gzip/, /bad\.nii\.gz/);
    });
    it('unsupported datatype', () => {
      const p = join(tmp(), 'c64.nii');
      const b = good();
      new DataView(b.buffer).setInt16(70, 32, true);
      writeFileSync(p, b);
      expectThrows(() => readNifti(p), DataError, /unsupported NIfTI datatype complex64 \(32\)/);
    });
    it('missing file', () => {
      expectThrows(() => readNifti(join(tmp(), 'none.nii.gz')), IoError, /file not found/);
    });
    it('values that do not fit the target datatype are refused, not clipped', () => {
      const p = join(tmp(), 'o.nii');
      expectThrows(
        () =>
          writeNifti(
            p,
            {
              data: new Float32Array([0, 1, 300, 0, 0, 0, 0, 0]),
              shape: [2, 2, 2],
              affine: diagonalAffine([1, 1, 1]),
            },
            'uint8',
          ),
        DataError,
        /value 300 at voxel 2 does not fit datatype uint8/,
      );
      expect(readdirSync(tmp())).to.deep.equal([]);
    });
  });

  it('writes atomically: a failed write leaves neither a file nor a temporary', () => {
    const dir = join(tmp(), 'sub');
    writeNifti(join(dir, 'ok.nii.gz'), {
      data: new Uint8Array(8),
      shape: [2, 2, 2],
      affine: diagonalAffine([1, 1, 1]),
    });
    expect(readdirSync(dir)).to.deep.equal(['ok.nii.gz']);
    expect(() =>
      writeNifti(join(dir, 'ok.nii.gz', 'x.nii'), {
        data: new Uint8Array(8),
        shape: [2, 2, 2],
        affine: diagonalAffine([1, 1, 1]),
      }),
    ).to.throw(IoError);
    expect(readdirSync(dir)).to.deep.equal(['ok.nii.gz']);
  });
});
