// Registration: the differentiable sampler against hand values and numeric gradients, recovery of
// a known smooth deformation, NCC improvement on real synthetic pairs, and `kitseg augment register`.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import type { Shape3D } from '../../lib/core/types.js';
import { discoverCases, loadCase } from '../../lib/data/kits19.js';
import { readNifti } from '../../lib/io/nifti.js';
import {
  DEFAULT_REGISTRATION,
  movingPositions,
  register,
  type RegVolume,
} from '../../lib/registration/register.js';
import { trilinear } from '../../lib/registration/sample.js';
import { writeSyntheticDataset } from '../../lib/synth/dataset.js';
import { resampleVolume } from '../../lib/transforms/resample.js';
import { runKitseg } from '../helpers/cli.js';
import { useTmpDir } from '../helpers/tmp.js';

/** Trilinear read of `v` at continuous (z, y, x), clamped. */
function at(v: ArrayLike<number>, s: Shape3D, z: number, y: number, x: number): number {
  const c = (p: number, n: number) => Math.min(Math.max(p, 0), n - 1);
  [z, y, x] = [c(z, s[0]), c(y, s[1]), c(x, s[2])];
  const i = [
    Math.min(Math.floor(z), s[0] - 2),
    Math.min(Math.floor(y), s[1] - 2),
    Math.min(Math.floor(x), s[2] - 2),
  ];
  let acc = 0;
  for (let k = 0; k < 8; k++) {
    const d = [k >> 2, (k >> 1) & 1, k & 1];
    const w = [z, y, x].reduce((p, q, a) => p * (d[a] ? q - i[a]! : 1 - q + i[a]!), 1);
    acc += w * v[((i[0]! + d[0]!) * s[1] + i[1]! + d[1]!) * s[2] + i[2]! + d[2]!]!;
  }
  return acc;
}

/** `kitseg augment register`: one hard case, two moving cases onto it, `--levels` then `rest`. */
const augmentRegister = (cfg: string, out: string, ...levelsAndRest: string[]) =>
  runKitseg(
    'augment',
    'register',
    '--config',
    cfg,
    '--hard',
    '1',
    '--per-hard',
    '2',
    '--out',
    out,
    '--levels',
    ...levelsAndRest,
  );

