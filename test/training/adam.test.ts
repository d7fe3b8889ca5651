// FusedAdam follows tf.train.adam's update exactly, on every backend, and its state round-trips.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { FusedAdam } from '../../lib/training/adam.js';
import { expectClose, expectNoLeak } from '../helpers/assert.js';
import { DNNL_AVAILABLE, rand } from '../helpers/parity.js';
import { testBackend } from '../helpers/setup.js';

/** Runs `steps` steps of `opt` on a tiny quadratic problem and returns the final weights. */
function train(opt: tf.Optimizer, steps: number, w0: Float32Array): Float32Array {
  const w = tf.variable(tf.tensor(w0, [4, 3]));
  const target = tf.tensor(rand([4, 3], 31), [4, 3]);
  for (let i = 0; i < steps; i++)
    opt.minimize(
      () =>
        w
          .sub(target)
          .square()
          .sum()
          .mul(i + 1) as tf.Scalar,
      false,
      [w],
    );
  const out = w.dataSync().slice() as Float32Array;
  tf.dispose([w, target]);
  return out;
}

describe('training/FusedAdam', () => {
  const backends = DNNL_AVAILABLE ? ['cpu', 'dnnl'] : ['cpu'];
  for (const backend of backends) {
    it(`matches tf.train.adam over 5 steps on ${backend}`, async () => {
      await tf.setBackend(backend);
      const w0 = rand([4, 3], 30);
      const ref = tf.train.adam(0.05, 0.9, 0.999, 1e-7);
      const ours = new FusedAdam({ lr: 0.05, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
      // tfjs accumulates β^t in float32; ours in float64: the last digits may differ.
      expectClose(train(ours, 5, w0), train(ref, 5, w0), { atol: 1e-5 });
      ref.dispose();
      ours.dispose();
      await tf.setBackend(testBackend());
    });
  }

  it('saves and restores its state so training continues identically', async () => {
    const w0 = rand([4, 3], 32);
    const straight = train(new FusedAdam({ lr: 0.05 }), 4, w0);
    // Two steps, save weights and optimizer state, then two more steps from a fresh optimizer.
    const a = new FusedAdam({ lr: 0.05 });
    const w = tf.variable(tf.tensor(w0, [4, 3]));
    const target = tf.tensor(rand([4, 3], 31), [4, 3]);
    const step = (opt: tf.Optimizer, i: number) =>
      opt.minimize(
        () =>
          w
            .sub(target)
            .square()
            .sum()
            .mul(i + 1) as tf.Scalar,
        false,
        [w],
      );
    step(a, 0);
    step(a, 1);
    const state = await a.getWeights();
    a.dispose();
    const b = new FusedAdam({ lr: 0.05 });
    // Moments are keyed by variable name, as tfjs optimizers do.
    await b.setWeights(state.map((s) => ({ name: s.name, tensor: s.tensor })));
    step(b, 2);
    step(b, 3);
    expectClose(w.dataSync(), straight, { atol: 1e-6 });
    expect(state[0]!.name).to.equal('iter');
    tf.dispose([w, target, ...state.map((s) => s.tensor)]);
    b.dispose();
  });

  it('leaks no tensors across steps', async () => {
    const w = tf.variable(tf.ones([8]));
    const opt = new FusedAdam({ lr: 0.01 });
    const loss = () => w.square().sum() as tf.Scalar;
    opt.minimize(loss);
    for (let i = 0; i < 3; i++) await expectNoLeak(() => opt.minimize(loss));
    opt.dispose();
    w.dispose();
  });
});
