// The convergence rule of the reproduction tables, on hand-written val curves.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { convergence, convergenceCell, epochSeconds } from '../../lib/experiments/convergence.js';
import { useTmpDir } from '../helpers/tmp.js';

describe('experiments/convergence', () => {
  const tmp = useTmpDir();
  const curve = (name: string, points: [number, number][]) => {
    const p = join(tmp(), name);
    const lines = points.map(([step, c]) =>
      JSON.stringify({ epoch: step / 100, step, val: { kidney: c, tumor: c, composite: c } }),
    );
    // Loss lines without a val and a data line do not count.
    writeFileSync(
      p,
      [JSON.stringify({ step: 50, loss: 1 }), ...lines, JSON.stringify({ step: 1000, data: {} })].join('\n') +
        '\n',
    );
    return p;
  };

  it('compares the best of the last 20 % of steps with the best before it', () => {
    // Cut at step 800: best before 0.805 (step 800 counts as before), best after 0.812 → +0.007.
    const flat = convergence(
      curve('a', [
        [200, 0.5],
        [400, 0.7],
        [600, 0.8],
        [800, 0.805],
        [1000, 0.812],
      ]),
    );
    expect(flat!.steps).to.equal(1000);
    expect(flat!.gain).to.be.closeTo(0.007, 1e-12);
    expect(flat!.converged).to.equal(true);
    const rising = convergence(
      curve('b', [
        [200, 0.5],
        [400, 0.7],
        [600, 0.8],
        [800, 0.805],
        [1000, 0.85],
      ]),
    );
    expect(rising!.gain).to.be.closeTo(0.045, 1e-12);
    expect(rising!.converged).to.equal(false);
    expect(convergenceCell(rising)).to.equal('no (+0.045 at 1000 steps)');
    // A drop at the end is converged with a negative gain: 0.78 − 0.80.
    const falling = convergence(
      curve('c', [
        [500, 0.8],
        [1000, 0.78],
      ]),
    );
    expect(falling!.gain).to.be.closeTo(-0.02, 1e-12);
    expect(convergenceCell(falling)).to.equal('yes (-0.020 at 1000 steps)');
  });

  it('scores a detector’s validations by box F2, the score its checkpoints are chosen by', () => {
    const p = join(tmp(), 'det');
    const boxes = (step: number, recall: number, precision: number) =>
      JSON.stringify({
        epoch: step / 100,
        step,
        boxes: { recall, precision, detections: 9, groundTruth: 9 },
      });
    writeFileSync(p, [boxes(400, 0.8, 0.5), boxes(1000, 0.9, 0.5)].join('\n') + '\n');
    // F2 = 5pr / (4p + r): 2 / 2.8 = 0.714286 before the cut, 2.25 / 2.9 = 0.775862 after it.
    const c = convergence(p)!;
    expect(c.gain).to.be.closeTo(2.25 / 2.9 - 2 / 2.8, 1e-12);
    expect(c.score).to.equal('box F2');
    expect(convergenceCell(c)).to.equal('no (+0.062 at 1000 steps, box F2)');
  });

  it('needs a validation on both sides of the cut', () => {
    expect(
      convergence(
        curve('d', [
          [900, 0.8],
          [1000, 0.81],
        ]),
      ),
    ).to.equal(null);
    expect(convergence(join(tmp(), 'missing.jsonl'))).to.equal(null);
    expect(convergenceCell(null)).to.equal('—');
  });

  it('sums the per-epoch training seconds of metrics.jsonl, nothing else', () => {
    const p = join(tmp(), 'm.jsonl');
    const lines = [
      { epoch: 1, iteration: 1, step: 1, loss: 0.9, lr: 0.001 },
      { epoch: 1, step: 40, data: { producedPerSecond: 80, consumedPerSecond: 1.2, waitedMs: 3105 } },
      { epoch: 1, step: 40, seconds: 33.25 },
      { epoch: 2, step: 80, seconds: 25.5 },
      { epoch: 2, step: 80, val: { kidney: 0.9, tumor: 0.1, composite: 0.5 } },
      { epoch: 3, step: 120, seconds: 26.25 },
    ];
    writeFileSync(p, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    expect(epochSeconds(p)).to.equal(85);
    expect(epochSeconds(join(tmp(), 'missing.jsonl'))).to.equal(0);
  });
});
