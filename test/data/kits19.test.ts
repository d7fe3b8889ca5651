import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { DataError, IoError } from '../../lib/core/errors.js';
import { inspectVolume } from '../../lib/data/inspect.js';
import { discoverCases, loadCase } from '../../lib/data/kits19.js';
import { diagonalAffine } from '../../lib/io/affine.js';
import { readNifti, writeNifti } from '../../lib/io/nifti.js';
import { expectThrows } from '../helpers/assert.js';
import { REAL_CT, useTmpDir } from '../helpers/tmp.js';

describe('data/kits19', () => {
  const tmp = useTmpDir();
  const aff = diagonalAffine([3, 0.8, 0.8]);
  const makeCase = (
    id: string,
    img: ArrayLike<number> | null,
    seg: ArrayLike<number> | null,
    opts: { segShape?: [number, number, number]; segAffine?: number[][]; imgType?: 'int16' | 'float32' } = {},
  ) => {
    const dir = join(tmp(), id);
    mkdirSync(dir, { recursive: true });
    if (img !== null) writeNifti(join(dir, 'imaging.nii.gz'), { data: img, shape: [2, 2, 2], affine: aff }, opts.imgType ?? 'int16');
    if (seg !== null)
      writeNifti(
        join(dir, 'segmentation.nii.gz'),
        { data: seg, shape: opts.segShape ?? [2, 2, 2], affine: (opts.segAffine as typeof aff | undefined) ?? aff },
        'uint8',
      );
  };

  it('reads the real CT fixture case in the KiTS layout with the reference label facts', () => {
    const ref = JSON.parse(readFileSync(join(REAL_CT, 'reference.json'), 'utf8')) as {
      segmentation: { labels: Record<string, number>; components_26conn_sizes: number[]; bbox_ijk_min: number[]; bbox_ijk_max: number[] };
      kidney_mean_hu: number;
    };
    const [c] = discoverCases(REAL_CT);
    expect(c!.id).to.equal('case_00000');
    const loaded = loadCase(c!);
    const seg = loaded.label!;
    let sum = 0;
    let n = 0;
    seg.data.forEach((l, i) => {
      if (l > 0) {
        sum += loaded.image.data[i]!;
        n++;
      }
    });
    expect(sum / n).to.be.closeTo(ref.kidney_mean_hu, 1e-9);
    const r = inspectVolume(readNifti(c!.segmentationPath!));
    expect(r.labels!.counts).to.deep.equal(ref.segmentation.labels);
    expect(r.labels!.componentSizes26).to.deep.equal(ref.segmentation.components_26conn_sizes);
    expect(r.labels!.bboxIjk).to.deep.equal({ min: ref.segmentation.bbox_ijk_min, max: ref.segmentation.bbox_ijk_max });
  });

  it('lists cases sorted, with test cases lacking a segmentation', () => {
    makeCase('case_00002', [0, 0, 0, 0, 0, 0, 0, 0], null);
    makeCase('case_00001', [0, 0, 0, 0, 0, 0, 0, 0], [0, 1, 2, 0, 0, 0, 0, 0]);
    mkdirSync(join(tmp(), 'notes'));
    const cases = discoverCases(tmp());
    expect(cases.map((c) => c.id)).to.deep.equal(['case_00001', 'case_00002']);
    expect(cases[1]!.segmentationPath).to.equal(undefined);
    expect(loadCase(cases[1]!).label).to.equal(undefined);
  });

  describe('bad datasets are typed errors naming the file', () => {
    it('empty dataset folder', () => expectThrows(() => discoverCases(tmp()), DataError, /no case_XXXXX folders/));
    it('missing dataset folder', () => expectThrows(() => discoverCases(join(tmp(), 'nope')), IoError, /not found/));
    it('missing imaging file', () => {
      makeCase('case_00000', null, [0, 0, 0, 0, 0, 0, 0, 0]);
      expectThrows(() => discoverCases(tmp()), DataError, /case_00000: missing imaging/);
    });
    it('labels outside {0, 1, 2}', () => {
      makeCase('case_00000', [0, 0, 0, 0, 0, 0, 0, 0], [0, 1, 2, 3, 3, 0, 0, 0]);
      expectThrows(() => loadCase(discoverCases(tmp())[0]!), DataError, /label value 3 outside \{0, 1, 2\} \(2 voxels/, /segmentation/);
    });
    it('NaN or Inf voxels', () => {
      makeCase('case_00000', [0, NaN, 0, Infinity, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0], { imgType: 'float32' });
      expectThrows(() => loadCase(discoverCases(tmp())[0]!), DataError, /1 NaN and 1 infinite voxels/, /imaging/);
    });
    it('image and segmentation shapes differ', () => {
      makeCase('case_00000', [0, 0, 0, 0, 0, 0, 0, 0], new Uint8Array(12), { segShape: [3, 2, 2] });
      expectThrows(() => loadCase(discoverCases(tmp())[0]!), DataError, /shape \[3, 2, 2\] differs from the imaging shape \[2, 2, 2\]/);
    });
    it('image and segmentation affines differ', () => {
      makeCase('case_00000', [0, 0, 0, 0, 0, 0, 0, 0], new Uint8Array(8), { segAffine: diagonalAffine([3, 0.8, 0.9]) });
      expectThrows(() => loadCase(discoverCases(tmp())[0]!), DataError, /affine .* differs from the imaging affine/);
    });
  });
});
