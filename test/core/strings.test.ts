import { expect } from 'chai';
import { closestMatch, editDistance } from '../../lib/core/strings.js';

describe('core/strings', () => {
  const CASES: [string, string, number][] = [
    ['', '', 0],
    ['abc', '', 3],
    ['kitten', 'sitting', 3], // k→s, e→i, +g
    ['epoch', 'epochs', 1],
    ['dise', 'dice', 1],
    ['flaw', 'lawn', 2],
  ];
  for (const [a, b, d] of CASES)
    it(`editDistance("${a}", "${b}") = ${d}`, () => expect(editDistance(a, b)).to.equal(d));

  it('suggests the nearest plausible name and nothing for unrelated ones', () => {
    expect(closestMatch('epoch', ['epochs', 'batchSize', 'patchSize'])).to.equal('epochs');
    expect(closestMatch('PATCHSIZE', ['epochs', 'patchSize'])).to.equal('patchSize');
    expect(closestMatch('zzzzzz', ['epochs', 'patchSize'])).to.equal(undefined);
    expect(closestMatch('x', [])).to.equal(undefined);
  });
});
