// Training curves and evaluation charts: Vega-Lite specs built from kitseg's records, rendered to
// SVG (vega) and PNG (resvg).
import { expect } from 'chai';
import { caseDiceSpec, trainingCurvesSpec, type MetricsRecord } from '../../lib/charts/specs.js';
import { renderChart } from '../../lib/charts/render.js';

/** Values of the named dataset of a compiled-in spec part: the n-th `data.values` in document order. */
function datasets(spec: unknown): { step?: number; value?: number; series?: string }[][] {
  const out: { step?: number; value?: number; series?: string }[][] = [];
  const walk = (o: unknown): void => {
    if (Array.isArray(o)) o.forEach(walk);
    else if (o !== null && typeof o === 'object') {
      const r = o as Record<string, unknown>;
      const d = r['data'] as { values?: unknown } | undefined;
      if (d !== undefined && Array.isArray(d.values)) out.push(d.values as never);
      for (const [k, v] of Object.entries(r)) if (k !== 'data') walk(v);
    }
  };
  walk(spec);
  return out;
}

/** Text content of the SVG's axis titles. */
function axisTitles(svg: string): string[] {
  return [...svg.matchAll(/role-axis-title[^]*?<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
}

describe('charts', () => {
  const records: MetricsRecord[] = [];
  // 1,200 steps of loss 1 + step/1200 (lr 0.01 halving at 600), validations at 600 and 1,200, two epochs.
  for (let s = 1; s <= 1200; s++)
    records.push({ epoch: s <= 600 ? 1 : 2, step: s, loss: 1 + s / 1200, lr: s <= 600 ? 0.01 : 0.005 });
  records.push({ epoch: 1, step: 600, val: { kidney: 0.5, tumor: 0.1, composite: 0.3 } });
  records.push({ epoch: 1, step: 600, seconds: 31.5 });
  records.push({ epoch: 2, step: 1200, val: { kidney: 0.8, tumor: 0.4, composite: 0.6 } });
  records.push({ epoch: 2, step: 1200, seconds: 29 });

  it('training curves: the loss averaged over bins of steps, val Dice per region, learning rate, seconds per epoch', () => {
    const [loss, dice, lr, seconds] = datasets(trainingCurvesSpec(records, 'run'));
    // 1,200 steps → bins of ⌈1200/500⌉ = 3; the first bin's mean of 1 + s/1200 over s = 1, 2, 3.
    expect(loss).to.have.length(400);
    expect(loss![0]!.step).to.equal(3);
    expect(loss![0]!.value).to.be.closeTo(1 + 2 / 1200, 1e-12);
    expect(loss!.every((p) => p.series === 'train loss')).to.equal(true);
    expect(dice!.filter((p) => p.series === 'val Dice tumour').map((p) => p.value)).to.deep.equal([0.1, 0.4]);
    expect(new Set(dice!.map((p) => p.series))).to.deep.equal(
      new Set(['val Dice kidney', 'val Dice tumour', 'val Dice composite']),
    );
    expect(lr).to.have.length(1200);
    expect(seconds!.map((p) => p.value)).to.deep.equal([31.5, 29]);
  });

  it('renders to SVG with titled axes and a legend, and to PNG at twice its size', async () => {
    const { svg, png } = await renderChart(trainingCurvesSpec(records, 'run'));
    expect(axisTitles(svg)).to.include.members([
      'step',
      'loss',
      'validation score',
      'learning rate',
      'seconds per epoch',
      'epoch',
    ]);
    for (const s of ['train loss', 'val Dice kidney', 'val Dice tumour'])
      expect(svg).to.contain(`>${s}</text>`);
    expect(Buffer.from(png.subarray(1, 4)).toString()).to.equal('PNG');
    const view = /width="(\d+)" height="(\d+)"/.exec(svg)!;
    const dv = new DataView(png.buffer, png.byteOffset);
    expect([dv.getUint32(16), dv.getUint32(20)]).to.deep.equal([2 * +view[1]!, 2 * +view[2]!]);
  });

  it('per-case Dice: one point per case and region', async () => {
    const rows = ['a', 'b', 'c'].flatMap((id, i) => [
      { id, region: 'kidney', dice: 0.9 - i / 10 },
      { id, region: 'tumour', dice: 0.5 - i / 10 },
    ]);
    const { svg } = await renderChart(caseDiceSpec(rows, 'val'));
    const symbols = /class="mark-symbol role-mark[^"]*"[^>]*>([^]*?)<\/g>/.exec(svg)!;
    expect(symbols[1]!.match(/<path/g)).to.have.length(6);
    expect(axisTitles(svg)).to.include.members(['Dice', 'region']);
  });
});
