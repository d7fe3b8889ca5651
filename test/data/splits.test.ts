import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { DataError } from '../../lib/core/errors.js';
import { loadOrCreateSplits, makeSplits, resolveSplit } from '../../lib/data/splits.js';
import { expectThrows } from '../helpers/assert.js';
import { useTmpDir } from '../helpers/tmp.js';

const ids = (n: number, labelled = true) =>
  Array.from({ length: n }, (_, i) => ({ id: `case_${String(i).padStart(5, '0')}`, labelled }));

describe('data/splits', () => {
  const tmp = useTmpDir();
  const opts = { seed: 0, folds: 5, val: 0.2, test: 0 };

  it('is deterministic for a seed and independent of input order', () => {
    const a = makeSplits(ids(30), opts);
    const b = makeSplits(ids(30).reverse(), opts);
    expect(a).to.deep.equal(b);
    expect(makeSplits(ids(30), { ...opts, seed: 1 }).val).to.not.deep.equal(a.val);
  });

  it('expresses the papers’ splits: 160/50 by count, 180/30, 90 %/10 %', () => {
    const s1 = makeSplits(ids(210), { ...opts, val: 50 });
    expect([s1.train.length, s1.val.length]).to.deep.equal([160, 50]);
    const s2 = makeSplits(ids(210), { ...opts, val: 30 });
    expect([s2.train.length, s2.val.length]).to.deep.equal([180, 30]);
    const s3 = makeSplits(ids(210), { ...opts, val: 0.1 });
    expect([s3.train.length, s3.val.length]).to.deep.equal([189, 21]);
  });

  it('train/val/test are disjoint and cover the cases; folds partition the non-test cases', () => {
    const cases = [...ids(22), ...ids(3, false).map((c, i) => ({ ...c, id: `case_${String(300 + i)}` }))];
    const s = makeSplits(cases, { ...opts, test: 2 });
    const all = [...s.train, ...s.val, ...s.test];
    expect(new Set(all).size).to.equal(all.length);
    expect(all.length).to.equal(25);
    expect(s.test).to.include.members(['case_300', 'case_301', 'case_302']);
    expect(s.folds).to.have.length(5);
    const vals = s.folds.flatMap((f) => f.val).sort();
    expect(vals).to.deep.equal([...s.train, ...s.val].sort());
    for (const f of s.folds) expect(f.train.filter((x) => f.val.includes(x))).to.deep.equal([]);
  });

  it('is saved once and then reused as written', () => {
    const cases = ids(10).map((c) => ({
      id: c.id,
      imagingPath: '',
      segmentationPath: 'x',
    }));
    const first = loadOrCreateSplits(tmp(), 'splits.json', cases, opts);
    const p = join(tmp(), 'splits.json');
    expect(existsSync(p)).to.equal(true);
    const edited = { ...first, val: [first.train[0]], train: first.train.slice(1) };
    writeFileSync(p, JSON.stringify(edited));
    const again = loadOrCreateSplits(tmp(), 'splits.json', cases, { ...opts, seed: 99 });
    expect(again.val).to.deep.equal(edited.val);
    expect(JSON.parse(readFileSync(p, 'utf8'))).to.deep.equal(edited);
  });

  it('resolves names and folds; an unknown split suggests the closest', () => {
    const s = makeSplits(ids(20), opts);
    expect(resolveSplit(s, 'val')).to.deep.equal(s.val);
    expect(resolveSplit(s, 'train', 2)).to.deep.equal(s.folds[2]!.train);
    expect(resolveSplit(s, 'all')).to.have.length(20);
    expectThrows(() => resolveSplit(s, 'vall'), DataError, /unknown split "vall" — did you mean "val"\?/);
    expectThrows(() => resolveSplit(s, 'val', 7), DataError, /fold 7 does not exist/);
  });
});
