// Sliding-window stitching, Gaussian weighting, TTA and ensembles, resampling back.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { gaussianImportance } from '../../lib/inference/gaussian.js';
import { flipCombinations, Predictor } from '../../lib/inference/predictor.js';
import { labelOf, regionProbability, resampleVisit } from '../../lib/inference/resample-back.js';
import { slidingWindowInference, windowStarts } from '../../lib/inference/sliding-window.js';
import { Rng } from '../../lib/rng/rng.js';

const base = { overlap: 0.5, batchSize: 2, gaussian: true, padValue: [0] };

describe('inference/sliding-window', () => {
  it('window starts are evenly spaced, first at 0 and last flush with the end', () => {
    expect(windowStarts(10, 4, 0.5)).to.deep.equal([0, 2, 4, 6]);
    expect(windowStarts(11, 4, 0.5)).to.deep.equal([0, 2, 4, 5, 7]);
    expect(windowStarts(4, 4, 0.5)).to.deep.equal([0]);
    expect(windowStarts(3, 4, 0.5)).to.deep.equal([0]);
    expect(windowStarts(9, 4, 0)).to.deep.equal([0, 3, 5]);
  });

  it('the Gaussian map has σ = patch/8, peak 1 at the centre', () => {
    const g = gaussianImportance([1, 1, 4]);
    const e = (i: number) => Math.exp(-((i - 1.5) ** 2) / (2 * 0.25));
    expect(g[1]).to.be.closeTo(1, 1e-6);
    expect(g[0]).to.be.closeTo(e(0) / e(1), 1e-6);
    expect(g[3]).to.be.closeTo(g[0]!, 1e-9);
  });

  it('an identity predictor reproduces the input, also when the volume is smaller than a window', () => {
    const rng = Rng.fromSeed(1);
    for (const shape of [
      [5, 9, 7],
      [2, 3, 3],
    ] as const) {
      const x = Float32Array.from({ length: shape[0] * shape[1] * shape[2] * 2 }, () => rng.uniform(-1, 1));
      const before = tf.memory().numTensors;
      const y = slidingWindowInference(x, shape, (t) => t.clone(), {
        ...base,
        patch: [4, 4, 4],
        outChannels: 2,
        padValue: [0, 0],
      });
      expect(tf.memory().numTensors).to.equal(before);
      for (let i = 0; i < x.length; i++) expect(y[i]).to.be.closeTo(x[i]!, 1e-5);
    }
  });

  it('overlapping windows blend with the Gaussian weights (hand-computed)', () => {
    // Windows [0, 4) and [2, 6) along W; the first predicts 1, the second 3.
    const x = Float32Array.from([0, 1, 2, 3, 4, 5]);
    const predictor = (t: tf.Tensor5D) =>
      tf.tidy(
        () =>
          t
            .mean([1, 2, 3, 4])
            .greater(2)
            .toFloat()
            .mul(2)
            .add(1)
            .reshape([-1, 1, 1, 1, 1])
            .tile([1, 1, 1, 4, 1]) as tf.Tensor5D,
      );
    const uniform = slidingWindowInference(x, [1, 1, 6], predictor, {
      ...base,
      gaussian: false,
      patch: [1, 1, 4],
      outChannels: 1,
    });
    expect([...uniform]).to.deep.equal([1, 1, 2, 2, 3, 3]);
    const g = slidingWindowInference(x, [1, 1, 6], predictor, { ...base, patch: [1, 1, 4], outChannels: 1 });
    const e = Math.exp(-4.5) / Math.exp(-0.5);
    expect(g[2]).to.be.closeTo((1 * 1 + e * 3) / (1 + e), 1e-5);
    expect(g[3]).to.be.closeTo((e * 1 + 1 * 3) / (1 + e), 1e-5);
    expect(g[0]).to.be.closeTo(1, 1e-6);
  });

  it('TTA averages every flip combination, flipped back; ensembles average models', () => {
    expect(flipCombinations([2, 0, 1])).to.have.length(8);
    expect(flipCombinations([1])).to.deep.equal([[], [1]]);
    const conv = (seed: number) => {
      const m = tf.sequential({
        layers: [
          tf.layers.conv3d({
            inputShape: [4, 4, 4, 1],
            filters: 2,
            kernelSize: 3,
            padding: 'same',
            kernelInitializer: tf.initializers.randomNormal({ seed }),
            activation: 'softmax',
          }),
        ],
      });
      return m;
    };
    const a = conv(1);
    const b = conv(2);
    const x = tf.randomUniform([1, 4, 4, 4, 1], 0, 1, 'float32', 3) as tf.Tensor5D;
    const tta = new Predictor([a], [2]).predict(x);
    const f = (m: tf.LayersModel, t: tf.Tensor) => m.predict(t) as tf.Tensor;
    const manual = tf.add(f(a, x), tf.reverse(f(a, tf.reverse(x, [3])), [3])).div(2);
    expect(tf.max(tf.abs(tf.sub(tta, manual))).dataSync()[0]).to.be.lessThan(1e-6);
    expect(tf.max(tf.abs(tf.sub(tta, f(a, x)))).dataSync()[0]).to.be.greaterThan(1e-4);
    const ens = new Predictor([a, b], []).predict(x);
    const avg = tf.add(f(a, x), f(b, x)).div(2);
    expect(tf.max(tf.abs(tf.sub(ens, avg))).dataSync()[0]).to.be.lessThan(1e-6);
    const before = tf.memory().numTensors;
    new Predictor([a, b], [0, 1, 2]).predict(x).dispose();
    expect(tf.memory().numTensors).to.equal(before);
    a.dispose();
    b.dispose();
    tf.dispose([x, tta, manual, ens, avg]);
  });

  it('resampling back interpolates linearly and labels by argmax or regions', () => {
    // [1, 1, 2] → [1, 1, 4]: positions (j + ½)/2 − ½ = −0.25 (clamped), 0.25, 0.75, 1.25 (clamped).
    const src = Float32Array.from([0, 1, 1, 0]); // K = 2 channels at 2 voxels
    const got: number[][] = [];
    resampleVisit(src, [1, 1, 2], 2, [1, 1, 4], (_, v) => got.push([...v]));
    expect(got.map((v) => v[0])).to.deep.equal([0, 0.25, 0.75, 1]);
    expect(labelOf(Float32Array.from([0.2, 0.3, 0.5]), 'softmax')).to.equal(2);
    expect(labelOf(Float32Array.from([0.6, 0.7]), 'sigmoid')).to.equal(2);
    expect(labelOf(Float32Array.from([0.6, 0.4]), 'sigmoid')).to.equal(1);
    expect(labelOf(Float32Array.from([0.4, 0.9]), 'sigmoid')).to.equal(0);
  });

  it('KiTS21/23 outputs decode to labels 0–3: argmax of 4 classes, or the 3 nested regions', () => {
    expect(labelOf(Float32Array.from([0.1, 0.2, 0.3, 0.4]), 'softmax')).to.equal(3);
    const regions = (v: number[]) => labelOf(Float32Array.from(v), 'sigmoid');
    expect(regions([0.9, 0.2, 0.9])).to.equal(1); // kidney: a tumour outside masses is not one
    expect(regions([0.9, 0.8, 0.1])).to.equal(3); // a mass that is not tumour: cyst
    expect(regions([0.9, 0.8, 0.7])).to.equal(2);
    expect(regions([0.3, 0.8, 0.7])).to.equal(0);
    expect(regionProbability(Float32Array.from([0.9, 0.8, 0.7]), 'sigmoid', 'tumor')).to.be.closeTo(
      0.7,
      1e-7,
    );
    expect(regionProbability(Float32Array.from([0.9, 0.6, 0.7]), 'sigmoid', 'tumor')).to.be.closeTo(
      0.6,
      1e-7,
    );
    expect(regionProbability(Float32Array.from([0.1, 0.2, 0.3, 0.4]), 'softmax', 'kidney')).to.be.closeTo(
      0.9,
      1e-7,
    );
  });
});
