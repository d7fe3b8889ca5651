import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { labelCounts } from '../../lib/data/labels.js';
import { discoverCases, loadCase } from '../../lib/data/kits19.js';
import { writeSyntheticDataset } from '../../lib/synth/dataset.js';
import { useTmpDir } from '../helpers/tmp.js';

describe('synth', () => {
  const tmp = useTmpDir();

  it('the same seed gives byte-identical files; another seed does not', () => {
    writeSyntheticDataset({ out: join(tmp(), 'a'), cases: 2, seed: 1, preset: 'small' });
    writeSyntheticDataset({ out: join(tmp(), 'b'), cases: 2, seed: 1, preset: 'small' });
    writeSyntheticDataset({ out: join(tmp(), 'c'), cases: 1, seed: 2, preset: 'small' });
    for (const f of ['case_00000/imaging.nii.gz', 'case_00001/segmentation.nii.gz']) {
      expect(readFileSync(join(tmp(), 'a', f)).equals(readFileSync(join(tmp(), 'b', f))), f).to.equal(true);
    }
    const f = 'case_00000/imaging.nii.gz';
    expect(readFileSync(join(tmp(), 'a', f)).equals(readFileSync(join(tmp(), 'c', f)))).to.equal(false);
  });

  it('cases carry realistic CT: air, fat, enhancing kidney, tumour with necrosis, bone; layouts vary', () => {
    const s = writeSyntheticDataset({ out: tmp(), cases: 8, seed: 0, preset: 'small' });
    expect(new Set(s.cases.map((c) => c.layout)).size).to.be.greaterThan(1);
    for (const ref of discoverCases(tmp())) {
      const c = loadCase(ref); // validates geometry, labels and finiteness
      const img = c.image.data;
      const lab = c.label!.data;
      const [bg, kidney, tumour] = labelCounts(lab) as [number, number, number];
      expect(kidney, ref.id).to.be.greaterThan(500);
      expect(tumour, ref.id).to.be.greaterThan(0);
      expect(bg).to.be.greaterThan(kidney + tumour);
      const mean = (pred: (i: number) => boolean) => {
        let s = 0;
        let n = 0;
        for (let i = 0; i < img.length; i++) if (pred(i)) ((s += img[i]!), n++);
        return s / n;
      };
      // Kidney parenchyma enhances well above fat and water; tumour is distinct from kidney.
      expect(mean((i) => lab[i] === 1)).to.be.within(60, 220);
      expect(mean((i) => lab[i] === 2)).to.be.within(20, 160);
      let air = 0;
      let fat = 0;
      let bone = 0;
      for (let i = 0; i < img.length; i++) {
        const v = img[i]!;
        if (lab[i] !== 0) continue;
        if (v < -900) air++;
        else if (v > -130 && v < -60) fat++;
        else if (v > 300) bone++;
      }
      expect(air).to.be.greaterThan(img.length * 0.05);
      expect(fat).to.be.greaterThan(img.length * 0.05);
      expect(bone).to.be.greaterThan(100);
      expect(c.image.spacingMm[0]).to.be.within(2.5, 5);
    }
  });
});
