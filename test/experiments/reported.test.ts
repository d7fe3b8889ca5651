// The papers' numbers come into the experiment files from experiments/reported.yaml by reference
// (test/config/all-configs.test.ts loads every experiment file and resolves its variants).
import { writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { ConfigError } from '../../lib/core/errors.js';
import { loadExperiment } from '../../lib/experiments/run.js';
import { useTmpDir } from '../helpers/tmp.js';

describe('experiments/*.yaml and reported.yaml', () => {
  const tmp = useTmpDir();

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

  it('invalid YAML in an experiment file or its reported.yaml is a one-line error naming the file and line', () => {
    const exp = join(tmp(), 'e.yaml');
    const errorOf = () => {
      try {
        loadExperiment(exp);
      } catch (e) {
        return e;
      }
      return null;
    };
    // A flow list inside a flow list must be quoted: this one is not.
    writeFileSync(exp, 'name: e\npaper: p\ntable: t\nvariants:\n  - name: a\n    cpu: [x=[2]]\n');
    const bad = errorOf();
    expect(bad).to.be.instanceOf(ConfigError);
    expect(String(bad)).to.match(/e\.yaml: \(root\): invalid YAML at line 6: /);
    expect(String(bad).split('\n')).to.have.length(1);
    writeFileSync(
      exp,
      'name: e\npaper: p\ntable: t\nvariants:\n  - name: a\n    config: configs/stage1.yaml\n    reported: zhang.table9\n',
    );
    writeFileSync(join(tmp(), 'reported.yaml'), 'zhang: {table9: [\n');
    expect(String(errorOf())).to.match(/reported\.yaml: \(root\): invalid YAML at line \d+: /);
  });
});
