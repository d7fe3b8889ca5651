// `experiment submit --slurm`: sbatch job arrays in dependency levels, and a real single-node SLURM
// run of a micro experiment whose gathered table equals the one `experiment run` gathers.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runKitseg } from '../helpers/cli.js';
import { writeMicroConfig, writeMicroExperiment } from '../helpers/micro.js';
import { startSlurm, waitForJobs } from '../helpers/slurm.js';
import { useTmpDir } from '../helpers/tmp.js';

const NOT_FLIP = [
  'rotation',
  'scale',
  'elastic',
  'gamma',
  'brightness',
  'contrast',
  'noise',
  'blur',
  'lowres',
];

/** A three-variant micro experiment: base, and two evaluation-only variants of its run. */
function microExperiment(dir: string): string {
  // Flips only: the tta row needs a run trained with them.
  const flips = { flip: {}, ...Object.fromEntries(NOT_FLIP.map((k) => [k, null])) };
  const cfg = writeMicroConfig(dir, { train: { augment: flips } });
  return writeMicroExperiment(
    dir,
    `  - name: base\n    config: ${cfg}\n    reported: {kidney: 0.9}\n` +
      `  - name: post\n    config: ${cfg}\n    from: base\n    set: ['postprocess.kidneyComponents={maxRatio: 3}']\n` +
      `  - name: tta\n    config: ${cfg}\n    from: base\n    tta: true\n    tiny: ['inference.ttaAxes=[2]']\n`,
  );
}

/** The table rows without the wall-seconds column. */
const rowsOf = (md: string) =>
  md
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| variant') && !l.startsWith('| ---'))
    .map((l) =>
      l
        .split('|')
        .slice(1, 10)
        .map((c) => c.trim()),
    );

describe('experiments on SLURM', function () {
  this.timeout(900_000);
  const tmp = useTmpDir();

  it('--dry-run writes one array per dependency level, chained by afterok, then the table job', async () => {
    const exp = microExperiment(tmp());
    const r = await runKitseg(
      'experiment',
      'submit',
      exp,
      '--slurm',
      '--dry-run',
      '--folds',
      '0,1',
      '--partition',
      'gpu',
      '--time',
      '01:00:00',
      '--results',
      join(tmp(), 'results'),
      '--json',
    );
    expect(r.code, r.err).to.equal(0);
    const out = JSON.parse(r.out) as {
      scripts: string[];
      tasks: { variant: string; fold: number }[][];
      commands: string[];
    };
    expect(out.tasks.map((l) => l.map((t) => `${t.variant}/${t.fold}`))).to.deep.equal([
      ['base/0', 'base/1'],
      ['post/0', 'post/1', 'tta/0', 'tta/1'],
    ]);
    const level1 = readFileSync(out.scripts[1]!, 'utf8');
    expect(level1).to.match(/#SBATCH --array=0-3\n/);
    expect(level1).to.contain('#SBATCH --partition=gpu\n#SBATCH --time=01:00:00');
    expect(level1).to.contain("'--variant post --fold 1'");
    expect(level1).to.contain("'--variant tta --fold 0'");
    expect(level1).to.match(/experiment run .*micro\.yaml.* \$\{TASKS\[\$SLURM_ARRAY_TASK_ID\]\}/);
    expect(readFileSync(out.scripts[2]!, 'utf8')).to.match(/experiment table /);
    expect(out.commands[1]).to.match(
      /^JOB1=\$\(sbatch --parsable --dependency=afterok:\$JOB0 .*level-1\.sbatch'\)$/,
    );
    expect(out.commands[2]).to.match(/^sbatch --parsable --dependency=afterok:\$JOB1 .*table\.sbatch'$/);
    const noScheduler = await runKitseg('experiment', 'submit', exp);
    expect(noScheduler.code).to.equal(2);
    expect(noScheduler.err).to.match(/submit needs a scheduler: --slurm/);
  });

  it('runs on a real single-node SLURM and gathers the same table as experiment run', async () => {
    await startSlurm();
    const exp = microExperiment(tmp());
    const dirs = (k: string) => [
      '--runs',
      join(tmp(), k, 'runs'),
      '--results',
      join(tmp(), k, 'results'),
      '--backend',
      'cpu',
    ];
    const r = await runKitseg(
      'experiment',
      'submit',
      exp,
      '--slurm',
      '--cpus',
      '1',
      ...dirs('slurm'),
      '--json',
    );
    expect(r.code, r.err).to.equal(0);
    const jobs = (JSON.parse(r.out) as { jobs: string[] }).jobs;
    expect(jobs).to.have.length(3);
    await waitForJobs(jobs, 600_000);
    const viaSlurm = readFileSync(join(tmp(), 'slurm', 'results', 'micro', 'table.md'), 'utf8');
    const local = await runKitseg('experiment', 'run', exp, ...dirs('local'), '--log-level', 'silent');
    expect(local.code, local.err).to.equal(0);
    const here = readFileSync(join(tmp(), 'local', 'results', 'micro', 'table.md'), 'utf8');
    expect(rowsOf(viaSlurm)).to.have.length(3);
    expect(rowsOf(viaSlurm)).to.deep.equal(rowsOf(here));
  });
});
