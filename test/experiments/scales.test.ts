import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { SILENT_LOGGER } from '../../lib/core/logger.js';
import { loadExperiment, variantConfig } from '../../lib/experiments/run.js';
import type { Scale } from '../../lib/experiments/schema.js';
import { useTmpDir } from '../helpers/tmp.js';

describe('experiment scales', () => {
  const tmp = useTmpDir();
  const load = (cpu = '  cpu:\n    set: [train.epochs=40, train.iterationsPerEpoch=30]\n') => {
    const f = join(tmp(), 'e.yaml');
    writeFileSync(
      f,
      'name: e\npaper: p\ntable: T\nscales:\n  tiny:\n    set: [train.epochs=2]\n' +
        cpu +
        'variants:\n  - name: a\n    config: configs/stage1.yaml\n    cpu: [train.iterationsPerEpoch=70]\n',
    );
    return loadExperiment(f);
  };
  const train = (scale: Scale, exp = load()) => {
    const o = { scale, runsDir: 'runs', resultsDir: 'results', backend: 'cpu', log: SILENT_LOGGER };
    const c = variantConfig(exp, exp.variants[0]!, o, new Map());
    return [c.train.epochs, c.train.iterationsPerEpoch];
  };

  it('applies the cpu scale, then the variant’s own cpu overrides, and nothing of them at other scales', () => {
    expect(train('cpu')).to.deep.equal([40, 70]);
    expect(train('tiny')).to.deep.equal([2, 50]); // stage1.yaml's 50 iterations
    expect(train('paper')).to.deep.equal([60, 50]);
  });

  it('refuses a cpu scale the file does not define, naming the file and the key', () => {
    const exp = load('');
    expect(train('tiny', exp)).to.deep.equal([2, 50]);
    expect(() => train('cpu', exp)).to.throw(
      /e\.yaml: scales\.cpu: expected this scale's overrides, found none \(defined: tiny, paper\)/,
    );
  });
});
