import { expect } from 'chai';
import { Rng } from '../../lib/rng/rng.js';

const draw = (r: Rng, n = 5) => Array.from({ length: n }, () => r.next());

describe('rng/Rng', () => {
  it('same seed → same stream; seed 0 is a real seed distinct from 1', () => {
    expect(draw(Rng.fromSeed(0))).to.deep.equal(draw(Rng.fromSeed(0)));
    expect(draw(Rng.fromSeed(0))).to.not.deep.equal(draw(Rng.fromSeed(1)));
  });

  it('a fork depends on its label, not on how much the parent drew', () => {
    const a = Rng.fromSeed(7);
    const b = Rng.fromSeed(7);
    draw(b, 100);
    expect(draw(a.fork('sampler'))).to.deep.equal(draw(b.fork('sampler')));
    expect(draw(a.fork('sampler'))).to.not.deep.equal(draw(a.fork('augment')));
  });

  it('restores from a saved state and continues identically', () => {
    const r = Rng.fromSeed(3).fork('x');
    draw(r, 10);
    const saved = r.state();
    const expected = draw(r, 5);
    expect(draw(Rng.fromState(saved), 5)).to.deep.equal(expected);
  });

  it('int is inclusive and roughly uniform; shuffle is a permutation', () => {
    const r = Rng.fromSeed(11);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30000; i++) counts[r.int(0, 2)]!++;
    for (const c of counts) expect(Math.abs(c - 10000)).to.be.below(400);
    const items = Array.from({ length: 50 }, (_, i) => i);
    const s = r.shuffle(items);
    expect(s).to.not.deep.equal(items);
    expect([...s].sort((x, y) => x - y)).to.deep.equal(items);
  });

  it('normal has the requested mean and standard deviation', () => {
    const r = Rng.fromSeed(5);
    const xs = Array.from({ length: 20000 }, () => r.normal(3, 2));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    expect(Math.abs(mean - 3)).to.be.below(0.05);
    expect(Math.abs(sd - 2)).to.be.below(0.05);
  });

  it('rejects non-integer seeds', () => {
    expect(() => Rng.fromSeed(1.5)).to.throw(RangeError);
  });
});
