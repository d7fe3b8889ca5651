// Whether a saved resolved config still means today's: a field the schema gained since is no change.
import { expect } from 'chai';
import { configChanges } from '../../lib/config/compare.js';
import { loadConfig } from '../../lib/config/load.js';

describe('config: comparing a saved config with today’s', () => {
  const now = loadConfig('configs/stage1.yaml');
  type Part = Record<string, unknown>;
  type Saved = Part & { seed: number; train: Part; optim: Part; data: Part };
  const saved = () => JSON.parse(JSON.stringify({ ...now, configHash: 'abc' })) as Saved;

  it('finds no change in the same config, nor in one saved before a field existed', () => {
    expect(configChanges(saved(), now)).to.deep.equal([]);
    const older = saved();
    delete older.train['valSampling'];
    delete older.data['renderings'];
    expect(configChanges(older, now)).to.deep.equal([]);
  });

  it('names every changed path, nested ones dotted', () => {
    const s = saved();
    s.seed = now.seed + 1;
    s.train['patchSize'] = [8, 8, 8];
    s.optim['lr'] = now.optim.lr * 2;
    expect(configChanges(s, now)).to.deep.equal(['optim.lr', 'seed', 'train.patchSize']);
  });

  it('counts a missing field with a non-default value today as a change', () => {
    const s = saved();
    delete s.train['valPatches'];
    const changed = loadConfig('configs/stage1.yaml', ['train.valPatches=9']);
    expect(configChanges(s, changed)).to.deep.equal(['train.valPatches']);
  });

  it('reports a saved key today’s schema no longer knows', () => {
    const s = saved();
    s.train['retired'] = true;
    const why = configChanges(s, now);
    expect(why).to.have.length(1);
    expect(why[0]).to.match(/^train \(no longer valid: .*retired/);
  });
});
