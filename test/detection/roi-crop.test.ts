// RoI crop-and-resize: equal to tf.image.cropAndResize (the independent reference), hand values,
// bin-centre sampling of `roiBoxes`, and a gradient that reaches the feature map.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { cropAndResize, roiBoxes } from '../../lib/detection/roi-crop.js';
import { Rng } from '../../lib/rng/rng.js';

describe('detection: RoI crop-and-resize', () => {
  it('equals tf.image.cropAndResize, boxes spanning images, out-of-image samples and flips', () => {
    const rng = Rng.fromSeed(4);
    const B = 2;
    const H = 7;
    const W = 9;
    const C = 3;
    const data = Float32Array.from({ length: B * H * W * C }, () => rng.normal());
    const f = tf.tensor4d(data, [B, H, W, C]);
    const boxes = [
      [0.1, 0.2, 0.8, 0.9],
      [0, 0, 1, 1],
      [-0.2, 0.3, 0.5, 1.3], // partly outside: extrapolated samples are 0
      [0.6, 0.7, 0.2, 0.1], // flipped box
      [0.33, 0.41, 0.34, 0.43], // thinner than a pixel
    ] as const;
    const index = [1, 0, 1, 0, 0];
    for (const size of [1, 4, 5]) {
      const ours = cropAndResize(f, boxes, index, size);
      const ref = tf.image.cropAndResize(
        f,
        tf.tensor2d(boxes.map((b) => [...b])),
        tf.tensor1d(index, 'int32'),
        [size, size],
      );
      expect(ours.shape).to.deep.equal([5, size, size, C]);
      const a = ours.dataSync();
      const b = ref.dataSync();
      for (let i = 0; i < a.length; i++) expect(a[i]).to.be.closeTo(b[i]!, 1e-5);
      tf.dispose([ours, ref]);
    }
    f.dispose();
  });

  it('samples bilinearly by hand on a ramp', () => {
    // f(y, x) = 10y + x on a 3 × 3 map; the whole box at size 5 samples y, x ∈ {0, .5, 1, 1.5, 2}.
    const f = tf.tensor4d(
      Array.from({ length: 9 }, (_, i) => 10 * Math.floor(i / 3) + (i % 3)),
      [1, 3, 3, 1],
    );
    const out = cropAndResize(f, [[0, 0, 1, 1]], [0], 5).dataSync();
    expect(out[0]).to.be.closeTo(0, 1e-6);
    expect(out[1]).to.be.closeTo(0.5, 1e-6);
    expect(out[5 + 2]).to.be.closeTo(5 + 1, 1e-6); // (y .5, x 1)
    expect(out[24]).to.be.closeTo(22, 1e-6);
    f.dispose();
  });

  it('roiBoxes puts the samples at bin centres of the pixel box on the feature grid', () => {
    // Stride 4: pixel box [8, 8, 24, 40] is feature [2, 2, 6, 10] (cells centred at integers after −0.5).
    // Two bins per axis: centres at feature y = 1.5 + 1, 1.5 + 3 → 2.5, 4.5; x = 1.5 + 2, 1.5 + 6 → 3.5, 7.5.
    const f = tf.tensor4d(
      Array.from({ length: 16 * 16 }, (_, i) => 100 * Math.floor(i / 16) + (i % 16)),
      [1, 16, 16, 1],
    );
    const b = roiBoxes([[8, 8, 24, 40]], 4, 16, 16, 2);
    const out = cropAndResize(f, b, [0], 2).dataSync();
    expect(Array.from(out).map((v) => +v.toFixed(4))).to.deep.equal([253.5, 257.5, 453.5, 457.5]);
    f.dispose();
  });

  it('passes gradients to the feature map (sum of crop = sum of interpolation weights)', () => {
    const f = tf.ones([1, 5, 6, 2]) as tf.Tensor4D;
    const g = tf.grad((x: tf.Tensor) => cropAndResize(x as tf.Tensor4D, [[0.25, 0, 0.75, 1]], [0], 3).sum())(
      f,
    );
    // Each sample's bilinear weights sum to 1: total gradient = 3·3 samples × 2 channels.
    expect(g.sum().dataSync()[0]).to.be.closeTo(18, 1e-4);
    // Rows 1 and 3 (y = .25·4 = 1, 2, 3 at size 3): rows 0 and 4 get nothing.
    const gd = g.dataSync();
    for (let i = 0; i < 12; i++) expect(gd[i]).to.equal(0);
    expect(gd[12 * 2]).to.be.greaterThan(0);
    tf.dispose([f, g]);
  });
});
