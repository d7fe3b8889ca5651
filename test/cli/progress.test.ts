// Progress helpers: the text bar and ETA formatting.
import { expect } from 'chai';
import { bar, formatEta } from '../../lib/cli/progress.js';

describe('cli/progress', () => {
  it('draws 20 cells and formats seconds as m:ss or h:mm:ss', () => {
    expect(bar(0)).to.equal(`[${'.'.repeat(20)}]`);
    expect(bar(0.5)).to.equal(`[${'#'.repeat(10)}${'.'.repeat(10)}]`);
    expect(bar(2)).to.equal(`[${'#'.repeat(20)}]`);
    expect(formatEta(59.6)).to.equal('1:00');
    expect(formatEta(3725)).to.equal('1:02:05');
    expect(formatEta(-3)).to.equal('0:00');
  });
});
