// A cascade stage 2 trained on stage 1's predictions (`train.cascadeInput: stage1`): the masks are
// stage 1's labels of every train and val case on the input's grid (what `predict` of stage 1
// writes), kept once in the stage-1 run and shared by every stage 2 trained on it; a resumed run
// reuses them, masks of another stage-1 checkpoint are refused, and the key is refused where there
// is no cascade.
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { expect } from 'chai';
import { loadConfig } from '../../lib/config/load.js';
import { SILENT_LOGGER, type Logger } from '../../lib/core/logger.js';
import { readNifti } from '../../lib/io/nifti.js';
import { writeSyntheticDataset } from '../../lib/synth/dataset.js';
import { SEGMENTATION_TASK } from '../../lib/tasks/index.js';
import { runTraining } from '../../lib/training/loop.js';
import { runKitseg } from '../helpers/cli.js';
import { useTmpDir } from '../helpers/tmp.js';

const common = (root: string, steps: number) => `
seed: 2
backend: cpu
data:
  root: ${root}
  splits:
    val: 1
preprocess:
  spacing: [6, 6, 6]
  normalization:
    type: window
    lo: -250
    hi: 250
optim:
  type: adam
  lr: 0.003
train:
  epochs: 1
  iterationsPerEpoch: ${steps}
  patchSize: [8, 16, 16]
  valEvery: 1
  valPatches: 2
inference:
  batchSize: 16
  overlap: 0
`;
const net = (channels: number) =>
  `model:\n  type: unet3d\n  inChannels: ${channels}\n  baseFilters: 4\n  maxFilters: 8\n  poolSchedule: [[2, 2, 2]]\n`;

