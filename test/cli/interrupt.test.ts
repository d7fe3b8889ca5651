// `kitseg train` as a scheduler sees it: a run folder is never silently replaced, a failed start
// writes nothing, and a killed or signalled run resumes to the weights of one that ran straight
// through, with each step logged once and no temporaries left behind.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { writeSyntheticDataset } from '../../lib/synth/dataset.js';
import { ROOT, runKitseg } from '../helpers/cli.js';
import { useTmpDir } from '../helpers/tmp.js';

const config = (root: string, name: string) => `
name: ${name}
seed: 4
backend: cpu
data:
  root: ${root}
  splits:
    val: 1
preprocess:
  spacing: [6, 6, 6]
  normalization: {type: window, lo: -250, hi: 250}
model:
  type: unet3d
  baseFilters: 4
  maxFilters: 8
  poolSchedule: [[2, 2, 2]]
optim: {type: adam, lr: 0.001}
train:
  epochs: 3
  iterationsPerEpoch: 8
  batchSize: 2
  patchSize: [8, 16, 16]
  valEvery: 1
  valPatches: 2
`;

/** The CLI in a child process (the built bin), so that it can be signalled and killed. */
function child(args: string[]) {
  const p = spawn(process.execPath, [join(ROOT, 'bin/kitseg.js'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  p.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; err: string }>((res) =>
    p.on('exit', (code, signal) => res({ code, signal, err })),
  );
  return { p, exit };
}

/** Step records of a metrics.jsonl. */
function steps(path: string): number[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { step: number; loss?: number })
    .filter((m) => m.loss !== undefined)
    .map((m) => m.step);
}

/** Resolves once `path` logs at least `n` steps. */
async function waitForSteps(path: string, n: number): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    if (existsSync(path) && steps(path).length >= n) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${path}: fewer than ${n} steps after 60 s`);
}

/** A process id that is certainly not running: a child that has already exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  return r.pid;
}

describe('cli: train runs that outlive a process', function () {
  this.timeout(600000);
  const tmp = useTmpDir();
  let data = '';
  let straight = '';

  beforeEach(async () => {
    data = join(tmp(), 'data');
    writeSyntheticDataset({ out: data, cases: 3, seed: 5, preset: 'small' });
    writeFileSync(join(tmp(), 'c.yaml'), config(data, 'r'));
    straight = join(tmp(), 'straight');
    const s = await runKitseg(
      'train',
      '--config',
      join(tmp(), 'c.yaml'),
      '--runs',
      straight,
      '--log-level',
      'silent',
    );
    expect(s.code, s.err).to.equal(0);
  });

  const resume = (runs: string) =>
    runKitseg(
      'train',
      '--config',
      join(tmp(), 'c.yaml'),
      '--runs',
      runs,
      '--resume',
      '--log-level',
      'silent',
    );
  const weights = (runs: string) => readFileSync(join(runs, 'r', 'checkpoints', 'last', 'weights.bin'));

  it('refuses to replace an existing run without --resume or --overwrite, and --overwrite starts afresh', async () => {
    const cfg = join(tmp(), 'c.yaml');
    const again = await runKitseg('train', '--config', cfg, '--runs', straight, '--log-level', 'silent');
    expect(again.code).to.equal(2);
    expect(again.err).to.match(/already holds a run: --resume continues it, --overwrite starts it afresh/);
    expect(steps(join(straight, 'r', 'metrics.jsonl'))).to.have.length(24);
    const fresh = await runKitseg(
      'train',
      '--config',
      cfg,
      '--runs',
      straight,
      '--overwrite',
      '--log-level',
      'silent',
    );
    expect(fresh.code, fresh.err).to.equal(0);
    // One run's records, not two appended.
    expect(steps(join(straight, 'r', 'metrics.jsonl'))).to.deep.equal(
      Array.from({ length: 24 }, (_, i) => i + 1),
    );
  });

  it('a start that fails validation or data loading writes no run folder', async () => {
    writeFileSync(join(tmp(), 'bad.yaml'), config(join(tmp(), 'missing'), 'bad'));
    const r = await runKitseg('train', '--config', join(tmp(), 'bad.yaml'), '--runs', join(tmp(), 'runs'));
    expect(r.code).to.not.equal(0);
    expect(existsSync(join(tmp(), 'runs', 'bad'))).to.equal(false);
  });

  it('--resume of a run with a best but no last checkpoint is an error, not a silent restart', async () => {
    const { rmSync } = await import('node:fs');
    rmSync(join(straight, 'r', 'checkpoints', 'last'), { recursive: true });
    const r = await runKitseg('train', '--config', join(tmp(), 'c.yaml'), '--runs', straight, '--resume');
    expect(r.code).to.equal(2);
    expect(r.err).to.match(/--resume found no complete last checkpoint \(best exists\)/);
  });

  it('SIGTERM saves, exits 143, and --resume ends with the straight run’s weights', async () => {
    const runs = join(tmp(), 'term');
    const c = child(['train', '--config', join(tmp(), 'c.yaml'), '--runs', runs, '--log-level', 'info']);
    await waitForSteps(join(runs, 'r', 'metrics.jsonl'), 3);
    c.p.kill('SIGTERM');
    const e = await c.exit;
    expect(e.code, e.err).to.equal(143);
    expect(e.err).to.match(/SIGTERM: stopped at step \d+; continue with --resume/);
    const r = await resume(runs);
    expect(r.code, r.err).to.equal(0);
    expect(weights(runs).equals(weights(straight))).to.equal(true);
    expect(steps(join(runs, 'r', 'metrics.jsonl'))).to.deep.equal(
      Array.from({ length: 24 }, (_, i) => i + 1),
    );
  });

  it('after SIGKILL, --resume drops the steps logged past the checkpoint and the dead process’s temporaries', async () => {
    const runs = join(tmp(), 'kill');
    const c = child(['train', '--config', join(tmp(), 'c.yaml'), '--runs', runs, '--log-level', 'silent']);
    // Past the epoch-1 checkpoint (step 8), so steps are logged that the checkpoint does not hold.
    await waitForSteps(join(runs, 'r', 'metrics.jsonl'), 11);
    c.p.kill('SIGKILL');
    await c.exit;
    const logged = steps(join(runs, 'r', 'metrics.jsonl'));
    expect(logged.length).to.be.greaterThan(8);
    // What a kill during a checkpoint or metrics write leaves (named with the dead process's id).
    const pid = deadPid();
    mkdirSync(join(runs, 'r', 'checkpoints', `last.tmp-${pid}`));
    writeFileSync(join(runs, 'r', 'checkpoints', `last.tmp-${pid}`, 'state.json'), '{"epoch": 99');
    writeFileSync(join(runs, 'r', `.kitseg-tmp-${pid}-0-plan.json`), '{');
    const r = await resume(runs);
    expect(r.code, r.err).to.equal(0);
    expect(steps(join(runs, 'r', 'metrics.jsonl'))).to.deep.equal(
      Array.from({ length: 24 }, (_, i) => i + 1),
    );
    expect(weights(runs).equals(weights(straight))).to.equal(true);
    const left = [...readdirSync(join(runs, 'r')), ...readdirSync(join(runs, 'r', 'checkpoints'))];
    expect(left.filter((n) => /tmp|old/.test(n))).to.deep.equal([]);
  });
});
