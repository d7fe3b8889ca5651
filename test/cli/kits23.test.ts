// KiTS21/23 end to end on a real KiTS23 label map (case_00257, with cysts): CT rendered around it,
// then `evaluate --pred-dir` on the KiTS23 folder layout prints the three-region table.
import { expect } from 'chai';
import { cpSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNifti, writeNifti } from '../../lib/io/nifti.js';
import { runKitseg } from '../helpers/cli.js';
import { KITS23_LABELS, useTmpDir } from '../helpers/tmp.js';

describe('cli: KiTS21/23', function () {
  this.timeout(300_000);
  const tmp = useTmpDir();

  /** `kitseg synth --from-labels SRC --labels kits23 --out OUT --spacing S`, quietly. */
  const synth23 = (src: string, out: string, spacing: string, ...more: string[]) =>
    runKitseg(
      'synth',
      '--from-labels',
      src,
      '--labels',
      'kits23',
      '--out',
      out,
      '--spacing',
      spacing,
      '--log-level',
      'silent',
      ...more,
    );

  function labelsFolder(): string {
    const src = join(tmp(), 'labels');
    mkdirSync(join(src, 'case_00257'), { recursive: true });
    cpSync(join(KITS23_LABELS, 'case_00257'), join(src, 'case_00257'), { recursive: true });
    return src;
  }

  it('synth renders cysts near water HU inside a brighter wall; KiTS19 labels refuse label 3', async () => {
    const src = labelsFolder();
    const refused = await runKitseg(
      'synth',
      '--from-labels',
      src,
      '--out',
      join(tmp(), 'x'),
      '--spacing',
      '5,2,2',
    );
    expect(refused.code).to.equal(1);
    expect(refused.err).to.match(
      /segmentation\.nii\.gz: label value 3 outside \{0, 1, 2\}.*use the kits23 label set/,
    );
    const out = join(tmp(), 'dataset');
    const r = await synth23(src, out, '5,2,2');
    expect(r.code, r.err).to.equal(0);
    const img = readNifti(join(out, 'case_00257/imaging.nii.gz'));
    const lab = readNifti(join(out, 'case_00257/segmentation.nii.gz'));
    const mean = (l: number) => {
      let s = 0;
      let n = 0;
      for (let i = 0; i < lab.data.length; i++)
        if (lab.data[i] === l) {
          s += img.data[i]!;
          n++;
        }
      return { hu: s / n, n };
    };
    const cyst = mean(3);
    expect(cyst.n).to.be.greaterThan(100);
    expect(cyst.hu).to.be.within(-10, 40);
    expect(mean(1).hu).to.be.greaterThan(cyst.hu + 50);
  });

  it('synth --from-labels --cases N renders the first N label maps only', async () => {
    const src = labelsFolder();
    cpSync(join(KITS23_LABELS, 'case_00210'), join(src, 'case_00210'), { recursive: true });
    const out = join(tmp(), 'first');
    const r = await synth23(src, out, '5,3,3', '--cases', '1');
    expect(r.code, r.err).to.equal(0);
    expect(readdirSync(out).filter((n) => n.startsWith('case_'))).to.deep.equal(['case_00210']);
  });

  it('evaluate --pred-dir on the KiTS23 layout prints the region table; cysts called tumour cost only tumour Dice', async () => {
    // The KiTS23 repository layout: dataset/case_XXXXX/{imaging,segmentation}.nii.gz and kits23.json.
    const dataset = join(tmp(), 'kits23', 'dataset');
    const r0 = await synth23(labelsFolder(), dataset, '5,2,2');
    expect(r0.code, r0.err).to.equal(0);
    writeFileSync(join(dataset, 'kits23.json'), JSON.stringify([{ case_id: 'case_00257' }]));
    const ref = readNifti(join(dataset, 'case_00257/segmentation.nii.gz'));
    let tumour = 0;
    let cyst = 0;
    const pred = Uint8Array.from(ref.data, (v) => {
      if (v === 2) tumour++;
      if (v === 3) cyst++;
      return v === 3 ? 2 : v;
    });
    const preds = join(tmp(), 'preds');
    mkdirSync(preds);
    writeNifti(
      join(preds, 'case_00257.nii.gz'),
      { data: pred, shape: ref.shape, affine: ref.affine },
      'uint8',
    );
    const r = await runKitseg(
      'evaluate',
      '--pred-dir',
      preds,
      '--data',
      dataset,
      '--labels',
      'kits23',
      '--json',
    );
    expect(r.code, r.err).to.equal(0);
    const t = (
      JSON.parse(r.out) as {
        tables: {
          summary: Record<string, unknown>;
          cases: Record<string, { dice: number; surfaceDice: number }>[];
        }[];
      }
    ).tables[0]!;
    const c = t.cases[0]!;
    // kidney+masses and masses are untouched; tumour = 2T / (2T + C).
    expect([
      c['kidney']!.dice,
      c['masses']!.dice,
      c['kidney']!.surfaceDice,
      c['masses']!.surfaceDice,
    ]).to.deep.equal([1, 1, 1, 1]);
    expect(c['tumor']!.dice).to.be.closeTo((2 * tumour) / (2 * tumour + cyst), 1e-12);
    expect(t.summary['labels']).to.equal('kits23');
    const md = await runKitseg('evaluate', '--pred-dir', preds, '--data', dataset, '--labels', 'kits23');
    expect(md.out).to.match(
      /\| case \| kidney\+masses Dice \| kidney\+masses HD95 mm \| kidney\+masses SD \| masses Dice .* mean Dice \| mean SD \|/,
    );
    expect(md.out).to.match(/kidney\+masses 1\.0000 {2}masses 1\.0000 {2}tumour 0\.\d{4} {2}mean Dice/);
    // Scored as KiTS19 the reference's cysts are not labels.
    const k19 = await runKitseg('evaluate', '--pred-dir', preds, '--data', dataset);
    expect(k19.code).to.equal(1);
    expect(k19.err).to.match(/label value 3 outside \{0, 1, 2\}/);
  });
});
