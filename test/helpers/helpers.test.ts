import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { expectClose, expectNoLeak } from './assert.js';

describe('test helpers', () => {
  it('expectNoLeak fails when an operation keeps a tensor alive', async () => {
    let kept: tf.Tensor | undefined;
    let failed = false;
    try {
      await expectNoLeak(() => {
        kept = tf.ones([2]).add(1);
      });
    } catch {
      failed = true;
    }
    kept?.dispose();
    expect(failed).to.equal(true);
  });

  it('expectNoLeak passes for tidy work', async () => {
    await expectNoLeak(() => tf.tidy(() => tf.ones([3]).mul(2).sum().dataSync()));
  });

  it('expectClose rejects values outside the tolerance', () => {
    expect(() => expectClose([1, 2], [1, 2.1], { atol: 0.05 })).to.throw(/element 1/);
    expectClose([1, 2], [1, 2.04], { atol: 0.05 });
  });
});
