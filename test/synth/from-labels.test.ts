import { readFileSync, symlinkSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { loadCase, discoverCases } from '../../lib/data/kits19.js';
import { readNifti } from '../../lib/io/nifti.js';
import { writeFromLabelsDataset } from '../../lib/synth/dataset.js';
import { KITS_LABELS, REAL_CT, useTmpDir } from '../helpers/tmp.js';

describe('synth --from-labels', () => {
  const tmp = useTmpDir();

  it('renders CT whose labels are exactly the given ones, in the label file’s shape and affine', () => {
    writeFromLabelsDataset({ labels: REAL_CT, out: join(tmp(), 'a'), seed: 3 });
    writeFromLabelsDataset({ labels: REAL_CT, out: join(tmp(), 'b'), seed: 3 });
    const src = readNifti(join(REAL_CT, 'case_00000/segmentation.nii.gz'));
    const seg = readNifti(join(tmp(), 'a/case_00000/segmentation.nii.gz'));
    const img = readNifti(join(tmp(), 'a/case_00000/imaging.nii.gz'));
    expect(seg.shape).to.deep.equal(src.shape);
    expect(img.shape).to.deep.equal(src.shape);
    expect(seg.affine).to.deep.equal(src.affine);
    expect(img.affine).to.deep.equal(src.affine);
    expect(
      Buffer.from(seg.data.buffer, seg.data.byteOffset, seg.data.byteLength).equals(
        Buffer.from(src.data.buffer, src.data.byteOffset, src.data.byteLength),
      ),
    ).to.equal(true);
    for (const f of ['imaging.nii.gz', 'segmentation.nii.gz']) {
      expect(
        readFileSync(join(tmp(), 'a/case_00000', f)).equals(readFileSync(join(tmp(), 'b/case_00000', f))),
      ).to.equal(true);
    }
    // Kidney voxels enhance; the surroundings hold fat and air.
    const c = loadCase(discoverCases(join(tmp(), 'a'))[0]!);
    let k = 0;
    let n = 0;
    let air = 0;
    c.label!.data.forEach((l, i) => {
      if (l === 1) ((k += c.image.data[i]!), n++);
      else if (c.image.data[i]! < -900) air++;
    });
    expect(k / n).to.be.within(60, 220);
    expect(air).to.be.greaterThan(1000);
  });

  it('renders a real KiTS19 label map (slice-first) at a coarse spacing, labels by nearest', () => {
    const labels = join(tmp(), 'labels');
    mkdirSync(labels);
    symlinkSync(join(KITS_LABELS, 'case_00061'), join(labels, 'case_00061'));
    const s = writeFromLabelsDataset({ labels, out: join(tmp(), 'out'), seed: 0, spacingMm: [4, 3, 3] });
    const src = readNifti(join(KITS_LABELS, 'case_00061/segmentation.nii.gz'));
    const c = loadCase(discoverCases(join(tmp(), 'out'))[0]!);
    // Same physical extent: shape ≈ source extent / new spacing along each world axis.
    const srcExtent = [0, 1, 2].map(
      (a) => src.shape[a]! * Math.hypot(...[0, 1, 2].map((r) => src.affine[r]![a]!)),
    );
    const outExtent = [c.image.shape[0] * 4, c.image.shape[1] * 3, c.image.shape[2] * 3].sort(
      (a, b) => a - b,
    );
    srcExtent.sort((a, b) => a - b).forEach((e, i) => expect(Math.abs(e - outExtent[i]!)).to.be.below(4));
    expect(s.cases[0]!.spacingMm).to.deep.equal([4, 3, 3]);
    const labelsPresent = new Set(c.label!.data);
    expect([...labelsPresent].sort()).to.deep.equal([0, 1, 2]);
  });
});
