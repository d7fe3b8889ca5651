// Messages that name the right thing: the scaling behind an odd label value, the reference a
// prediction was compared with, the voxel index outside the volume, and NaN geometry never equal.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { affinesClose, diagonalAffine } from '../../lib/io/affine.js';
import { writeNifti } from '../../lib/io/nifti.js';
import { runKitseg } from '../helpers/cli.js';
import { useTmpDir } from '../helpers/tmp.js';

const AFF = diagonalAffine([0.75, 0.75, 3]);
const labels = (n = 24) => Uint8Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 2 : i % 2));

/** A KiTS-layout case folder with imaging and segmentation on the same grid. */
function refCase(root: string): void {
  mkdirSync(join(root, 'case_00000'), { recursive: true });
  const img = { shape: [4, 3, 2] as [number, number, number], affine: AFF };
  writeNifti(
    join(root, 'case_00000', 'imaging.nii.gz'),
    { ...img, data: new Int16Array(24).fill(40) },
    'int16',
  );
  writeNifti(join(root, 'case_00000', 'segmentation.nii.gz'), { ...img, data: labels() }, 'uint8');
}

/** Sets scl_slope (float32 at byte 112) of an uncompressed NIfTI-1 file. */
function setSlope(path: string, slope: number): void {
  const b = readFileSync(path);
  b.writeFloatLE(slope, 112);
  writeFileSync(path, b);
}

describe('io: messages that name the cause', () => {
  const tmp = useTmpDir();

  it('a label map scaled by scl_slope names the scaling with the bad value', async () => {
    const p = join(tmp(), 'seg.nii');
    writeNifti(p, { data: labels(), shape: [4, 3, 2], affine: AFF }, 'uint8');
    setSlope(p, 2);
    const root = join(tmp(), 'pred');
    refCase(join(tmp(), 'ref'));
    mkdirSync(root);
    writeFileSync(join(root, 'case_00000.nii'), readFileSync(p));
    const r = await runKitseg('evaluate', '--pred-dir', root, '--data', join(tmp(), 'ref'));
    expect(r.code, r.err).to.equal(1);
    expect(r.err).to.match(
      /label value 4 outside \{0, 1, 2\} .*after the header's scl_slope 2 \/ scl_inter 0/,
    );
  });

  it('a prediction on another grid names the reference segmentation, not the imaging', async () => {
    refCase(join(tmp(), 'ref'));
    mkdirSync(join(tmp(), 'pred'));
    writeNifti(
      join(tmp(), 'pred', 'case_00000.nii.gz'),
      { data: labels(24), shape: [2, 3, 4], affine: AFF },
      'uint8',
    );
    const r = await runKitseg('evaluate', '--pred-dir', join(tmp(), 'pred'), '--data', join(tmp(), 'ref'));
    expect(r.code, r.err).to.equal(1);
    expect(r.err).to.match(
      /case_00000: .*shape \[2, 3, 4\] differs from the reference segmentation shape \[4, 3, 2\]/,
    );
  });

  it('inspect --at outside the volume is a usage error naming the index and the shape', async () => {
    const p = join(tmp(), 'v.nii.gz');
    writeNifti(p, { data: labels(), shape: [4, 3, 2], affine: AFF }, 'uint8');
    for (const at of ['4,0,0', '0,0,100000', '0,3,0']) {
      const r = await runKitseg('inspect', p, '--at', at);
      expect(r.code, at).to.equal(2);
      expect(r.err, at).to.match(/--at .*: index \d \(-?\d+\) is outside the file shape \[4, 3, 2\]/);
    }
    const ok = await runKitseg('inspect', p, '--at', '3,2,1', '--json');
    expect((JSON.parse(ok.out) as { valueAt: { value: number } }).valueAt.value).to.equal(
      labels()[3 + 4 * (2 + 3 * 1)],
    );
  });

  it('affines with a NaN entry are never "close", so NaN geometry cannot pass a same-grid check', () => {
    const nan = diagonalAffine([0.75, 0.75, 3], [NaN, 0, 0]);
    expect(affinesClose(AFF, AFF)).to.equal(true);
    expect(affinesClose(nan, AFF)).to.equal(false);
    expect(affinesClose(nan, nan)).to.equal(false);
  });
});
