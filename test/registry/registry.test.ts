import { expect } from 'chai';
import { RegistryError } from '../../lib/core/errors.js';
import { Registry } from '../../lib/registry/registry.js';
import { expectThrows } from '../helpers/assert.js';

describe('registry/Registry', () => {
  const reg = new Registry<number>('loss');
  reg.register('dice', 1);
  reg.register('ce', 2);
  reg.register('diceCe', 3);

  it('returns registered entries and lists names sorted', () => {
    expect(reg.get('diceCe')).to.equal(3);
    expect(reg.list()).to.deep.equal(['ce', 'dice', 'diceCe']);
  });

  it('a miss names the closest entry and all available ones', () => {
    const e = expectThrows(
      () => reg.get('dise'),
      RegistryError,
      /Unknown loss "dise"/,
      /Did you mean "dice"\?/,
    );
    expect(e.message).to.contain('Available: ce, dice, diceCe');
    expect((e as RegistryError).suggestion).to.equal('dice');
  });

  it('refuses duplicate names', () => {
    expect(() => reg.register('dice', 9)).to.throw(/already registered/);
  });
});
