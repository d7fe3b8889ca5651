// Every config and experiment file in the repository validates (vega-lite's examples test).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { loadConfig } from '../../lib/config/load.js';
import { SILENT_LOGGER } from '../../lib/core/logger.js';
import { loadExperiment, variantConfig } from '../../lib/experiments/run.js';
import { modelPatchSize, summarizeConfig } from '../../lib/models/summary.js';

const ROOT = new URL('../../', import.meta.url).pathname;

describe('configs/ and experiments/', () => {
  const walk = (d: string): string[] =>
    readdirSync(join(ROOT, d)).flatMap((f) =>
      statSync(join(ROOT, d, f)).isDirectory() ? walk(join(d, f)) : f.endsWith('.yaml') ? [join(d, f)] : [],
    );
  const files = ['configs', 'experiments'].flatMap(walk);
  it('holds configs to validate', () => expect(files.length).to.be.greaterThan(0));
  for (const f of files.filter((x) => x.startsWith('experiments'))) {
    it(`${f} validates and every variant resolves at both scales`, () => {
      const exp = loadExperiment(join(ROOT, f));
      const resolved = new Map<string, string>();
      for (const scale of ['tiny', 'paper'] as const)
        for (const v of exp.variants) {
          const c = variantConfig(
            exp,
            v,
            { scale, runsDir: 'runs', resultsDir: 'results', backend: 'cpu', log: SILENT_LOGGER },
            resolved,
          );
          resolved.set(v.name, join(ROOT, v.config));
          expect(c.name).to.match(new RegExp(`^${exp.name}-`));
          if (v.stage1 !== null) expect(c.inference.cascade).to.not.equal(null);
        }
    });
  }
  for (const f of files.filter((x) => x.startsWith('configs'))) {
    it(`${f} validates and its model builds for its patch size`, () => {
      const c = loadConfig(join(ROOT, f));
      const s = summarizeConfig(c);
      expect(s.params).to.be.greaterThan(0);
      if (c.model.type === 'fasterRcnn') {
        // Fully convolutional over any slice size: objectness per anchor, 4 deltas per anchor; then the head.
        const A = c.model.anchorSizes.length * c.model.anchorRatios.length;
        expect(s.outputs.map((o) => o.at(-1))).to.deep.equal([c.model.stageFilters.at(-1), A, 4 * A, 2, 4]);
        return;
      }
      expect(s.outputs[0]!.slice(1, -1)).to.deep.equal(modelPatchSize(c));
    });
  }
});
