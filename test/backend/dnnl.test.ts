// Parity of the native oneDNN kernels with the tfjs cpu kernels (relative error ≤ 1e-4), their
// gradients, and the Conv3DBackpropInputV2 gradient against finite differences.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { testBackend } from '../helpers/setup.js';
import { selectBackend } from '../../lib/backend/select.js';
import { expectNoLeak } from '../helpers/assert.js';
import { parity, rand, t5, type S5 } from '../helpers/parity.js';

const dnnl = await selectBackend('dnnl').then(
  (s) => s,
  (e: Error) => e,
);
await tf.setBackend(testBackend());
// CI installs libdnnl-dev and sets this, so the native suite can never silently not run there.
const REQUIRED = process.env['KITSEG_REQUIRE_DNNL'] === '1';

describe('backend/dnnl', () => {
  if (dnnl instanceof Error) {
    it('is unavailable here, and says why in one line', () => {
      expect(REQUIRED, 'KITSEG_REQUIRE_DNNL=1 but the dnnl backend did not load: ' + dnnl.message).to.equal(
        false,
      );
      expect(dnnl.message).to.match(/^backend "dnnl" is not available: kitseg-native/);
    });
    return;
  }

  it('loads with the native kernels named', () => {
    expect(dnnl.name).to.equal('dnnl');
    expect(dnnl.probes[0]!.reason).to.match(/oneDNN 2\.\d+\.\d+, \d+ threads, native .*\bConv3D,/);
  });

  type C3 = [
    string,
    number[],
    number[],
    [number, number, number],
    'same' | 'valid',
    [number, number, number],
  ];
  const CONV3D: C3[] = [
    ['3×3×3 same 16→16 [1,8,16,16]', [1, 8, 16, 16, 16], [3, 3, 3, 16, 16], [1, 1, 1], 'same', [1, 1, 1]],
    [
      '3×3×3 valid stride 2 [2,9,10,11] 3→5',
      [2, 9, 10, 11, 3],
      [3, 3, 3, 3, 5],
      [2, 2, 2],
      'valid',
      [1, 1, 1],
    ],
    [
      '1×3×3 same anisotropic stride (1,2,2)',
      [1, 5, 12, 12, 4],
      [1, 3, 3, 4, 8],
      [1, 2, 2],
      'same',
      [1, 1, 1],
    ],
    ['3×3×3 same dilation 2', [1, 9, 9, 9, 2], [3, 3, 3, 2, 3], [1, 1, 1], 'same', [2, 2, 2]],
    ['5×5×5 same 1→8 (V-Net)', [1, 8, 8, 8, 1], [5, 5, 5, 1, 8], [1, 1, 1], 'same', [1, 1, 1]],
    ['2×2×2 stride 2 down-conv', [1, 8, 8, 8, 4], [2, 2, 2, 4, 8], [2, 2, 2], 'valid', [1, 1, 1]],
  ];
  for (const [name, xs, ws, strides, pad, dil] of CONV3D) {
    it(`Conv3D and its gradients: ${name}`, async () => {
      const x = rand(xs, 1);
      const w = rand(ws, 2);
      await parity(name, () => {
        const xt = t5(x, xs);
        const wt = t5(w, ws);
        const f = (a: tf.Tensor, b: tf.Tensor) =>
          tf
            .conv3d(a as tf.Tensor5D, b as tf.Tensor5D, strides, pad, 'NDHWC', dil)
            .square()
            .sum();
        const y = tf.conv3d(xt, wt, strides, pad, 'NDHWC', dil);
        // tfjs defines conv gradients only for dilation 1.
        if (dil.some((d) => d > 1)) return [y];
        const [dx, dw] = tf.grads(f)([xt, wt]);
        return [y, dx!, dw!];
      });
    });
  }

  const TRANSPOSE: [string, S5, S5, S5, [number, number, number], 'same' | 'valid'][] = [
    ['2×2×2 stride 2 up-conv 8→4', [1, 4, 4, 4, 8], [2, 2, 2, 4, 8], [1, 8, 8, 8, 4], [2, 2, 2], 'valid'],
    ['3×3×3 stride 1 same 3→5', [2, 5, 6, 7, 3], [3, 3, 3, 5, 3], [2, 5, 6, 7, 5], [1, 1, 1], 'same'],
    ['1×2×2 stride (1,2,2)', [1, 3, 4, 4, 2], [1, 2, 2, 3, 2], [1, 3, 8, 8, 3], [1, 2, 2], 'valid'],
  ];
  for (const [name, ys, ws, outShape, strides, pad] of TRANSPOSE) {
    it(`conv3dTranspose (Conv3DBackpropInputV2) and its new gradient: ${name}`, async () => {
      const y = rand(ys, 3);
      const w = rand(ws, 4);
      await parity(name, () => {
        const yt = t5(y, ys);
        const wt = t5(w, ws);
        const out = outShape;
        const f = (a: tf.Tensor, b: tf.Tensor) =>
          tf
            .conv3dTranspose(a as tf.Tensor5D, b as tf.Tensor5D, out, strides, pad)
            .square()
            .sum();
        const [dy, dw] = tf.grads(f)([yt, wt]);
        return [tf.conv3dTranspose(yt, wt, out, strides, pad), dy!, dw!];
      });
    });
  }

  type C2 = [
    string,
    [number, number, number, number],
    [number, number, number, number],
    [number, number],
    'same' | 'valid',
    [number, number],
  ];
  const CONV2D: C2[] = [
    ['3×3 same 8→16 [2,16,16]', [2, 16, 16, 8], [3, 3, 8, 16], [1, 1], 'same', [1, 1]],
    ['3×3 valid stride 2 odd sizes', [1, 13, 11, 3], [3, 3, 3, 4], [2, 2], 'valid', [1, 1]],
    ['3×3 same dilation 2', [1, 10, 10, 2], [3, 3, 2, 2], [1, 1], 'same', [2, 2]],
  ];
  for (const [name, xs, ws, strides, pad, dil] of CONV2D) {
    it(`Conv2D and its gradients: ${name}`, async () => {
      const x = rand(xs, 5);
      const w = rand(ws, 6);
      await parity(name, () => {
        const xt = tf.tensor(x, xs) as tf.Tensor4D;
        const wt = tf.tensor(w, ws) as tf.Tensor4D;
        const f = (a: tf.Tensor, b: tf.Tensor) =>
          tf
            .conv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad, 'NHWC', dil)
            .square()
            .sum();
        const y = tf.conv2d(xt, wt, strides, pad, 'NHWC', dil);
        if (dil.some((d) => d > 1)) return [y];
        const [dx, dw] = tf.grads(f)([xt, wt]);
        return [y, dx!, dw!];
      });
    });
  }

  for (const activation of ['linear', 'relu', 'leakyrelu', 'elu', 'relu6'] as const) {
    it(`FusedConv2D with bias and ${activation}`, async () => {
      const x = rand([1, 9, 9, 4], 7);
      const w = rand([3, 3, 4, 6], 8);
      const bias = rand([6], 9);
      await parity(activation, () =>
        tf.fused.conv2d({
          x: tf.tensor4d(x, [1, 9, 9, 4]),
          filter: tf.tensor4d(w, [3, 3, 4, 6]),
          bias: tf.tensor1d(bias),
          strides: 1,
          pad: 'same',
          activation,
          leakyreluAlpha: 0.1,
        }),
      );
    });
  }

  const MATMUL: [string, number[], number[], boolean, boolean][] = [
    ['[5,7]·[7,3]', [5, 7], [7, 3], false, false],
    ['[4,5,7]·[4,7,3]', [4, 5, 7], [4, 7, 3], false, false],
    ['[4,7,5]ᵀ·[4,3,7]ᵀ', [4, 7, 5], [4, 3, 7], true, true],
    ['[1,5,7] broadcast ·[6,7,3]', [1, 5, 7], [6, 7, 3], false, false],
    ['[2,3,5,7]·[2,3,7,4] rank 4', [2, 3, 5, 7], [2, 3, 7, 4], false, false],
  ];
  for (const [name, as, bs, ta, tb] of MATMUL) {
    it(`BatchMatMul ${name}`, async () => {
      const a = rand(as, 10);
      const b = rand(bs, 11);
      await parity(name, () => tf.matMul(tf.tensor(a, as), tf.tensor(b, bs), ta, tb));
    });
  }

  const PRELU: [string, number[], number[]][] = [
    ['one slope per channel', [2, 3, 4, 5, 3], [1, 1, 1, 3]],
    ['one shared slope', [2, 6, 4], [1]],
    // Above the native kernels' 65,536-value threshold: the threaded loops and per-thread dα sums.
    ['one slope per channel, threaded', [2, 8, 32, 32, 8], [1, 1, 1, 8]],
    ['slopes per pixel (falls back to tfjs)', [2, 3, 4], [3, 4]],
  ];
  for (const [name, xs, as] of PRELU) {
    it(`Prelu and its gradients: ${name}`, async () => {
      const x = rand(xs, 12);
      const a = rand(as, 13);
      await parity(name, () => {
        const xt = tf.tensor(x, xs);
        const at = tf.tensor(a, as);
        // Weighted sum so that dx depends on dy, not only on the mask.
        const r = tf.tensor(rand(xs, 14), xs);
        const f = (u: tf.Tensor, v: tf.Tensor) => tf.prelu(u, v).mul(r).sum();
        const [dx, da] = tf.grads(f)([xt, at]);
        return [tf.prelu(xt, at), dx!, da!];
      });
    });
  }

  it('Prelu by hand: y = x or slope·x; dα = Σ dy·x over the negative inputs of its channel', async () => {
    await tf.setBackend('dnnl');
    const x: tf.Tensor = tf.tensor2d([
      [-2, 3],
      [4, -1],
      [-0.5, -6],
    ]);
    const alpha = tf.tensor1d([0.25, 0.5]) as tf.Tensor;
    expect(Array.from(tf.prelu(x, alpha).dataSync())).to.deep.equal([-0.5, 3, 4, -0.5, -0.125, -3]);
    const [dx, da] = tf.grads((u: tf.Tensor, v: tf.Tensor) => tf.prelu(u, v).sum())([x, alpha]);
    expect(Array.from(dx!.dataSync())).to.deep.equal([0.25, 1, 1, 0.5, 0.25, 0.5]);
    expect(Array.from(da!.dataSync())).to.deep.equal([-2.5, -7]);
    tf.dispose([x, alpha, dx!, da!]);
    await tf.setBackend(testBackend());
  });

  it('native kernels leak no tensors', async () => {
    await tf.setBackend('dnnl');
    const x = tf.randomUniform([1, 4, 8, 8, 2], -1, 1, 'float32', 1) as tf.Tensor5D;
    const w = tf.randomUniform([3, 3, 3, 2, 2], -1, 1, 'float32', 2) as tf.Tensor5D;
    for (let i = 0; i < 3; i++) {
      await expectNoLeak(() =>
        tf.tidy(() =>
          tf
            .grads((a: tf.Tensor) => tf.conv3d(a as tf.Tensor5D, w, 1, 'same').sum())([x])[0]!
            .dataSync(),
        ),
      );
    }
    tf.dispose([x, w]);
    await tf.setBackend(testBackend());
  });
});

