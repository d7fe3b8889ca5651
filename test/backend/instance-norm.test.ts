// The fused instance-norm kernel (cpu JS loops here; native on dnnl) against the composite formula.
import * as tf from '@tensorflow/tfjs';
import { instanceNorm } from '../../lib/backend/ops/instance-norm.js';
import { expectClose, expectNoLeak } from '../helpers/assert.js';
import { rand } from '../helpers/parity.js';

/** The textbook formula from tf ops: (x − μ)/√(σ² + ε)·γ + β over the spatial axes, then LeakyReLU. */
function reference(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, slope?: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, [1, 2, 3], true);
  const y = x.sub(mean).div(variance.add(1e-5).sqrt()).mul(g).add(b);
  // For 0 < slope < 1, LeakyReLU(y) = max(y, slope·y), differentiable with tf's own Maximum gradient.
  return slope === undefined ? y : tf.maximum(y, y.mul(slope));
}

describe('instanceNorm', () => {
  for (const slope of [undefined, 0.01]) {
    it(`forward and gradients equal the composite formula (LeakyReLU slope ${slope ?? 'none'})`, async () => {
      await tf.setBackend('cpu');
      const x = tf.tensor(rand([2, 3, 4, 5, 3], 21), [2, 3, 4, 5, 3]);
      const g = tf.tensor(rand([3], 22));
      const b = tf.tensor(rand([3], 23));
      const r = tf.tensor(rand([2, 3, 4, 5, 3], 24), [2, 3, 4, 5, 3]);
      const ours = tf.tidy(() => {
        const f = (a: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) =>
          instanceNorm(a, gg, bb, 1e-5, slope).mul(r).sum();
        return [instanceNorm(x, g, b, 1e-5, slope), ...tf.grads(f)([x, g, b])].map((t) =>
          t.dataSync().slice(),
        );
      });
      const ref = tf.tidy(() => {
        const f = (a: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => reference(a, gg, bb, slope).mul(r).sum();
        return [reference(x, g, b, slope), ...tf.grads(f)([x, g, b])].map((t) => t.dataSync().slice());
      });
      ours.forEach((o, i) => expectClose(o, ref[i]!, { atol: 2e-4, rtol: 2e-4 }));
      tf.dispose([x, g, b, r]);
    });
  }

  it('normalises each sample and channel to zero mean and unit variance (γ = 1, β = 0)', () => {
    const y = tf.tidy(() =>
      instanceNorm(
        tf
          .tensor(rand([2, 4, 4, 4, 2], 25), [2, 4, 4, 4, 2])
          .mul(5)
          .add(3),
        tf.ones([2]),
        tf.zeros([2]),
      ),
    );
    const { mean, variance } = tf.tidy(() => tf.moments(y, [1, 2, 3]));
    expectClose(mean.dataSync(), [0, 0, 0, 0], { atol: 1e-5 });
    expectClose(variance.dataSync(), [1, 1, 1, 1], { atol: 1e-3 });
    tf.dispose([y, mean, variance]);
  });

  it('training steps leak no tensors', async () => {
    const x = tf.tensor(rand([1, 4, 4, 4, 2], 26), [1, 4, 4, 4, 2]);
    const g = tf.variable(tf.ones([2]));
    const b = tf.variable(tf.zeros([2]));
    const opt = tf.train.adam(0.01);
    opt.minimize(() => instanceNorm(x, g, b, 1e-5, 0.01).square().mean() as tf.Scalar, false, [g, b]);
    for (let i = 0; i < 3; i++) {
      await expectNoLeak(() =>
        opt.minimize(() => instanceNorm(x, g, b, 1e-5, 0.01).square().mean() as tf.Scalar, false, [g, b]),
      );
    }
    tf.dispose([x, g, b]);
    opt.dispose();
  });
});
