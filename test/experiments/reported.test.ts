// The experiment files: every one loads, every variant's config resolves, and the papers' numbers come
// from experiments/reported.yaml by reference.
import { readdirSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { ConfigError } from '../../lib/core/errors.js';
import { SILENT_LOGGER } from '../../lib/core/logger.js';
import { checkNames, loadExperiment, variantConfig } from '../../lib/experiments/run.js';
import { useTmpDir } from '../helpers/tmp.js';

const FILES = readdirSync('experiments').filter((n) => n.endsWith('.yaml') && n !== 'reported.yaml');

describe('experiments/*.yaml and reported.yaml', () => {
  const tmp = useTmpDir();

  it('every experiment file loads and each variant resolves to a valid config at both scales', () => {
    expect(FILES.length).to.equal(5);
    for (const f of FILES) {
      const path = join('experiments', f);
      const exp = loadExperiment(path);
      checkNames(exp, path);
      for (const scale of ['tiny', 'paper'] as const) {
        const resolved = new Map(exp.variants.map((v) => [v.name, `configs/${v.name}.yaml`]));
        for (const v of exp.variants) {
          const o = { scale, runsDir: 'runs', resultsDir: 'results', backend: 'cpu', log: SILENT_LOGGER };
          expect(() => variantConfig(exp, v, o, resolved), `${f} ${v.name} ${scale}`).to.not.throw();
        }
      }
    }
  });

  it('resolves the papers’ rows by path: Zhang’s seven, Wei’s “mean” as composite, the detector’s boxes', () => {
    const zhang = loadExperiment('experiments/zhang.yaml');
    const rows = zhang.variants.filter((v) => v.reported !== null);
    expect(rows.length).to.equal(7);
    expect(zhang.variants.find((v) => v.name === 's2-prior')!.reported).to.deep.equal({
      kidney: 0.9805,
      tumor: 0.837,
    });
    expect(zhang.variants.find((v) => v.name === 's2-ds')!.reported).to.deep.equal({
      kidney: 0.9775,
      tumor: 0.8029,
    });
    const wei = loadExperiment('experiments/wei.yaml');
    expect(wei.variants[0]!.reported).to.deep.equal({ kidney: 0.9, tumor: 0.19, composite: 0.545 });
    const det = loadExperiment('experiments/detection-cascade.yaml');
    expect(det.variants[0]!.reported).to.deep.equal({ recall: 0.9613, precision: 0.5021 });
  });

  it('a path to nothing names the file, the variant and the keys that exist', () => {
    copyFileSync('experiments/reported.yaml', join(tmp(), 'reported.yaml'));
    const exp = join(tmp(), 'e.yaml');
    writeFileSync(
      exp,
      'name: e\npaper: p\ntable: t\nvariants:\n  - name: a\n    config: configs/stage1.yaml\n    reported: zhang.table9\n',
    );
    let err: unknown = null;
    try {
      loadExperiment(exp);
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(ConfigError);
    expect(String(err)).to.contain('variants[0].reported: zhang.table9: no "table9"');
    expect(String(err)).to.contain('table1_val');
  });
});