describe('Conv3DBackpropInputV2 gradient (every backend)', () => {
  it('matches finite differences on the cpu backend', async () => {
    await selectBackend('cpu');
    // L(y, w) = Σ r ⊙ conv3dTranspose(y, w) is linear in y and in w, so central differences are exact.
    const ys = [1, 2, 2, 2, 2];
    const ws = [2, 2, 2, 3, 2];
    const out: [number, number, number, number, number] = [1, 4, 4, 4, 3];
    const y = rand(ys, 12);
    const w = rand(ws, 13);
    const r = tf.tensor(rand(out, 14), out);
    const L = (yy: Float32Array, ww: Float32Array) =>
      tf.tidy(() => tf.conv3dTranspose(t5(yy, ys), t5(ww, ws), out, 2, 'valid').mul(r).sum().dataSync()[0]!);
    const [gy, gw] = tf.tidy(() =>
      tf
        .grads((a: tf.Tensor, b: tf.Tensor) =>
          tf
            .conv3dTranspose(a as tf.Tensor5D, b as tf.Tensor5D, out, 2, 'valid')
            .mul(r)
            .sum(),
        )([tf.tensor(y, ys), tf.tensor(w, ws)])
        .map((t) => t.dataSync() as Float32Array),
    );
    const h = 0.5;
    for (const [vec, grad, isY] of [
      [y, gy!, true],
      [w, gw!, false],
    ] as const) {
      for (const i of [0, 3, vec.length - 1]) {
        const p = Float32Array.from(vec);
        const m = Float32Array.from(vec);
        p[i]! += h;
        m[i]! -= h;
        const fd = isY ? (L(p, w) - L(m, w)) / (2 * h) : (L(y, p) - L(y, m)) / (2 * h);
        expect(grad[i]!).to.be.closeTo(fd, 1e-3);
      }
    }
    r.dispose();
  });
});
