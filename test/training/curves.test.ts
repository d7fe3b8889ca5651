import { inflateSync } from 'node:zlib';
import { expect } from 'chai';
import { curvesPng, KIDNEY_RGB, LOSS_RGB, renderCurves } from '../../lib/training/curves.js';

describe('training/curves', () => {
  const points = {
    loss: Array.from({ length: 100 }, (_, i) => ({ step: i + 1, loss: 2 - i / 100 })),
    val: [
      { step: 50, kidney: 0.5, tumor: 0.1 },
      { step: 100, kidney: 0.9, tumor: 0.3 },
    ],
  };
  const W = 200;
  const H = 100;
  const rowsOf = (rgb: Uint8Array, x: number, c: readonly number[]) => {
    const rows: number[] = [];
    for (let y = 0; y < H; y++) if ([0, 1, 2].every((k) => rgb[(y * W + x) * 3 + k] === c[k])) rows.push(y);
    return rows;
  };

  it('draws a falling loss from top-left to bottom-right', () => {
    const rgb = renderCurves(points, W, H);
    // Step 1 of 100 sits at column round(1/100 · 199) = 2.
    const left = rowsOf(rgb, 2, LOSS_RGB);
    const right = rowsOf(rgb, W - 1, LOSS_RGB);
    expect(left.length).to.be.greaterThan(0);
    expect(right.length).to.be.greaterThan(0);
    expect(Math.min(...right)).to.be.greaterThan(Math.max(...left));
  });

  it('plots the val kidney Dice on a 0–1 scale: 0.9 at the last step is near the top', () => {
    const rgb = renderCurves(points, W, H);
    const rows = rowsOf(rgb, W - 1, KIDNEY_RGB);
    expect(rows).to.include(Math.round(0.1 * (H - 1)));
  });

  it('is a PNG of the requested size', () => {
    const png = curvesPng(points, W, H);
    const dv = new DataView(png.buffer, png.byteOffset);
    expect([dv.getUint32(16), dv.getUint32(20)]).to.deep.equal([W, H]);
    const idat = dv.getUint32(33);
    expect(inflateSync(png.subarray(41, 41 + idat)).length).to.equal(H * (1 + 3 * W));
  });
});