describe('training: a cascade stage 2 on stage-1 predictions', function () {
  this.timeout(600000);
  const tmp = useTmpDir();

  it('keeps stage 1’s mask of every case, reuses it on resume, and refuses masks of another stage 1', async () => {
    const data = join(tmp(), 'data');
    const runs = join(tmp(), 'runs');
    writeSyntheticDataset({ out: data, cases: 3, seed: 7, preset: 'small' });
    const s1 = join(tmp(), 's1.yaml');
    const s2 = join(tmp(), 's2.yaml');
    writeFileSync(s1, `name: s1\n${net(1)}${common(data, 40)}`);
    writeFileSync(
      s2,
      `name: s2\n${net(2)}${common(data, 3)}  cascade:\n    stage1: ${s1}\n    marginMm: [6, 6, 6]\n`.replace(
        'train:\n',
        'train:\n  cascadeInput: stage1\n',
      ),
    );
    const lines: string[] = [];
    const log: Logger = { ...SILENT_LOGGER, info: (m) => lines.push(m), warn: (m) => lines.push(m) };
    await runTraining(loadConfig(s1), SEGMENTATION_TASK, { runDir: join(runs, 's1'), resume: false, log });
    const t2 = await runTraining(loadConfig(s2), SEGMENTATION_TASK, {
      runDir: join(runs, 's2'),
      resume: false,
      log,
    });
    expect(t2.completed).to.equal(true);
    expect(lines.join('\n')).to.match(
      /cascade stage 2: \d+ train and \d+ val kidney crops from stage 1's masks/,
    );

    // One mask per case (2 train, 1 val) in the stage-1 run, each what `predict` of stage 1 labels,
    // on the input's grid; the stage 2 names the folder it trained on.
    const kept = readdirSync(join(runs, 's1', 'masks'));
    expect(kept).to.have.length(1);
    const masks = join(runs, 's1', 'masks', kept[0]!);
    const named = JSON.parse(readFileSync(join(runs, 's2', 'stage1', 'source.json'), 'utf8')) as {
      masks: string;
    };
    expect(named.masks).to.equal(masks);
    expect(lines.join('\n')).to.include(`from stage 1's masks (${masks})`);
    const ids = readdirSync(data).filter((n) => n.startsWith('case_'));
    expect(readdirSync(masks).sort()).to.deep.equal(
      [...ids.map((id) => `${id}.nii.gz`), 'source.json'].sort(),
    );
    let foreground = 0;
    for (const id of ids) {
      const img = join(data, id, 'imaging.nii.gz');
      const out = join(tmp(), 'pred', `${id}.nii.gz`);
      const p = await runKitseg('predict', '--config', s1, '--runs', runs, '--input', img, '--output', out);
      expect(p.code, p.err).to.equal(0);
      const mask = readNifti(join(masks, `${id}.nii.gz`));
      const image = readNifti(img);
      expect(mask.shape).to.deep.equal(image.shape);
      expect(mask.affine).to.deep.equal(image.affine);
      const pred = readNifti(out).data;
      expect(mask.data.every((v, i) => v > 0 === pred[i]! > 0)).to.equal(true);
      for (const v of mask.data) if (v > 0) foreground++;
    }
    expect(foreground).to.be.greaterThan(0); // stage 1 found kidney somewhere: the masks are not empty

    // Resuming stage 2 (here: a finished run) reads the kept masks back instead of predicting again.
    const first = statSync(join(masks, `${ids[0]}.nii.gz`)).mtimeMs;
    const resumeS2 = () =>
      runTraining(loadConfig(s2), SEGMENTATION_TASK, {
        runDir: join(runs, 's2'),
        resume: true,
        log: SILENT_LOGGER,
      });
    expect((await resumeS2()).completed).to.equal(true);
    expect(statSync(join(masks, `${ids[0]}.nii.gz`)).mtimeMs).to.equal(first);

    // Another stage 2 on the same stage 1 (an ablation row) reads the same masks.
    const row = await runTraining(loadConfig(s2, ['name=s2-row', 'seed=5']), SEGMENTATION_TASK, {
      runDir: join(runs, 's2-row'),
      resume: false,
      log: SILENT_LOGGER,
    });
    expect(row.completed).to.equal(true);
    expect(readdirSync(join(runs, 's1', 'masks'))).to.deep.equal(kept);
    expect(statSync(join(masks, `${ids[0]}.nii.gz`)).mtimeMs).to.equal(first);

    // Stage 1 trained again (another seed): the kept masks are from other weights, so stage 2 stops.
    await runTraining(loadConfig(s1, ['seed=3']), SEGMENTATION_TASK, {
      runDir: join(runs, 's1'),
      resume: false,
      overwrite: true,
      log: SILENT_LOGGER,
    });
    let message = '';
    await resumeS2().catch((e: Error) => (message = e.message));
    expect(message).to.match(
      /stage1\/source\.json: expected stage-1 masks from .*s1\/checkpoints\/best \(weights [0-9a-f]{16}\), found masks from .*s1\/checkpoints\/best \(weights [0-9a-f]{16}\); remove .*s2\/stage1 to train on the new ones/,
    );
    // Started afresh over the old run (as `experiment run` restarts a variant), the stage 2 trains on
    // masks of the retrained stage 1 (whose fresh run folder dropped the old ones), and names them.
    const fresh = await runTraining(loadConfig(s2), SEGMENTATION_TASK, {
      runDir: join(runs, 's2'),
      resume: false,
      overwrite: true,
      log: SILENT_LOGGER,
    });
    expect(fresh.completed).to.equal(true);
    const now = JSON.parse(readFileSync(join(runs, 's2', 'stage1', 'source.json'), 'utf8')) as {
      masks: string;
    };
    expect(now.masks).to.not.equal(masks);
    expect(readdirSync(now.masks)).to.include(`${ids[0]}.nii.gz`);
    expect(readdirSync(join(runs, 's1', 'masks'))).to.deep.equal([basename(now.masks)]);

    // Without a cascade the key means nothing: a config error naming it.
    const bad = await runKitseg(
      'train',
      '--config',
      s1,
      '--runs',
      runs,
      '--set',
      'train.cascadeInput=stage1',
    );
    expect(bad.code).to.equal(2);
    expect(bad.err).to.match(
      /train\.cascadeInput: stage-1 predictions feed a cascade stage 2, but this config has no inference\.cascade/,
    );
  });
});
