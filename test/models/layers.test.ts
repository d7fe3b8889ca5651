import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { loadModel, saveModel } from '../../lib/io/checkpoint.js';
import { normAct } from '../../lib/models/blocks.js';
import { Conv3DBias } from '../../lib/models/layers/conv3d-bias.js';
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
    let h = new Conv3DBias({ filters: 3, kernelSize: [3, 3, 3], strides: [1, 1, 1], padding: 'same' }).apply(
      input,
    ) as tf.SymbolicTensor;
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
      'KitsegConv3DBias',
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

  /** Values, kernel, bias and input gradients of `sum(y · w)` for a layer on `x` (w fixed, so every output counts differently). */
  function valueAndGrads(layer: tf.layers.Layer, x: tf.Tensor) {
    return tf.tidy(() => {
      const y = layer.apply(x) as tf.Tensor;
      const w = tf.randomUniform(y.shape, -1, 1, 'float32', 11);
      const vars = layer.trainableWeights.map((v) => v.read() as tf.Variable);
      const f = (xi: tf.Tensor, ...ws: tf.Tensor[]) => {
        void ws;
        return (layer.apply(xi) as tf.Tensor).mul(w).sum();
      };
      const g = tf.grads(f)([x, ...vars]);
      return { shape: y.shape, y: Array.from(y.dataSync()), grads: g.map((t) => Array.from(t.dataSync())) };
    });
  }

  it('Conv3DBias matches tfjs Conv3D: the same seeded weights, values, output shape and gradients', () => {
    const x = tf.randomNormal([2, 5, 6, 8, 3], 0, 1, 'float32', 5);
    const args = { filters: 4, kernelSize: [3, 3, 3], strides: [1, 2, 2], padding: 'same' as const };
    const ours = new Conv3DBias({ ...args, kernelInitializer: tf.initializers.heNormal({ seed: 7 }) });
    const ref = tf.layers.conv3d({ ...args, kernelInitializer: tf.initializers.heNormal({ seed: 7 }) });
    tf.dispose([ours.apply(x) as tf.Tensor, ref.apply(x) as tf.Tensor]);
    expect(ours.weights.map((w) => w.originalName.split('/').pop())).to.deep.equal(['kernel', 'bias']);
    ours
      .getWeights()
      .forEach((w, i) => expectClose(w.dataSync(), ref.getWeights()[i]!.dataSync(), { atol: 0 }));
    // A non-zero bias, so that its path and its gradient are exercised.
    const bias = tf.tensor1d([0.5, -1, 2, 0.25]);
    ours.setWeights([ours.getWeights()[0]!, bias]);
    ref.setWeights([ref.getWeights()[0]!, bias]);
    bias.dispose();
    const n0 = tf.memory().numTensors;
    const a = valueAndGrads(ours, x);
    const b = valueAndGrads(ref, x);
    expect(a.shape).to.deep.equal([2, 5, 3, 4, 4]);
    expect(ours.computeOutputShape([null, 5, 6, 8, 3])).to.deep.equal([null, 5, 3, 4, 4]);
    expect(a.shape).to.deep.equal(b.shape);
    expectClose(a.y, b.y, { atol: 1e-5 });
    a.grads.forEach((g, i) => expectClose(g, b.grads[i]!, { atol: 1e-4 }));
    expect(tf.memory().numTensors).to.equal(n0);
    // 'valid' padding and a stride that does not divide the axis.
    const valid = new Conv3DBias({ filters: 2, kernelSize: [1, 3, 3], strides: [2, 2, 2], padding: 'valid' });
    const vy = valid.apply(x) as tf.Tensor;
    expect(vy.shape).to.deep.equal([2, 3, 2, 3, 2]);
    expect(valid.computeOutputShape([null, 5, 6, 8, 3])).to.deep.equal([null, 3, 2, 3, 2]);
    tf.dispose([x, vy]);
  });

  it('Conv3DBias rejects a kernel that is not 3 positive integers', () => {
    expect(
      () =>
        new Conv3DBias({ filters: 1, kernelSize: [3, 3], strides: [1, 1, 1], padding: 'same', name: 'c1' }),
    ).to.throw('c1: kernelSize must be 3 positive integers, got [3, 3]');
  });

  it('instance norm + ReLU is one fused layer with the values and gradients of the two', () => {
    const x = tf.randomNormal([2, 4, 4, 4, 3], 0.3, 1, 'float32', 9);
    const input = tf.input({ shape: [4, 4, 4, 3] });
    const fusedModel = tf.model({ inputs: input, outputs: normAct(input, 'instance', 'relu', 'b') });
    expect(fusedModel.layers.map((l) => l.getClassName())).to.deep.equal([
      'InputLayer',
      'KitsegInstanceNormalization',
    ]);
    const norm = new InstanceNormalization({});
    const twoLayers = tf.model({
      inputs: input,
      outputs: tf.layers.reLU().apply(norm.apply(input)) as tf.SymbolicTensor,
    });
    // γ ≠ 1 and β ≠ 0, the same in both, so that the ReLU cuts at a place of its own.
    const gb = [tf.tensor1d([1.5, 0.5, -1]), tf.tensor1d([0.2, -0.4, 0.1])];
    fusedModel.layers[1]!.setWeights(gb);
    norm.setWeights(gb);
    tf.dispose(gb);
    const grads = (m: tf.LayersModel) =>
      tf.tidy(() => {
        const w = tf.randomUniform([2, 4, 4, 4, 3], -1, 1, 'float32', 4);
        const f = (xi: tf.Tensor) => (m.apply(xi) as tf.Tensor).mul(w).sum();
        const { value, grads } = tf.variableGrads(
          () => f(x) as tf.Scalar,
          m.trainableWeights.map((v) => v.read() as tf.Variable),
        );
        const dx = tf.grad(f)(x);
        return {
          y: Array.from((m.apply(x) as tf.Tensor).dataSync()),
          value: value.dataSync()[0]!,
          grads: Object.values(grads).map((g) => Array.from(g.dataSync())),
          dx: Array.from(dx.dataSync()),
        };
      });
    const a = grads(fusedModel);
    const b = grads(twoLayers);
    expect(a.y.filter((v) => v === 0).length).to.be.greaterThan(20);
    expectClose(a.y, b.y, { atol: 1e-6 });
    expect(a.value).to.be.closeTo(b.value, 1e-4);
    a.grads.forEach((g, i) => expectClose(g, b.grads[i]!, { atol: 1e-4 }));
    expectClose(a.dx, b.dx, { atol: 1e-5 });
    x.dispose();
  });
});
