// `kitseg bench`: the per-kernel profile as JSON, and --compare-torch's alternation, pairing and
// choice of the fastest peer setting, with a stand-in peer whose times are known.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { runKitseg } from '../helpers/cli.js';
import { useTmpDir } from '../helpers/tmp.js';

// The stand-in peer: the reference U-Net's parameter count, and fixed times per setting, so the
// fastest fp32 setting is fp32-cl (train) and fp32 (inference).
const PEER = `
const a = process.argv.slice(2);
const arg = (k) => Number(a[a.indexOf(k) + 1]);
const v = a[a.indexOf('--variant') + 1];
const base = arg('--base');
const ch = [0, 1, 2, 3].map((i) => base * 2 ** i);
const conv = (ci, co) => 27 * ci * co + 3 * co;
let p = 0;
ch.forEach((c, i) => (p += conv(i === 0 ? 1 : ch[i - 1], c) + conv(c, c)));
for (let i = 0; i < 3; i++) p += 8 * ch[i + 1] * ch[i] + ch[i] + conv(2 * ch[i], ch[i]) + conv(ch[i], ch[i]);
p += ch[0] * 3 + 3;
const t = { fp32: [900, 40], 'fp32-cl': [800, 50] }[v];
console.log(JSON.stringify({ peer: 'stand-in ' + v, variant: v, params: p, train_step_ms: t[0], infer_patch_ms: t[1] }));
`;

describe('cli: bench', function () {
  this.timeout(300000);
  const tmp = useTmpDir();
  const small = ['--backend', 'cpu', '--patch', '16', '--batch', '1', '--base', '2', '--steps', '1'];

  it('--profile --json: kernels by phase with convolution GFLOP/s', async () => {
    const r = await runKitseg('bench', ...small, '--profile', '--json', '--log-level', 'error');
    expect(r.code, r.err).to.equal(0);
    const p = JSON.parse(r.out) as {
      stepMs: number;
      rows: { phase: string; calls: number; gflops: number | null }[];
    };
    const fwdConv = p.rows
      .filter((x) => x.phase === 'forward' && x.gflops !== null)
      .reduce((s, x) => s + x.calls, 0);
    expect(fwdConv).to.equal(18);
    expect(p.rows.every((x) => x.gflops === null || x.gflops > 0)).to.equal(true);
  });

  it('--compare-torch: rounds alternate, ratios pair runs of the same round, the fastest peer is chosen', async () => {
    const peer = join(tmp(), 'peer.mjs');
    writeFileSync(peer, PEER);
    const r = await runKitseg(
      'bench',
      ...small,
      '--compare-torch',
      '--no-conv-bench',
      '--rounds',
      '2',
      '--python',
      process.execPath,
      '--torch-script',
      peer,
      '--json',
      '--log-level',
      'error',
    );
    expect(r.code, r.err).to.equal(0);
    const c = JSON.parse(r.out) as {
      series: { setting: string; trainStepMs: number[]; inferPatchMs: number[] }[];
      comparisons: {
        precision: string;
        peer: string;
        train: number[];
        infer: number[];
        trainMedian: number;
      }[];
    };
    // The cpu backend has no bf16: only fp32 is compared.
    expect(c.series.map((s) => s.setting)).to.deep.equal(['kitseg fp32', 'pytorch fp32', 'pytorch fp32-cl']);
    expect(c.series.every((s) => s.trainStepMs.length === 2)).to.equal(true);
    const k = c.series[0]!;
    const [cmp] = c.comparisons;
    expect(cmp!.peer).to.equal('pytorch fp32-cl');
    expect(cmp!.train).to.deep.equal(k.trainStepMs.map((t) => 800 / t));
    expect(cmp!.infer).to.deep.equal(k.inferPatchMs.map((t) => 40 / t));
    expect(cmp!.trainMedian).to.equal((cmp!.train[0]! + cmp!.train[1]!) / 2);
  });
});
