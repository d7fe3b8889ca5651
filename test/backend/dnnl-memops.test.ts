// Parity of the dnnl backend's memory-bound kernels with the tfjs cpu kernels (relative error ≤ 1e-4).
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { conv3dBias } from '../../lib/backend/ops/conv-bias.js';
import { instanceNorm } from '../../lib/backend/ops/instance-norm.js';
import { DNNL_AVAILABLE, DNNL_REQUIRED, parity, rand, t5 } from '../helpers/parity.js';

const T = (shape: number[], seed: number, lo = -1) => {
  const v = rand(shape, seed);
  if (lo >= 0) for (let i = 0; i < v.length; i++) v[i] = Math.abs(v[i]!) + 0.05;
  return tf.tensor(v, shape);
};

describe('backend/dnnl memory-bound kernels', () => {
  if (!DNNL_AVAILABLE) {
    it('need the dnnl backend, which is optional unless CI requires it', () =>
      expect(DNNL_REQUIRED).to.equal(false));
    return;
  }

  const BINARY: [string, number[], number[]][] = [
    ['same shape', [2, 4, 5, 6, 3], [2, 4, 5, 6, 3]],
    ['channel broadcast [C]', [2, 4, 5, 6, 3], [3]],
    ['trailing broadcast [..., 1]', [2, 4, 5, 6, 3], [2, 4, 5, 6, 1]],
    ['scalar first', [], [3, 4]],
    ['broadcast first operand', [3], [2, 4, 3]],
    ['both broadcast (cpu path)', [4, 1, 6], [1, 5, 6]],
    ['middle broadcast (oneDNN path)', [2, 3, 4, 5], [2, 1, 4, 1]],
  ];
  for (const [name, as, bs] of BINARY) {
    it(`add, sub, mul, div, max, min: ${name}`, async () => {
      await parity(name, () => {
        const a = T(as, 1);
        const b = T(bs, 2, 0); // positive, so division is well conditioned
        return [a.add(b), a.sub(b), a.mul(b), a.div(b), tf.maximum(a, b), tf.minimum(a, b)];
      });
    });
  }

  const REDUCE: [string, number[], number | number[]][] = [
    ['leading axes (bias gradient)', [2, 6, 7, 8, 5], [0, 1, 2, 3]],
    ['spatial axes (instance norm)', [2, 6, 7, 8, 5], [1, 2, 3]],
    ['last axis', [4, 9, 7], -1],
    ['all axes', [3, 4, 5], [0, 1, 2]],
    ['scattered axes (oneDNN path)', [3, 4, 5, 6], [1, 3]],
  ];
  for (const [name, shape, axis] of REDUCE) {
    it(`sum, mean, max, min over ${name}`, async () => {
      await parity(name, () => {
        const x = T(shape, 3);
        return [x.sum(axis), x.mean(axis, true), x.max(axis), x.min(axis)];
      });
    });
  }

  it('transpose (float32 and int32), slice, concat, split', async () => {
    await parity('shape ops', () => {
      const x = T([2, 3, 4, 5, 6], 4);
      const xi = tf
        .tensor(
          Int32Array.from({ length: 120 }, (_, i) => i * 7 - 300),
          [2, 3, 4, 5],
        )
        .toFloat();
      const parts = tf.split(x, [2, 4], 4);
      return [
        x.transpose([0, 4, 1, 2, 3]),
        xi.toInt().transpose([3, 1, 0, 2]).toFloat(),
        x.slice([1, 0, 1, 2, 3], [1, 3, 2, 3, 2]),
        tf.concat([x, x.mul(2)], 4),
        tf.concat([x, x.slice([0, 0, 0, 0, 0], [2, 1, 4, 5, 6])], 1),
        parts[0]!,
        parts[1]!,
      ];
    });
  });

  it('max pooling 3D and its gradient (2³ stride 2; 3³ stride 1 same)', async () => {
    await parity('maxPool3d', () => {
      const x = T([2, 8, 6, 10, 3], 5);
      const f1 = (a: tf.Tensor) =>
        tf
          .maxPool3d(a as tf.Tensor5D, 2, 2, 'valid')
          .square()
          .sum();
      const f2 = (a: tf.Tensor) =>
        tf
          .maxPool3d(a as tf.Tensor5D, 3, 1, 'same')
          .square()
          .sum();
      return [
        tf.maxPool3d(x as tf.Tensor5D, 2, 2, 'valid'),
        tf.grad(f1)(x),
        tf.maxPool3d(x as tf.Tensor5D, 3, 1, 'same'),
        tf.grad(f2)(x),
      ];
    });
  });

  it('max pooling 2D and its gradient (2² stride 2; 3² stride 1 same; 2 × 3 window, stride [2, 1])', async () => {
    // Native, not the cpu kernel copied over (parity would then hold by construction).
    for (const k of [tf.MaxPool, tf.MaxPoolGrad])
      expect(tf.getKernel(k, 'dnnl')!.kernelFunc).to.not.equal(tf.getKernel(k, 'cpu')!.kernelFunc);
    await parity('maxPool2d', () => {
      const x = T([3, 8, 10, 4], 10);
      const cases: [number | [number, number], number | [number, number], 'valid' | 'same'][] = [
        [2, 2, 'valid'],
        [3, 1, 'same'],
        [[2, 3], [2, 1], 'valid'],
      ];
      return cases.flatMap(([f, st, pad]) => {
        const pool = (a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, f, st, pad);
        return [pool(x), tf.grad((a: tf.Tensor) => pool(a).square().sum())(x)];
      });
    });
  });

  it('activations, softmax and the fused LeakyReLU and ReLU gradients', async () => {
    await parity('eltwise', () => {
      const x = T([3, 5, 7, 4], 6);
      const p = T([3, 5, 7, 4], 7, 0);
      return [
        tf.relu(x),
        tf.leakyRelu(x, 0.01),
        tf.exp(x),
        tf.log(p),
        tf.sqrt(p),
        tf.square(x),
        tf.abs(x),
        tf.tanh(x),
        tf.sigmoid(x),
        tf.elu(x),
        tf.softmax(x),
        tf.grad((a: tf.Tensor) => tf.leakyRelu(a, 0.2).mul(x).sum())(x),
        tf.grad((a: tf.Tensor) => tf.relu(a).mul(p).sum())(x),
      ];
    });
  });

  it('fused instance norm (+ LeakyReLU) and its gradients match the cpu kernels', async () => {
    await parity('instanceNorm', () => {
      const x = T([2, 5, 6, 7, 4], 8);
      const g = T([4], 9);
      const b = T([4], 10);
      const f = (a: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) =>
        instanceNorm(a, gg, bb, 1e-5, 0.01).mul(x).sum();
      return [instanceNorm(x, g, b), instanceNorm(x, g, b, 1e-5, 0.01), ...tf.grads(f)([x, g, b])];
    });
  });

  it('oneHot to float32 matches the cpu kernel, out-of-range indices giving all-off rows', async () => {
    await parity('oneHot', () => {
      const idx = tf.tensor(
        Int32Array.from(rand([2, 5, 6, 7], 17), (v) => Math.floor(v * 3)),
        [2, 5, 6, 7],
        'int32',
      );
      return [tf.oneHot(idx, 3, 2, -0.5, 'float32')];
    });
  });

  it('fused conv3d + bias and its gradients match conv3d + add on the cpu backend', async () => {
    await parity('conv3dBias', () => {
      const x = t5(rand([2, 6, 7, 8, 3], 11), [2, 6, 7, 8, 3]);
      const w = t5(rand([3, 3, 3, 3, 5], 12), [3, 3, 3, 3, 5]);
      const b = tf.tensor1d(rand([5], 13));
      const f = (a: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
        conv3dBias(a as tf.Tensor5D, ww as tf.Tensor5D, bb as tf.Tensor1D, [1, 2, 1], 'same')
          .square()
          .sum();
      return [conv3dBias(x, w, b, [1, 2, 1], 'same'), ...tf.grads(f)([x, w, b])];
    });
  });

  it('fused conv3d + bias computes no input gradient the tape does not need', async () => {
    const prev = tf.getBackend();
    await tf.setBackend('dnnl');
    try {
      const x = t5(rand([1, 4, 4, 4, 1], 14), [1, 4, 4, 4, 1]);
      const w = tf.variable(t5(rand([3, 3, 3, 1, 2], 15), [3, 3, 3, 1, 2]));
      const b = tf.variable(tf.tensor1d(rand([2], 16)));
      const kernelsOf = async (f: () => tf.Tensor[]) =>
        (await tf.profile(() => tf.dispose(f()))).kernels.map((k) => k.name);
      const loss = (a: tf.Tensor) =>
        conv3dBias(a as tf.Tensor5D, w as tf.Tensor5D, b)
          .square()
          .sum() as tf.Scalar;
      const paramsOnly = await kernelsOf(() => {
        const { grads } = tf.variableGrads(() => loss(x), [w, b]);
        return Object.values(grads);
      });
      const withInput = await kernelsOf(() => tf.grads((a: tf.Tensor) => loss(a))([x]));
      expect(paramsOnly).to.include('KitsegConv3DBiasFilterGrad');
      expect(paramsOnly).to.not.include(tf.Conv3DBackpropInputV2);
      expect(withInput).to.include(tf.Conv3DBackpropInputV2);
      tf.dispose([x, w, b]);
    } finally {
      await tf.setBackend(prev);
    }
  });
});
