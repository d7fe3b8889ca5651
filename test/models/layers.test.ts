import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { loadModel, saveModel } from '../../lib/io/checkpoint.js';
import { Cropping3D, ZeroPadding3D } from '../../lib/models/layers/crop-pad3d.js';
import { InstanceNormalization } from '../../lib/models/layers/instance-normalization.js';
import { linearResizeMatrix, TrilinearUpSampling3D, UpSampling3D } from '../../lib/models/layers/resize3d.js';
import { expectClose } from '../helpers/assert.js';
import { useTmpDir } from '../helpers/tmp.js';

const run = (layer: tf.layers.Layer, x: tf.Tensor) =>
  tf.tidy(() => Array.from((layer.apply(x) as tf.Tensor).dataSync()));

describe('models/layers', () => {
  const tmp = useTmpDir();

  it('UpSampling3D repeats voxels along each axis by its factor', () => {
    const x = tf.tensor5d([1, 2, 3, 4], [1, 1, 2, 2, 1]);
    const l = new UpSampling3D({ size: [2, 1, 2] });
    const y = l.apply(x) as tf.Tensor;
    expect(y.shape).to.deep.equal([1, 2, 2, 4, 1]);
    expect(Array.from(y.dataSync())).to.deep.equal([1, 1, 2, 2, 3, 3, 4, 4, 1, 1, 2, 2, 3, 3, 4, 4]);
    expect(l.computeOutputShape([null, 1, 2, 2, 1])).to.deep.equal([null, 2, 2, 4, 1]);
    tf.dispose([x, y]);
  });

  it('linear resize weights use half-pixel centres (PyTorch align_corners=False)', () => {
    // 2 → 4: sources −0.25→0 (clamped), 0.25, 0.75, 1.25→1 (clamped).
    expectClose(linearResizeMatrix(2, 4), [1, 0, 0.75, 0.25, 0.25, 0.75, 0, 1]);
    const x = tf.tensor5d([1, 2], [1, 1, 1, 2, 1]);
    expectClose(run(new TrilinearUpSampling3D({ size: [1, 1, 2] }), x), [1, 1.25, 1.75, 2]);
    // Along all three axes a constant stays constant and the mean is preserved for a linear ramp.
    const ramp = tf.tensor5d([0, 1, 2, 3, 4, 5, 6, 7], [1, 2, 2, 2, 1]);
    const up = run(new TrilinearUpSampling3D({ size: [2, 2, 2] }), ramp);
    expect(up).to.have.length(64);
    expect(up.reduce((a, b) => a + b, 0) / 64).to.be.closeTo(3.5, 1e-6);
    tf.dispose([x, ramp]);
  });

  it('Cropping3D and ZeroPadding3D are inverse on the kept region', () => {
    const x = tf.tensor5d(
      Array.from({ length: 2 * 3 * 4 }, (_, i) => i + 1),
      [1, 2, 3, 4, 1],
    );
    const margins: [[number, number], [number, number], [number, number]] = [
      [1, 0],
      [0, 2],
      [1, 1],
    ];
    expect(new ZeroPadding3D({ margins }).computeOutputShape([null, 2, 3, 4, 1])).to.deep.equal([
      null,
      3,
      5,
      6,
      1,
    ]);
    expect(new Cropping3D({ margins }).computeOutputShape([null, 3, 5, 6, 1])).to.deep.equal([
      null,
      2,
      3,
      4,
      1,
    ]);
    const padded = new ZeroPadding3D({ margins }).apply(x) as tf.Tensor;
    expect(padded.shape).to.deep.equal([1, 3, 5, 6, 1]);
    expect(padded.sum().dataSync()[0]).to.equal(300);
    const back = new Cropping3D({ margins }).apply(padded) as tf.Tensor;
    expect(Array.from(back.dataSync())).to.deep.equal(Array.from(x.dataSync()));
    tf.dispose([x, padded, back]);
  });

  it('custom layers serialise: save → load gives identical outputs', async () => {
    const input = tf.input({ shape: [4, 4, 4, 2] });
    let h = tf.layers
      .conv3d({ filters: 3, kernelSize: 3, padding: 'same' })
      .apply(input) as tf.SymbolicTensor;
    h = new InstanceNormalization({ leakySlope: 0.01 }).apply(h) as tf.SymbolicTensor;
    h = new UpSampling3D({ size: [1, 2, 2] }).apply(h) as tf.SymbolicTensor;
    h = new TrilinearUpSampling3D({ size: [2, 1, 1] }).apply(h) as tf.SymbolicTensor;
    h = new ZeroPadding3D({
      margins: [
        [1, 1],
        [0, 0],
        [0, 0],
      ],
    }).apply(h) as tf.SymbolicTensor;
    h = new Cropping3D({
      margins: [
        [1, 1],
        [0, 0],
        [0, 0],
      ],
    }).apply(h) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: h });
    const x = tf.randomNormal([1, 4, 4, 4, 2], 0, 1, 'float32', 3);
    const before = (model.predict(x) as tf.Tensor).dataSync().slice();
    await saveModel(model, tmp());
    const loaded = await loadModel(tmp());
    const after = (loaded.predict(x) as tf.Tensor).dataSync();
    expect(loaded.layers.map((l) => l.getClassName())).to.include.members([
      'KitsegInstanceNormalization',
      'KitsegUpSampling3D',
      'KitsegTrilinearUpSampling3D',
      'KitsegZeroPadding3D',
      'KitsegCropping3D',
    ]);
    expectClose(after, before, { atol: 0 });
    model.dispose();
    loaded.dispose();
    x.dispose();
  });
});
