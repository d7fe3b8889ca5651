// The per-kernel profile of `kitseg bench --profile`: convolution FLOPs from shapes (hand-derived),
// and the step split into forward and backward kernels on the reference U-Net.
import { expect } from 'chai';
import { convFlops } from '../../lib/bench/profile.js';
import { profileReference } from '../../lib/bench/run.js';
import { expectNoLeak } from '../helpers/assert.js';

describe('bench/profile', () => {
  // [1, 4, 4, 4, 2] with a 3³ × 2 → 8 filter, same padding: 64 positions × 432 filter values × 2.
  type Case = [kernel: string, inputs: number[][], outputs: number[][], flops: number | null];
  const X = [1, 4, 4, 4, 2];
  const W = [3, 3, 3, 2, 8];
  const Y = [1, 4, 4, 4, 8];
  const CASES: Case[] = [
    ['Conv3D', [X, W], [Y], 2 * 64 * 432],
    ['KitsegConv3DBias', [X, W, [8]], [Y], 2 * 64 * 432],
    ['Conv3DBackpropInputV2', [Y, W], [X], 2 * 64 * 432], // positions of dy
    ['Conv3DBackpropFilterV2', [X, Y], [W], 2 * 64 * 432], // inputs (x, dy), output the filter
    [
      'Conv2D',
      [
        [2, 5, 5, 3],
        [3, 3, 3, 4],
      ],
      [[2, 5, 5, 4]],
      2 * 50 * 108,
    ],
    ['Add', [[4], [4]], [[4]], null],
  ];
  for (const [kernel, inputs, outputs, flops] of CASES)
    it(`convolution FLOPs of ${kernel}: ${flops ?? 'none'}`, () =>
      expect(convFlops(kernel, inputs, outputs)).to.equal(flops));

  it('the reference U-Net step: 18 forward convolutions, every kernel in one phase, no leak', async () => {
    await expectNoLeak(async () => {
      const p = await profileReference({ patch: 16, batch: 1, base: 4, steps: 1 });
      const convCalls = (phase: string) =>
        p.rows.filter((r) => r.phase === phase && r.gflops !== null).reduce((s, r) => s + r.calls, 0);
      // 4 encoder + 3 decoder blocks × 2 convs, 3 up-convs (transposed), 1 head.
      expect(convCalls('forward')).to.equal(18);
      // Each convolution has an input and a filter gradient, except the first layer's input.
      expect(convCalls('backward')).to.be.within(2 * 18 - 1, 2 * 18);
      expect(new Set(p.rows.map((r) => `${r.phase}/${r.kernel}`)).size).to.equal(p.rows.length);
      expect(p.kernelMs).to.be.closeTo(
        p.rows.reduce((s, r) => s + r.ms, 0),
        1e-9,
      );
    });
  });
});
