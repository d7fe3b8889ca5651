import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { REAL_CT, useTmpDir } from '../helpers/tmp.js';
import { ROOT, runKitseg as run } from '../helpers/cli.js';

describe('cli', () => {
  const tmp = useTmpDir();

  it('info --json prints parseable JSON naming the backend and why others were not used', async () => {
    const r = await run('info', '--json');
    expect(r.code).to.equal(0);
    const info = JSON.parse(r.out) as {
      backend: string;
      backends: { name: string; loaded: boolean; reason: string }[];
    };
    expect(info.backend).to.equal(info.backends.at(-1)!.name);
    for (const b of info.backends.slice(0, -1)) expect(b.reason).to.match(/\w/);
  });

  it('a misspelt config key exits 2 with one line naming it and the right key', async () => {
    const p = join(tmp(), 'typo.yaml');
    writeFileSync(p, `extends: ${join(ROOT, 'configs/stage1.yaml')}\ntrain:\n  epoch: 3\n`);
    const r = await run('train', '--config', p);
    expect(r.code).to.equal(2);
    expect(r.err.trim().split('\n')).to.have.length(1);
    expect(r.err).to.match(/train\.epoch: unknown key "epoch" — did you mean "epochs"\?/);
  });

  it('usage errors exit 2; data errors exit 1 with the file named, stack only with --verbose', async () => {
    expect((await run('no-such-command')).code).to.equal(2);
    expect((await run('synth', '--cases', '0')).code).to.equal(2);
    const anatomy = await run('synth', '--from-labels', 'x', '--anatomy', 'sparse');
    expect(anatomy.code).to.equal(2);
    expect(anatomy.err).to.match(/--anatomy goes with --randomize/);
    expect((await run('synth', '--from-labels', 'x', '--randomize', '--anatomy', 'dense')).code).to.equal(2);
    const bad = join(tmp(), 'x.nii');
    writeFileSync(bad, 'hello');
    const r = await run('inspect', bad);
    expect(r.code).to.equal(1);
    expect(r.err).to.contain(bad);
    expect(r.err).to.not.match(/\n\s+at /);
    const v = await run('inspect', bad, '--verbose');
    expect(v.err).to.match(/\n\s+at /);
  });

  it('predict and evaluate name the bad input and write nothing', async () => {
    const cfg = join(ROOT, 'configs/stage1.yaml');
    const missing = await run(
      'predict',
      '--config',
      cfg,
      '--input',
      join(tmp(), 'nope.nii.gz'),
      '--output',
      join(tmp(), 'o.nii.gz'),
    );
    expect(missing.code).to.equal(1);
    expect(missing.err).to.match(/nope\.nii\.gz: input not found/);
    const txt = join(tmp(), 'notes.txt');
    writeFileSync(txt, 'x');
    const wrong = await run('predict', '--config', cfg, '--input', txt, '--output', join(tmp(), 'o.nii.gz'));
    expect(wrong.code).to.equal(1);
    expect(wrong.err).to.match(/notes\.txt: expected a \.nii or \.nii\.gz file/);
    // A model that was never trained: the run folder is named, nothing is written.
    const ct = join(REAL_CT, 'case_00000/imaging.nii.gz');
    const untrained = await run(
      'predict',
      '--config',
      cfg,
      '--runs',
      join(tmp(), 'runs'),
      '--input',
      ct,
      '--output',
      join(tmp(), 'o.nii.gz'),
    );
    expect(untrained.code).to.equal(1);
    expect(untrained.err).to.match(/plan\.json: no plan\.json: train this config first/);
    expect(existsSync(join(tmp(), 'o.nii.gz'))).to.equal(false);
    const noPred = await run('evaluate', '--pred-dir', join(tmp(), 'empty'), '--data', REAL_CT);
    expect(noPred.code).to.equal(1);
    expect(noPred.err).to.match(/no prediction for case_00000/);
    const neither = await run('evaluate');
    expect(neither.code).to.equal(2);
  });

  it('inspect prints the real CT fixture geometry', async () => {
    const r = await run('inspect', join(REAL_CT, 'case_00000/imaging.nii.gz'), '--json', '--at', '60,50,15');
    const j = JSON.parse(r.out) as { shape: number[]; axcodes: string; valueAt: { value: number } };
    expect(j.shape).to.deep.equal([122, 101, 30]);
    expect(j.axcodes).to.equal('RAS');
    expect(j.valueAt.value).to.equal(-17);
  });

  it('synth reports progress on stderr, results on stdout, and --log-level silent quiets progress', async () => {
    const r = await run('synth', '--out', join(tmp(), 'a'), '--cases', '1', '--seed', '0', '--json');
    expect(r.code).to.equal(0);
    expect(r.err).to.contain('synth [1/1] case_00000');
    expect(JSON.parse(r.out).cases[0].id).to.equal('case_00000');
    const q = await run('synth', '--out', join(tmp(), 'b'), '--cases', '1', '--log-level', 'silent');
    expect(q.err).to.equal('');
    expect(q.out).to.match(/wrote 1 cases/);
  });

  it('train runs a config end to end and reports where it wrote the run', async () => {
    const data = join(tmp(), 'data');
    expect(
      (await run('synth', '--out', data, '--cases', '3', '--seed', '2', '--log-level', 'silent')).code,
    ).to.equal(0);
    const cfg = join(tmp(), 'tiny.yaml');
    writeFileSync(
      cfg,
      [
        'name: cli-tiny',
        `data: { root: ${JSON.stringify(data)}, splits: { val: 1 } }`,
        'preprocess: { spacing: [6, 6, 6], normalization: { type: window } }',
        'model: { type: unet3d, baseFilters: 4, maxFilters: 8, poolSchedule: [[2, 2, 2]] }',
        'train: { epochs: 1, iterationsPerEpoch: 2, patchSize: [8, 16, 16], valPatches: 2 }',
      ].join('\n'),
    );
    const r = await run(
      'train',
      '--config',
      cfg,
      '--runs',
      join(tmp(), 'runs'),
      '--json',
      '--log-level',
      'silent',
    );
    expect(r.code, r.err).to.equal(0);
    const s = JSON.parse(r.out) as { completed: boolean; globalStep: number; runDir: string };
    expect(s.completed).to.equal(true);
    expect(s.globalStep).to.equal(2);
    expect(s.runDir).to.equal(join(tmp(), 'runs', 'cli-tiny'));
  });

  it('the installed bin runs from the compiled dist/', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/kitseg.js'), 'info', '--json'], {
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).to.equal(0);
    expect(JSON.parse(r.stdout)).to.have.property('tfjs');
  });
});
