// A cascade stage 2 trained on stage 1's predictions (`train.cascadeInput: stage1`): the masks it
// keeps are stage 1's labels of every train and val case on the input's grid (what `predict` of
// stage 1 writes), a resumed run reuses them, masks of another stage-1 checkpoint are refused, and
// the key is refused where there is no cascade.
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

    // One mask per case (2 train, 1 val), each what `predict` of stage 1 labels, on the input's grid.
    const masks = join(runs, 's2', 'stage1');
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
      const kept = readNifti(join(masks, `${id}.nii.gz`));
      const image = readNifti(img);
      expect(kept.shape).to.deep.equal(image.shape);
      expect(kept.affine).to.deep.equal(image.affine);
      const pred = readNifti(out).data;
      expect(kept.data.every((v, i) => v > 0 === pred[i]! > 0)).to.equal(true);
      for (const v of kept.data) if (v > 0) foreground++;
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
      /stage1\/source\.json: expected stage-1 masks from .*s1\/checkpoints\/best \(weights [0-9a-f]{16}\), found masks from .*s1\/checkpoints\/best \(weights [0-9a-f]{16}\); remove .*s2\/stage1 to remake them/,
    );

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
