// The public API, imported from the built package by its name (as a dependent project would).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ROOT } from './helpers/cli.js';

type Api = typeof import('../lib/index.js');

describe('public API (built package)', () => {
  let api: Api;
  before(async () => {
    // `npm test` builds dist/ first; the package's "exports" map resolves its own name there.
    api = (await import('kitseg')) as Api;
  });

  it('resolves to the compiled dist/lib/index.js, not the sources', async () => {
    const url = import.meta.resolve('kitseg');
    expect(url).to.equal(new URL('dist/lib/index.js', 'file://' + ROOT).href);
  });

  it('loads a config, names its task, and builds its model for its patch', () => {
    const cfg = api.loadConfig(join(ROOT, 'configs/stage1.yaml'), [
      'model.baseFilters=2',
      'model.maxFilters=4',
      'train.patchSize=[16,32,32]',
    ]);
    expect(api.MODEL_TRAITS[cfg.model.type].task).to.equal('segmentation');
    const model = api.buildModel(cfg.model, cfg.train.patchSize);
    try {
      expect(model.outputs[0]!.shape.slice(1, 4)).to.deep.equal([16, 32, 32]);
    } finally {
      model.dispose();
    }
    expect(() => api.loadConfig(join(ROOT, 'configs/stage1.yaml'), ['train.patchSize=[17,32,32]'])).to.throw(
      api.ConfigError,
      /train\.patchSize: axis 0 \(17\) must be a multiple/,
    );
  });

  it('writes and reads NIfTI with the same voxels and affine', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kitseg-api-'));
    try {
      const data = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => i - 5);
      const affine: [number, number, number, number][] = [
        [0, 0, -0.75, 10],
        [0, -0.75, 0, 20],
        [3, 0, 0, -30],
        [0, 0, 0, 1],
      ];
      const p = join(dir, 'v.nii.gz');
      api.writeNifti(p, { data, shape: [4, 3, 2], affine }, 'float32');
      const v = api.readNifti(p);
      expect(Array.from(v.data)).to.deep.equal(Array.from(data));
      expect(v.affine).to.deep.equal(affine);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
