// An experiment killed in the middle of a variant's training (as a machine going down kills it, with
// no chance to save) resumes that variant from its last checkpoint and ends with the same table,
// per-case scores and val curve as a straight run.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { ROOT, runKitseg } from '../helpers/cli.js';
import { writeMicroConfig, writeMicroExperiment } from '../helpers/micro.js';
import { useTmpDir } from '../helpers/tmp.js';

interface Row {
  variant: string;
  kidney: number;
  tumor: number;
  composite: number;
}

/** The records of metrics.jsonl that do not depend on timing: step losses and validations. */
function curve(path: string): unknown[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { step?: number; loss?: number; val?: unknown })
    .filter((m) => m.loss !== undefined || m.val !== undefined)
    .map((m) => ({ step: m.step, loss: m.loss, val: m.val }));
}

describe('experiments: resume mid-variant', function () {
  this.timeout(600000);
  const tmp = useTmpDir();

  it('a run killed after its first checkpoint resumes there and gathers the straight run’s table', async () => {
    const cfg = writeMicroConfig(tmp(), { cpu: true, train: { epochs: 6 } });
    const exp = writeMicroExperiment(tmp(), `  - name: a\n    config: ${cfg}\n`);
    const args = (where: string) => [
      '--runs',
      join(tmp(), where, 'runs'),
      '--results',
      join(tmp(), where, 'results'),
    ];
    const straight = await runKitseg('experiment', 'run', exp, ...args('straight'), '--json');
    expect(straight.code, straight.err).to.equal(0);

    const state = join(tmp(), 'cut', 'runs', 'micro-a', 'checkpoints', 'last', 'state.json');
    const p = spawn(
      process.execPath,
      [join(ROOT, 'bin/kitseg.js'), 'experiment', 'run', exp, ...args('cut')],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exit = new Promise<NodeJS.Signals | null>((res) => p.on('exit', (_code, signal) => res(signal)));
    for (let i = 0; i < 6000 && !existsSync(state); i++) await new Promise((r) => setTimeout(r, 10));
    p.kill('SIGKILL');
    expect(await exit, err).to.equal('SIGKILL');
    const cutAt = (JSON.parse(readFileSync(state, 'utf8')) as { globalStep: number }).globalStep;
    expect(cutAt).to.be.within(2, 10); // killed mid-variant: after a checkpoint, before the last step
    expect(existsSync(join(tmp(), 'cut', 'results', 'micro', 'a.json'))).to.equal(false);

    const resumed = await runKitseg('experiment', 'run', exp, ...args('cut'), '--json');
    expect(resumed.code, resumed.err).to.equal(0);
    expect(resumed.err).to.match(new RegExp(`resumed at epoch \\d+, iteration \\d+ \\(step ${cutAt}\\)`));
    const pick = (r: Row[]) => r.map((x) => [x.variant, x.kidney, x.tumor, x.composite]);
    expect(pick(JSON.parse(resumed.out) as Row[])).to.deep.equal(pick(JSON.parse(straight.out) as Row[]));
    const kept = (where: string, file: string) => join(tmp(), where, 'results', 'micro', 'a', file);
    // Every per-case score, the seconds a case took aside.
    const scores = (where: string) =>
      readFileSync(kept(where, 'scores.csv'), 'utf8').replace(/,[0-9.e-]+$/gm, ',seconds');
    expect(scores('cut')).to.equal(scores('straight'));
    const straightCurve = curve(kept('straight', 'metrics.jsonl'));
    expect(straightCurve.filter((m) => (m as { loss?: number }).loss !== undefined)).to.have.length(12);
    expect(curve(kept('cut', 'metrics.jsonl'))).to.deep.equal(straightCurve);
    const table = (where: string) => readFileSync(join(tmp(), where, 'results', 'micro', 'table.md'), 'utf8');
    const noWall = (md: string) => md.replace(/\| \d+ (\| \w+ \| tiny \|)/g, '| wall $1');
    expect(noWall(table('cut'))).to.equal(noWall(table('straight')));
  });
});
