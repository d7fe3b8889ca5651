// Resuming a run whose saved config predates a schema field: the same meaning resumes; a real change
// is refused, naming what changed.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { runKitseg } from '../helpers/cli.js';
import { writeMicroConfig } from '../helpers/micro.js';
import { useTmpDir } from '../helpers/tmp.js';

describe('training: resuming under a newer schema', function () {
  this.timeout(600000);
  const tmp = useTmpDir();

  it('resumes when only a field at its default is new, and refuses a changed seed', async () => {
    const cfg = writeMicroConfig(tmp(), { cpu: true });
    const runs = join(tmp(), 'runs');
    const train = (...extra: string[]) =>
      runKitseg('train', '--config', cfg, '--runs', runs, '--set', 'name=r', '--log-level', 'info', ...extra);
    const first = await train();
    expect(first.code, first.err).to.equal(0);
    // What an older kitseg wrote: no train.valSampling, and a hash of that smaller config.
    const run = join(runs, 'r');
    const saved = JSON.parse(readFileSync(join(run, 'config.resolved.json'), 'utf8')) as {
      train: Record<string, unknown>;
    };
    delete saved.train['valSampling'];
    writeFileSync(join(run, 'config.resolved.json'), JSON.stringify(saved));
    const statePath = join(run, 'checkpoints', 'last', 'state.json');
    const state = JSON.parse(readFileSync(statePath, 'utf8')) as { configHash: string };
    writeFileSync(statePath, JSON.stringify({ ...state, configHash: '0123456789abcdef' }));

    const resumed = await train('--resume');
    expect(resumed.code, resumed.err).to.equal(0);
    expect(resumed.err).to.match(/resumed at epoch \d+, iteration \d+ \(step 2\)/);

    const refused = await train('--resume', '--set', 'seed=9');
    expect(refused.code).to.equal(1);
    expect(refused.err).to.include(
      `${run}: the config changed since this run started (seed); start a new run`,
    );
  });
});