describe('registration', function () {
  this.timeout(300000);
  const tmp = useTmpDir();

  it('the sampler interpolates trilinearly and its gradient matches finite differences', () => {
    const s: Shape3D = [3, 4, 5];
    const vol = Float32Array.from({ length: 60 }, (_, i) => Math.sin(i * 0.7) * 10);
    const p = [
      [0.3, 1.2, 2.7],
      [1.9, 2.5, 0.1],
      [2, 3, 4],
    ];
    const col = (a: number) => tf.tensor1d(p.map((q) => q[a]!));
    const got = trilinear(vol, s, col(0), col(1), col(2)).dataSync();
    p.forEach((q, k) => expect(got[k]).to.be.closeTo(at(vol, s, q[0]!, q[1]!, q[2]!), 1e-4));
    const g = tf
      .grad((x: tf.Tensor) => tf.sum(trilinear(vol, s, col(0), col(1), x as tf.Tensor1D)))(col(2))
      .dataSync();
    const h = 1e-3;
    const fd = (at(vol, s, 0.3, 1.2, 2.7 + h) - at(vol, s, 0.3, 1.2, 2.7 - h)) / (2 * h);
    expect(g[0]).to.be.closeTo(fd, 1e-2);
  });

  it('recovers a known smooth deformation: mean displacement error more than halved, no tensor leak', async () => {
    const root = join(tmp(), 'data');
    writeSyntheticDataset({ out: root, cases: 1, seed: 4, preset: 'small' });
    const c = loadCase(discoverCases(root)[0]!);
    const sp = c.image.spacingMm.map((v) => v * 2) as [number, number, number];
    const r = resampleVolume(c.image.data, c.image.shape, c.image.spacingMm, sp, 'linear');
    const moving: RegVolume = { data: r.data, shape: r.shape, spacingMm: sp, originMm: [0, 0, 0] };
    const [D, H, W] = r.shape;
    const truth = (d: number, h: number, w: number) => [
      2 * Math.sin((Math.PI * h) / H),
      5 * Math.sin((Math.PI * w) / W) * Math.sin((Math.PI * d) / D),
      5 * Math.sin((Math.PI * h) / H),
    ];
    // fixed(p) = moving(p + u*(p)): registering fixed onto moving must find x ↦ x + u*(x).
    const fixedData = new Float32Array(D * H * W);
    for (let d = 0, o = 0; d < D; d++)
      for (let h = 0; h < H; h++)
        for (let w = 0; w < W; w++, o++) {
          const u = truth(d, h, w);
          fixedData[o] = at(r.data, r.shape, d + u[0]! / sp[0], h + u[1]! / sp[1], w + u[2]! / sp[2]);
        }
    const fixed: RegVolume = { ...moving, data: fixedData };
    const before = tf.memory().numTensors;
    const reg = register(fixed, moving, {
      ...DEFAULT_REGISTRATION,
      levels: [2],
      affineIterations: 20,
      fieldIterations: 40,
    });
    expect(tf.memory().numTensors).to.equal(before);
    expect(reg.nccAfter).to.be.greaterThan(reg.nccBefore);
    const pos = movingPositions(reg, fixed, moving);
    let e0 = 0;
    let e1 = 0;
    let n = 0;
    for (let d = 0, o = 0; d < D; d++)
      for (let h = 0; h < H; h++)
        for (let w = 0; w < W; w++, o++) {
          if (fixedData[o]! <= -500) continue; // inside the body
          const u = truth(d, h, w);
          const got = [pos[3 * o]! - d, pos[3 * o + 1]! - h, pos[3 * o + 2]! - w].map((v, a) => v * sp[a]!);
          e0 += Math.hypot(u[0]!, u[1]!, u[2]!);
          e1 += Math.hypot(got[0]! - u[0]!, got[1]! - u[1]!, got[2]! - u[2]!);
          n++;
        }
    expect(e1 / n).to.be.lessThan((0.5 * e0) / n);
  });

  it('kitseg augment register writes labelled cases on the fixed grids and NCC improves for every pair', async () => {
    const root = join(tmp(), 'data');
    writeSyntheticDataset({ out: root, cases: 4, seed: 9, preset: 'small' });
    const cfg = join(tmp(), 'c.yaml');
    writeFileSync(cfg, `data:\n  root: ${root}\n  splits:\n    val: 1\n`);
    const out = join(tmp(), 'reg');
    const r = await augmentRegister(cfg, out, '4', '--iterations', '30', '--json', '--log-level', 'silent');
    expect(r.code, r.err).to.equal(0);
    const { pairs } = JSON.parse(r.out) as {
      pairs: { id: string; fixed: string; moving: string; nccBefore: number; nccAfter: number }[];
    };
    expect(pairs).to.have.length(2);
    for (const p of pairs) {
      expect(p.nccAfter).to.be.greaterThan(p.nccBefore);
      expect(p.moving).to.not.equal(p.fixed);
      const fixed = readNifti(join(root, p.fixed, 'imaging.nii.gz'));
      for (const f of ['imaging.nii.gz', 'segmentation.nii.gz']) {
        const v = readNifti(join(out, p.id, f));
        expect(v.shape).to.deep.equal(fixed.shape);
        expect(v.affine).to.deep.equal(fixed.affine);
      }
      const lab = readNifti(join(out, p.id, 'segmentation.nii.gz')).data;
      expect([...new Set(lab)].sort()).to.include.members([0, 1]);
    }
    expect(existsSync(join(out, 'registration.json'))).to.equal(true);
    expect(JSON.parse(readFileSync(join(out, 'registration.json'), 'utf8')).pairs).to.have.length(2);
    // The augmented folder is a dataset the trainer accepts as extra train cases.
    expect(discoverCases(out).map((c) => c.id)).to.deep.equal(pairs.map((p) => p.id));
  });

  it('NCC before and after are measured on the finest level: a coarser first level leaves "before" unchanged', () => {
    const root = join(tmp(), 'data-ncc');
    writeSyntheticDataset({ out: root, cases: 2, seed: 5, preset: 'small' });
    const [a, b] = discoverCases(root).map((r) => loadCase(r));
    const vol = (c: NonNullable<typeof a>): RegVolume => ({
      data: c.image.data,
      shape: c.image.shape,
      spacingMm: c.image.spacingMm,
      originMm: [0, 0, 0],
    });
    const opts = { ...DEFAULT_REGISTRATION, affineIterations: 1, fieldIterations: 1 };
    const fine = register(vol(a!), vol(b!), { ...opts, levels: [2] });
    const pyramid = register(vol(a!), vol(b!), { ...opts, levels: [4, 2] });
    const coarse = register(vol(a!), vol(b!), { ...opts, levels: [4] });
    // The same starting transform on the same grid: the same number, whatever came before it.
    expect(pyramid.nccBefore).to.equal(fine.nccBefore);
    // ... and a different grid gives a different one (so the check above can fail).
    expect(Math.abs(coarse.nccBefore - fine.nccBefore)).to.be.greaterThan(1e-4);
  });

  it('kitseg augment register: --levels must be positive factors, coarse to fine', async () => {
    const cfg = join(tmp(), 'lv.yaml');
    writeFileSync(cfg, `data:\n  root: ${join(tmp(), 'none')}\n`);
    for (const levels of [['2', '4'], ['0'], ['4', 'x']]) {
      const r = await augmentRegister(cfg, join(tmp(), 'o'), ...levels);
      expect(r.code).to.equal(2);
      expect(r.err.trim().split('\n')).to.have.length(1);
      expect(r.err).to.contain(
        `--levels: expected positive pyramid factors, coarse to fine (e.g. 4 2), got ${levels.join(' ').replace('x', 'NaN')}`,
      );
      expect(existsSync(join(tmp(), 'o'))).to.equal(false);
    }
  });
});
