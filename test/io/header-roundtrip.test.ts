// Files kitseg writes for a case carry the input's header geometry as it was read: the same NIfTI
// version, the same qform and sform codes, the same quaternion, offsets, pixdim and srows, even
// where the two forms disagree.
import { join } from 'node:path';
import { expect } from 'chai';
import { readCanonical, writeLikeSource } from '../../lib/io/canonical.js';
import { readNifti } from '../../lib/io/nifti.js';
import { ROOT } from '../helpers/cli.js';
import { useTmpDir } from '../helpers/tmp.js';

const FUZZ = join(ROOT, 'test/fixtures/header-fuzz');
const CASES: [name: string, path: string][] = [
  ['a qform-only file', join(FUZZ, 'qform-vox_offset-352.nii')],
  ['an sform-only file (codes 2/0, as KiTS19 writes them)', join(FUZZ, 'sform-vox_offset-352.nii')],
  ['a file whose qform and sform disagree (5 mm in x)', join(FUZZ, 'both-srow_x3-5p0.nii')],
  ['a file with neither form', join(FUZZ, 'noform-vox_offset-352.nii')],
  ['a NIfTI-2 file with a qform', join(FUZZ, 'qform-nifti2.nii')],
  ['a NIfTI-2 file with neither form', join(FUZZ, 'noform-nifti2.nii')],
];

describe('io: header geometry written back as read', () => {
  const tmp = useTmpDir();
  for (const [name, path] of CASES)
    it(`${name}: the output re-reads with the input's exact forms`, () => {
      const src = readNifti(path);
      const c = readCanonical(path);
      const out = join(tmp(), 'out.nii.gz');
      writeLikeSource(
        out,
        Uint8Array.from(c.data, (v) => (v > 0 ? 1 : 0)),
        c,
        'uint8',
      );
      const back = readNifti(out);
      // Compared as JSON: plain numbers, and chai never walks the volumes.
      const geometry = JSON.stringify(src.header!.geometry);
      const affine = JSON.stringify(src.affine);
      const shape = JSON.stringify(src.shape);
      expect(JSON.stringify(back.header!.geometry)).to.equal(geometry);
      expect(JSON.stringify(back.affine)).to.equal(affine);
      expect(JSON.stringify(back.shape)).to.equal(shape);
      expect(back.datatype).to.equal('uint8');
    });

  it('the forms really differ where the test says so (the case is not vacuous)', () => {
    const g = readNifti(join(FUZZ, 'both-srow_x3-5p0.nii')).header!.geometry;
    expect([g.qformCode, g.sformCode]).to.deep.equal([1, 2]);
    expect(g.srow[0]![3]).to.equal(5);
    expect(g.qoffset[0]).to.equal(10);
    expect(readNifti(join(FUZZ, 'qform-nifti2.nii')).header!.version).to.equal(2);
  });
});
