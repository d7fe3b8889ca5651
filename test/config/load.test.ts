import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { configHash, canonicalJson } from '../../lib/config/hash.js';
import { applyOverrides, deepMerge, loadConfig } from '../../lib/config/load.js';
import { ConfigError } from '../../lib/core/errors.js';
import { expectThrows } from '../helpers/assert.js';
import { useTmpDir } from '../helpers/tmp.js';

describe('config/load', () => {
  const tmp = useTmpDir();
  const write = (name: string, text: string) => {
    const p = join(tmp(), name);
    writeFileSync(p, text);
    return p;
  };

  it('fills schema defaults for a file that only names the run', () => {
    const c = loadConfig(write('e.yaml', 'name: run\n'));
    expect(c.seed).to.equal(0);
    expect(c.data.root).to.equal('data/synthetic');
    expect(c.data.splits.folds).to.equal(5);
    expect(c.model.type).to.equal('unet3d');
    expect(c.train.epochs).to.equal(50);
    expect(Object.isFrozen(c.train)).to.equal(true);
  });

  it('extends merges objects key by key and replaces arrays', () => {
    write(
      'base.yaml',
      'seed: 3\nmodel:\n  type: unet3d\n  poolSchedule: [[2, 2, 2]]\ntrain:\n  epochs: 10\n  patchSize: [16, 16, 16]\n',
    );
    const c = loadConfig(write('child.yaml', 'extends: base.yaml\ntrain:\n  patchSize: [8, 16, 16]\n'));
    expect(c.seed).to.equal(3);
    expect(c.train.epochs).to.equal(10);
    expect(c.train.patchSize).to.deep.equal([8, 16, 16]);
    expect(c.model.type === 'unet3d' && c.model.poolSchedule).to.deep.equal([[2, 2, 2]]);
  });

  it('detects extends cycles', () => {
    write('a.yaml', 'extends: b.yaml\n');
    write('b.yaml', 'extends: a.yaml\n');
    expectThrows(() => loadConfig(join(tmp(), 'a.yaml')), ConfigError, /cycle/);
  });

  it('--set overrides nested keys with YAML-typed values', () => {
    const c = loadConfig(write('c.yaml', 'seed: 1\nmodel:\n  type: unet3d\n  poolSchedule: [[2, 2, 2]]\n'), [
      'seed=0',
      'train.patchSize=[8,8,8]',
      'data.fold=2',
    ]);
    expect(c.seed).to.equal(0);
    expect(c.train.patchSize).to.deep.equal([8, 8, 8]);
    expect(c.data.fold).to.equal(2);
    expect(() => applyOverrides({}, ['novalue'])).to.throw(ConfigError, /key.path=value/);
  });

  it('a misspelt key names its path and the closest valid key', () => {
    const e = expectThrows(
      () => loadConfig(write('t.yaml', 'train:\n  epoch: 3\n')),
      ConfigError,
      /train\.epoch: unknown key "epoch" — did you mean "epochs"\?/,
    ) as ConfigError;
    expect(e.issues[0]!.path).to.deep.equal(['train', 'epoch']);
    expect(e.message).to.not.contain('\n');
  });

  it('misspelt keys inside a union member are found through the discriminator', () => {
    expectThrows(
      () => loadConfig(write('m.yaml', 'model:\n  type: unet3d\n  baseFilter: 8\n')),
      ConfigError,
      /model\.baseFilter: unknown key "baseFilter" — did you mean "baseFilters"\?/,
    );
    expectThrows(
      () => loadConfig(write('l.yaml', 'loss:\n  type: dise\n')),
      ConfigError,
      /loss\.type: unknown value "dise" — did you mean "dice"\?/,
    );
  });

  it('type errors name the key', () => {
    expectThrows(() => loadConfig(write('x.yaml', 'train:\n  epochs: -1\n')), ConfigError, /train\.epochs:/);
    expectThrows(
      () => loadConfig(write('y.yaml', 'seed: [1\n')),
      ConfigError,
      /invalid YAML at line \d+: Flow sequence/,
    );
    expectThrows(() => loadConfig(join(tmp(), 'missing.yaml')), ConfigError, /file not found/);
  });

  it('deepMerge does not mutate its inputs', () => {
    const a = { x: { y: 1 } };
    const m = deepMerge(a, { x: { z: 2 } });
    expect(m).to.deep.equal({ x: { y: 1, z: 2 } });
    expect(a).to.deep.equal({ x: { y: 1 } });
  });

  it('the hash ignores key order and changes with any value', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).to.equal('{"a":{"c":3,"d":2},"b":1}');
    expect(configHash({ a: 1, b: 2 })).to.equal(configHash({ b: 2, a: 1 }));
    expect(configHash({ a: 1, b: 2 })).to.not.equal(configHash({ a: 1, b: 3 }));
    expect(configHash({})).to.match(/^[0-9a-f]{16}$/);
  });
});
