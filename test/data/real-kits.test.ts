// Real KiTS19 geometry: the shared label maps (slice axis first, 512 × 512 in-plane, 0.5–5 mm slices).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'chai';
import { readNifti, writeNifti } from '../../lib/io/nifti.js';
import { axisCodes } from '../../lib/io/orientation.js';
import { kitsDice, regionDice } from '../../lib/metrics/dice.js';
import { KITS_LABELS, useTmpDir } from '../helpers/tmp.js';

const ROOT = new URL('../../', import.meta.url).pathname;

describe('real KiTS19 label maps', () => {
  const tmp = useTmpDir();

  it('round-trips a real label file bit-exactly with its slice-first affine', () => {
    const src = readNifti(join(KITS_LABELS, 'case_00061/segmentation.nii.gz'));
    expect(src.shape[1]).to.equal(512);
    expect(axisCodes(src.affine)).to.match(/^I/); // slice axis first, pointing inferior
    const p = join(tmp(), 'seg.nii.gz');
    writeNifti(p, src);
    const back = readNifti(p);
    expect(back.shape).to.deep.equal(src.shape);
    expect(back.affine).to.deep.equal(src.affine);
    expect(back.datatype).to.equal(src.datatype);
    expect(Buffer.from(back.data.buffer, back.data.byteOffset, back.data.byteLength).equals(Buffer.from(src.data.buffer, src.data.byteOffset, src.data.byteLength))).to.equal(true);
  });

  it('kitseg inspect reads a 611 × 512 × 512 label map in bounded memory', () => {
    const script = `
      const { runCli } = await import(${JSON.stringify(join(ROOT, 'dist/lib/cli/main.js'))});
      let out = '';
      const code = await runCli(['inspect', ${JSON.stringify(join(KITS_LABELS, 'case_00000/segmentation.nii.gz'))}, '--json'],
        { out: (t) => (out += t), err: () => {}, env: {} });
      console.log(JSON.stringify({ code, report: JSON.parse(out), maxRssMb: process.resourceUsage().maxRSS / 1024 }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
    const { code, report, maxRssMb } = JSON.parse(r.stdout) as {
      code: number;
      report: { shape: number[]; labels: { counts: Record<string, number>; componentSizes26: number[] } };
      maxRssMb: number;
    };
    expect(code).to.equal(0);
    expect(report.shape).to.deep.equal([611, 512, 512]);
    const c = report.labels.counts;
    expect(c['0']! + c['1']! + c['2']!).to.equal(611 * 512 * 512);
    expect(report.labels.componentSizes26.slice(0, 2).reduce((a, b) => a + b, 0)).to.be.at.most(c['1']! + c['2']!);
    // The uint8 voxels alone are 160 MB; holding int32 component ids for the whole field of view would add 640 MB.
    expect(maxRssMb).to.be.below(700);
  });

  it('the KiTS Dice of a real label map against a perturbed copy equals the hand computation', () => {
    const ref = readNifti(join(KITS_LABELS, 'case_00061/segmentation.nii.gz')).data;
    const pred = new Uint8Array(ref);
    let kidneyErased = 0;
    let tumourToKidney = 0;
    for (let i = 0; i < pred.length; i++) {
      if (pred[i] === 1 && kidneyErased < 1000) (pred[i] = 0), kidneyErased++;
      else if (pred[i] === 2 && tumourToKidney < 500) (pred[i] = 1), tumourToKidney++;
    }
    let fg = 0;
    let tu = 0;
    for (const l of ref) (fg += l > 0 ? 1 : 0), (tu += l === 2 ? 1 : 0);
    expect(tu).to.be.greaterThan(500);
    // Kidney region loses 1000 voxels: 2(|A| − 1000)/(|A| + |A| − 1000); tumour loses 500 likewise.
    const wantKidney = (2 * (fg - 1000)) / (2 * fg - 1000);
    const wantTumour = (2 * (tu - 500)) / (2 * tu - 500);
    const d = kitsDice(pred, ref);
    expect(d.kidney).to.be.closeTo(wantKidney, 1e-12);
    expect(d.tumor).to.be.closeTo(wantTumour, 1e-12);
    expect(d.composite).to.be.closeTo((wantKidney + wantTumour) / 2, 1e-12);
    // The KiTS21/23 empty rule.
    expect(regionDice([0, 0], [0, 0], (l) => l === 2)).to.equal(1);
    expect(regionDice([2, 0], [0, 0], (l) => l === 2)).to.equal(0);
  });
});
