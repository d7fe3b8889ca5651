// bf16 mixed precision of the dnnl convolutions. A bf16 convolution must equal the float32
// convolution of its inputs rounded to bf16 (products of bf16 values are exact in float32; only the
// summation order differs): relative error ≤ 1e-4 of the largest output. Against unrounded
// float32 the difference is bf16's own rounding: ≤ 2e-2 of the largest output.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { assertPrecision, bf16Support, useConvPrecision } from '../../lib/backend/precision.js';
import { conv3dBias } from '../../lib/backend/ops/conv-bias.js';
import { ConfigError } from '../../lib/core/errors.js';
import { expectThrows } from '../helpers/assert.js';
import { DNNL_AVAILABLE, on, rand } from '../helpers/parity.js';
import { testBackend } from '../helpers/setup.js';

/** Round-to-nearest-even to bfloat16, kept in float32. */
function toBf16(a: Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  const bits = new Uint32Array(out.buffer);
  out.set(a);
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i]!;
    bits[i] = ((b + 0x7fff + ((b >>> 16) & 1)) & 0xffff0000) >>> 0;
  }
  return out;
}

function relErr(actual: Float32Array, expected: Float32Array): number {
  let maxRef = 0;
  let maxErr = 0;
  for (let i = 0; i < expected.length; i++) {
    maxRef = Math.max(maxRef, Math.abs(expected[i]!));
    maxErr = Math.max(maxErr, Math.abs(actual[i]! - expected[i]!));
  }
  expect(maxRef).to.be.greaterThan(0);
  return maxErr / maxRef;
}

// f(x, w) = Σ conv(x, w) ⊙ c: its gradient wrt the conv output is c, so the backward kernels see a
// known dy, and their bf16 reference is the float32 gradient with x, w and c rounded.
async function convAndGrads(
  backend: string,
  x: Float32Array,
  w: Float32Array,
  c: Float32Array,
  xs: number[],
  ws: number[],
  conv: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor,
  bf16: boolean,
): Promise<Float32Array[]> {
  return on(backend, () => {
    if (backend === 'dnnl') useConvPrecision(bf16 ? 'bf16' : 'fp32');
    try {
      const xt = tf.tensor(x, xs);
      const wt = tf.tensor(w, ws);
      const y = conv(xt, wt);
      const ct = tf.tensor(c, y.shape);
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => conv(a, b).mul(ct).sum())([xt, wt]);
      return [y, dx!, dw!];
    } finally {
      if (backend === 'dnnl') useConvPrecision('fp32');
    }
  });
}

const CASES: [string, number[], number[], (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, number[]][] = [
  [
    'Conv3D 3×3×3 same 16→16',
    [1, 6, 10, 10, 16],
    [3, 3, 3, 16, 16],
    (a, b) => tf.conv3d(a as tf.Tensor5D, b as tf.Tensor5D, 1, 'same'),
    [1, 6, 10, 10, 16],
  ],
  [
    'Conv3D 2×2×2 stride 2, 4→8',
    [2, 8, 8, 8, 4],
    [2, 2, 2, 4, 8],
    (a, b) => tf.conv3d(a as tf.Tensor5D, b as tf.Tensor5D, 2, 'valid'),
    [2, 4, 4, 4, 8],
  ],
  [
    'conv3dBias (bias inside the convolution) 3→8',
    [1, 5, 7, 9, 3],
    [3, 3, 3, 3, 8],
    (a, b) => conv3dBias(a as tf.Tensor5D, b as tf.Tensor5D, tf.linspace(-0.5, 0.5, 8), 1, 'same'),
    [1, 5, 7, 9, 8],
  ],
  [
    'Conv2D 3×3 same 8→16',
    [2, 12, 12, 8],
    [3, 3, 8, 16],
    (a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'),
    [2, 12, 12, 16],
  ],
];

describe('backend/precision (bf16)', () => {
  it('an explicit bf16 where it cannot run is a config error naming the key', async () => {
    await tf.setBackend('cpu');
    expect(bf16Support().available).to.equal(false);
    expectThrows(
      () => assertPrecision('bf16', 'train.precision'),
      ConfigError,
      /^train\.precision: bf16 is not available here: /,
    );
    assertPrecision('fp32', 'train.precision');
    await tf.setBackend(testBackend());
  });

  if (!DNNL_AVAILABLE) return;

  for (const [name, xs, ws, conv, ys] of CASES) {
    it(`${name}: forward and both gradients equal float32 on bf16-rounded inputs`, async function () {
      await tf.setBackend('dnnl');
      const support = bf16Support();
      await tf.setBackend(testBackend());
      if (!support.available) this.skip();
      const x = rand(xs, 11);
      const w = rand(ws, 12);
      const c = rand(ys, 13);
      const got = await convAndGrads('dnnl', x, w, c, xs, ws, conv, true);
      const ref = await convAndGrads('cpu', toBf16(x), toBf16(w), toBf16(c), xs, ws, conv, false);
      const f32 = await convAndGrads('cpu', x, w, c, xs, ws, conv, false);
      ['output', 'input gradient', 'filter gradient'].forEach((what, i) => {
        expect(relErr(got[i]!, ref[i]!), `${what} vs bf16-rounded reference`).to.be.at.most(1e-4);
        const e = relErr(got[i]!, f32[i]!);
        expect(e, `${what} vs float32`).to.be.at.most(2e-2);
        // It really ran in bf16: float32 inputs agree with float32 to ~1e-6, bf16 ones do not.
        expect(e, `${what} differs from float32 by bf16 rounding`).to.be.greaterThan(1e-4);
      });
    });
  }

  it('switching back to fp32 gives float32 results again', async function () {
    await tf.setBackend('dnnl');
    const available = bf16Support().available;
    await tf.setBackend(testBackend());
    if (!available) this.skip();
    const [name, xs, ws, conv, ys] = CASES[0]!;
    const x = rand(xs, 21);
    const w = rand(ws, 22);
    const c = rand(ys, 23);
    await convAndGrads('dnnl', x, w, c, xs, ws, conv, true);
    const got = await convAndGrads('dnnl', x, w, c, xs, ws, conv, false);
    const f32 = await convAndGrads('cpu', x, w, c, xs, ws, conv, false);
    got.forEach((g, i) => expect(relErr(g, f32[i]!), `${name} output ${i}`).to.be.at.most(1e-4));
  });
});
