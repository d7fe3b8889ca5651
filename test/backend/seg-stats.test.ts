// The fused Dice/CE sums (segStats) and the fused softmax gradient against plain tfjs compositions:
// the JS kernel (cpu) against tf ops, the native kernels (dnnl) against the cpu ones; values and
// gradients, relative error ≤ 1e-4.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { composedSegStats, segStats } from '../../lib/backend/ops/seg-stats.js';
import { DNNL_AVAILABLE, DNNL_REQUIRED, on, parity, rand } from '../helpers/parity.js';
import { expectClose, expectNoLeak } from '../helpers/assert.js';

const EPS = 1e-7;
const SHAPE = [2, 5, 6, 7, 3];

/** Softmax probabilities with some saturated voxels (p below ε and above 1 − ε), and one-hot targets. */
function inputs(seed: number) {
  const logits = tf.tensor(rand(SHAPE, seed), SHAPE).mul(4);
  const sat = tf
    .tensor(rand(SHAPE, seed + 1), SHAPE)
    .greater(0.8)
    .toFloat()
    .mul(40);
  const p = tf.softmax(logits.add(sat));
  const labels = tf
    .tensor(rand(SHAPE.slice(0, -1), seed + 2), SHAPE.slice(0, -1))
    .add(1)
    .mul(1.5)
    .floor()
    .toInt();
  const y = tf.oneHot(labels, 3).toFloat();
  return { p, y };
}

/** A loss-like functional of the sums that weights every row, so each row's gradient is tested. */
const weights = tf.tidy(() => tf.tensor(rand([2, 4, 3], 99), [2, 4, 3]).add(1.5));
const functional = (st: tf.Tensor) => st.mul(weights.slice([0, 0, 0], [st.shape[0]!, 4, 3])).sum();

function both(fused: boolean, perSample: boolean) {
  const { p, y } = inputs(7);
  const attrs = { groups: perSample ? SHAPE[0]! : 1, withCe: true, epsilon: EPS };
  const stats = (q: tf.Tensor) =>
    fused ? segStats(q, y, perSample, true, EPS) : composedSegStats(q, y, attrs);
  const dp = tf.grad((q: tf.Tensor) => functional(stats(q)))(p);
  return [stats(p), dp];
}

describe('backend/segStats (Dice and CE sums in one pass)', () => {
  for (const perSample of [false, true]) {
    const what = perSample ? 'per sample' : 'batch';
    it(`the fused kernel and its gradient equal the tf-op composition (${what})`, async () => {
      const fused = await on('cpu', () => both(true, perSample));
      const plain = await on('cpu', () => both(false, perSample));
      fused.forEach((f, i) =>
        expectClose(f, plain[i]!, { atol: 1e-4 * Math.max(...plain[i]!.map(Math.abs)) }),
      );
    });
    it(`the dnnl kernels equal the cpu ones (${what})`, async function () {
      if (!DNNL_AVAILABLE) {
        expect(DNNL_REQUIRED).to.equal(false);
        return this.skip();
      }
      await parity(`segStats ${what}`, () => both(true, perSample));
    });
  }

  it('hand-derived sums, with the log row only when asked for and p clamped inside it', () => {
    const p = tf
      .tensor2d([
        [0.5, 0.5],
        [0, 1],
      ])
      .reshape([1, 2, 2]);
    const y = tf
      .tensor2d([
        [1, 0],
        [1, 0],
      ])
      .reshape([1, 2, 2]);
    const st = tf.tidy(() => Array.from(segStats(p, y, false, true, EPS).dataSync()));
    // Σp·y, Σp, Σy, Σ y·log clamp(p): class 0 has p = 0.5 and 0 (clamped to ε).
    expectClose(st, [0.5, 0, 0.5, 1.5, 2, 0, Math.log(0.5) + Math.log(Math.fround(EPS)), 0], { atol: 1e-5 });
    const noCe = tf.tidy(() => Array.from(segStats(p, y, false, false, EPS).dataSync()));
    expectClose(noCe.slice(6), [0, 0]);
    tf.dispose([p, y]);
  });

  it('leaves no tensors behind, forward or backward', async () => {
    await expectNoLeak(() => tf.dispose(tf.tidy(() => both(true, true))));
  });

  it('the fused softmax gradient equals tfjs formula', async function () {
    if (!DNNL_AVAILABLE) {
      expect(DNNL_REQUIRED).to.equal(false);
      return this.skip();
    }
    await parity('softmax gradient', () => {
      const x = tf.tensor(rand([4, 5, 3], 21), [4, 5, 3]);
      const w = tf.tensor(rand([4, 5, 3], 22), [4, 5, 3]);
      return [tf.grad((a: tf.Tensor) => tf.softmax(a).mul(w).sum())(x)];
    });
  });
});
