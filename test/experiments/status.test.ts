// `kitseg experiment status`: each variant done, running, partial or not started, with its steps
// and last validation; and a run that a live process trains cannot be trained by a second one.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { runKitseg } from '../helpers/cli.js';
import { microArgs, writeMicroConfig, writeMicroExperiment } from '../helpers/micro.js';
import { useTmpDir } from '../helpers/tmp.js';

interface Row {
  variant: string;
  state: string;
  steps: number;
  totalSteps: number;
  lastVal: { kidney: number; tumor: number } | null;
}

describe('experiments: status', function () {
  this.timeout(600000);
  const tmp = useTmpDir();

  it('reports each variant as it stands, and a live training lock blocks a second trainer', async () => {
    const cfg = writeMicroConfig(tmp(), { cpu: true });
    const exp = writeMicroExperiment(
      tmp(),
      `  - name: a\n    config: ${cfg}\n  - name: b\n    config: ${cfg}\n    set: [seed=5]\n`,
    );
    const runs = join(tmp(), 'runs');
    const args = ['--runs', runs, '--results', join(tmp(), 'results'), '--log-level', 'silent'];
    const status = async () => {
      const r = await runKitseg('experiment', 'status', exp, ...args, '--json');
      expect(r.code, r.err).to.equal(0);
      return (JSON.parse(r.out) as Row[]).map((x) => [
        x.variant,
        x.state,
        `${x.steps}/${x.totalSteps}`,
        x.lastVal !== null,
      ]);
    };
    expect(await status()).to.deep.equal([
      ['a', 'not started', '0/2', false],
      ['b', 'not started', '0/2', false],
    ]);
    const run = await runKitseg('experiment', 'run', exp, ...args, '--variant', 'a');
    expect(run.code, run.err).to.equal(0);
    expect(await status()).to.deep.equal([
      ['a', 'done', '2/2', true],
      ['b', 'not started', '0/2', false],
    ]);
    // Trained but not yet scored: the result file is missing, the checkpoint is there.
    rmSync(join(tmp(), 'results', 'micro', 'a.json'));
    expect((await status())[0]).to.deep.equal(['a', 'partial', '2/2', true]);
    // A live process holding the lock: status says running, and a second trainer is refused.
    const holder = spawn('sleep', ['60']);
    try {
      writeFileSync(join(runs, 'micro-a', '.train.lock'), `${holder.pid}\n`);
      expect((await status())[0]).to.deep.equal(['a', 'running', '2/2', true]);
      const resolved = join(tmp(), 'results', 'micro', 'configs', 'a.yaml');
      const second = await runKitseg('train', '--config', resolved, '--runs', runs, '--resume');
      expect(second.code).to.equal(2);
      expect(second.err).to.match(new RegExp(`process ${holder.pid} is training this run`));
    } finally {
      holder.kill();
    }
    await new Promise((r) => holder.on('exit', r));
    // The holder is gone: its lock no longer counts.
    expect((await status())[0]).to.deep.equal(['a', 'partial', '2/2', true]);
  });
});

describe('experiments: a result made from another config', function () {
  this.timeout(600000);
  const tmp = useTmpDir();

  it('is stale: status says so, run refuses it by name, a deleted result retrains only from a matching run', async () => {
    const cfg = writeMicroConfig(tmp(), { cpu: true });
    const variants = (seed: number) => `  - name: a\n    config: ${cfg}\n    set: [seed=${seed}]\n`;
    const exp = writeMicroExperiment(tmp(), variants(3));
    const runs = join(tmp(), 'runs');
    const results = join(tmp(), 'results', 'micro');
    const args = ['--runs', runs, '--results', join(tmp(), 'results'), '--log-level', 'silent'];
    const state = async () => {
      const r = await runKitseg('experiment', 'status', exp, ...args, '--json');
      expect(r.code, r.err).to.equal(0);
      return (JSON.parse(r.out) as Row[])[0]!.state;
    };
    const first = await runKitseg('experiment', 'run', exp, ...args);
    expect(first.code, first.err).to.equal(0);
    const made = readFileSync(join(results, 'a.json'), 'utf8');

    // The saved config lacks a field the schema gained later: the same meaning, still done.
    const saved = join(results, 'configs', 'a.yaml');
    const old = JSON.parse(readFileSync(saved, 'utf8')) as { train: Record<string, unknown> };
    delete old.train['valSampling'];
    writeFileSync(saved, JSON.stringify(old));
    expect(await state()).to.equal('done');
    const again = await runKitseg('experiment', 'run', exp, ...args);
    expect(again.code, again.err).to.equal(0);

    writeMicroExperiment(tmp(), variants(4));
    expect(await state()).to.equal('stale');
    const refused = await runKitseg('experiment', 'run', exp, ...args);
    expect(refused.code).to.equal(2);
    expect(refused.err.trim().split('\n')).to.have.length(1);
    expect(refused.err).to.include(`${join(results, 'a.json')}: made from another config (changed: a: seed)`);
    expect(readFileSync(join(results, 'a.json'), 'utf8')).to.equal(made);
    expect(JSON.parse(readFileSync(saved, 'utf8'))).to.deep.equal(old);

    // Without the result, the finished run of seed 3 is not scored as seed 4's.
    rmSync(join(results, 'a.json'));
    const stale = await runKitseg('experiment', 'run', exp, ...args);
    expect(stale.code).to.equal(2);
    expect(stale.err).to.include(`${join(runs, 'micro-a')}: trained from another config (changed: seed)`);
  });

  it('makes the rows built on it stale too, naming the changed variant', async () => {
    const cfg = writeMicroConfig(tmp(), { cpu: true });
    const variants = (seed: number) =>
      `  - name: a\n    config: ${cfg}\n    set: [seed=${seed}]\n  - name: b\n    config: ${cfg}\n    set: [seed=5]\n    ensembleWith: [a]\n`;
    const exp = writeMicroExperiment(tmp(), variants(3));
    const args = microArgs(tmp());
    const first = await runKitseg('experiment', 'run', exp, ...args);
    expect(first.code, first.err).to.equal(0);
    writeMicroExperiment(tmp(), variants(4));
    const st = await runKitseg('experiment', 'status', exp, ...args, '--json');
    expect((JSON.parse(st.out) as Row[]).map((r) => r.state)).to.deep.equal(['stale', 'stale']);
    const b = await runKitseg('experiment', 'run', exp, ...args, '--variant', 'b');
    expect(b.code).to.equal(2);
    expect(b.err, b.err).to.include(
      `${join(tmp(), 'results', 'micro', 'b.json')}: made from another config (changed: a: seed)`,
    );
  });
});
