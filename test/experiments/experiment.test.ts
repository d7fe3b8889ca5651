// A three-variant micro experiment end to end through the CLI: train + evaluate, evaluation-only
// variants reusing the first run (one of them its top-K checkpoints), the files kept per variant,
// skipping finished variants, the gathered table, and typos.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { runKitseg } from '../helpers/cli.js';
import { microArgs, writeMicroConfig, writeMicroExperiment } from '../helpers/micro.js';
import { useTmpDir } from '../helpers/tmp.js';

describe('experiments', function () {
  this.timeout(600000);
  const tmp = useTmpDir();

  it('runs a three-variant micro experiment, resumably, and gathers its table', async () => {
    const cfg = writeMicroConfig(tmp(), { train: { epochs: 2, keepTopK: 2, valEvery: 1 } });
    const exp = writeMicroExperiment(
      tmp(),
      `  - name: base\n    config: ${cfg}\n    reported: {kidney: 0.9}\n` +
        `  - name: post\n    config: ${cfg}\n    from: base\n    set: ['postprocess.kidneyComponents={maxRatio: 3}']\n` +
        `  - name: top\n    config: ${cfg}\n    from: base\n    checkpoints: top\n`,
      ['train.iterationsPerEpoch=3'],
    );
    const args = microArgs(tmp());
    const r = await runKitseg('experiment', 'run', exp, ...args, '--json');
    expect(r.code, r.err).to.equal(0);
    const rows = JSON.parse(r.out) as { variant: string; run: string; kidney: number; tumor: number }[];
    expect(rows.map((x) => x.variant)).to.deep.equal(['base', 'post', 'top']);
    expect(rows[1]!.run).to.equal(rows[0]!.run); // the evaluation-only variant reuses the trained run
    const state = JSON.parse(
      readFileSync(join(tmp(), 'runs', 'micro-base', 'checkpoints', 'last', 'state.json'), 'utf8'),
    ) as { globalStep: number };
    expect(state.globalStep).to.equal(6); // the tiny scale's override applied
    for (const x of rows) expect(x.kidney).to.be.within(0, 1);
    // Each variant's per-case scores are kept beside its result; a trained variant's val curve too.
    const kept = (v: string, f: string) => join(tmp(), 'results', 'micro', v, f);
    interface Scores {
      checkpoints: string[];
      tables: { name: string; cases: { id: string; kidney: { dice: number } }[] }[];
    }
    const scores = (v: string) => JSON.parse(readFileSync(kept(v, 'scores.json'), 'utf8')) as Scores;
    const cases = scores('base').tables.at(-1)!.cases;
    expect(cases.map((c) => c.id)).to.have.length(1);
    expect(cases[0]!.kidney.dice).to.equal(rows[0]!.kidney);
    expect(readFileSync(kept('base', 'metrics.jsonl'), 'utf8')).to.equal(
      readFileSync(join(tmp(), 'runs', 'micro-base', 'metrics.jsonl'), 'utf8'),
    );
    expect(existsSync(kept('base', 'curves.png'))).to.equal(true);
    expect(existsSync(kept('post', 'scores.csv'))).to.equal(true);
    expect(existsSync(kept('post', 'metrics.jsonl'))).to.equal(false); // it trained nothing of its own
    // `checkpoints: top` scores the ensemble of the kept top-K checkpoints, not the best alone.
    expect(scores('base').checkpoints.map((c) => c.split('/').at(-1))).to.deep.equal(['best']);
    expect(
      scores('top')
        .checkpoints.map((c) => c.split('/').at(-1))
        .sort(),
    ).to.deep.equal(['epoch-1', 'epoch-2']);
    const md = readFileSync(join(tmp(), 'results', 'micro', 'table.md'), 'utf8');
    expect(md).to.match(/\| base \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| 0\.900 \|/);
    expect(existsSync(join(tmp(), 'results', 'micro', 'table.json'))).to.equal(true);
    // The chart: a bar per variant and metric from us, and the paper's one number (base kidney 0.9).
    const bars = (
      JSON.parse(readFileSync(join(tmp(), 'results', 'micro', 'table.vl.json'), 'utf8')) as {
        data: { values: { variant: string; metric: string; source: string; value: number }[] };
      }
    ).data.values;
    expect(bars.filter((b) => b.source === 'kitseg')).to.have.length(9);
    expect(bars.filter((b) => b.source === 'paper')).to.deep.equal([
      { variant: 'base', metric: 'kidney Dice', source: 'paper', value: 0.9 },
    ]);
    expect(bars.find((b) => b.variant === 'post' && b.metric === 'tumour Dice')!.value).to.equal(
      rows[1]!.tumor,
    );
    const svg = readFileSync(join(tmp(), 'results', 'micro', 'table.svg'), 'utf8');
    expect(svg).to.match(/role-axis-title[^]*?>variant<\/text>/);
    expect(
      readFileSync(join(tmp(), 'results', 'micro', 'table.png'))
        .subarray(1, 4)
        .toString(),
    ).to.equal('PNG');
    // A second run finds both variants finished and trains nothing.
    const again = await runKitseg('experiment', 'run', exp, ...args.slice(0, -2));
    expect(again.code).to.equal(0);
    expect(again.err.match(/done before/g)).to.have.length(3);
    expect(again.err).to.not.match(/training/);
    // A mirroring-TTA row over a run trained without flips is refused before anything trains.
    const ttaDir = join(tmp(), 'tta');
    mkdirSync(ttaDir);
    const noFlip = writeMicroExperiment(
      ttaDir,
      `  - name: base\n    config: ${cfg}\n  - name: tta\n    config: ${cfg}\n    from: base\n    tta: true\n    tiny: ['inference.ttaAxes=[2]']\n`,
    );
    const refused = await runKitseg('experiment', 'run', noFlip, ...args.slice(0, -2));
    expect(refused.code).to.equal(2);
    expect(refused.err).to.match(
      /micro\.yaml: variants\[1\]\.tta: expected the runs this TTA row scores to train with train\.augment\.flip, found none in base/,
    );
    expect(refused.err).to.not.match(/training/);
    // A TTA row must name its axes (here the row's tiny overrides are gone), and no other row mirrors.
    const bare = readFileSync(noFlip, 'utf8').replace(/\n {4}tiny: .*\n/, '\n');
    writeFileSync(noFlip, bare);
    const noAxes = await runKitseg('experiment', 'run', noFlip, ...args.slice(0, -2));
    expect(noAxes.code).to.equal(2);
    expect(noAxes.err).to.match(
      /micro\.yaml: variants\[1\]\.tta: expected inference\.ttaAxes to name the mirrored axes for this TTA row, found \[\]/,
    );
    writeFileSync(noFlip, bare.replace('    config:', "    set: ['inference.ttaAxes=[1]']\n    config:"));
    const mirrored = await runKitseg('experiment', 'run', noFlip, ...args.slice(0, -2));
    expect(mirrored.code).to.equal(2);
    expect(mirrored.err).to.match(
      /micro\.yaml: variants\[0\]\.tta: expected inference\.ttaAxes \[\] for a row without tta: true, found \[1\]/,
    );
    const typo = await runKitseg('experiment', 'run', exp, ...args, '--variant', 'bas');
    expect(typo.code).to.equal(2);
    expect(typo.err).to.match(/no variant "bas" .* did you mean "base"\?/);
  });
});
