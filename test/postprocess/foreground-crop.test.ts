// Post-processing and cascade boxes run on the foreground's bounding box only (bounded memory on
// 600-slice scans). That must not change a single voxel: the same label map, padded with
// background on every side, gives the same result as unpadded, where the box is the whole volume.
import { expect } from 'chai';
import { PostprocessSchema } from '../../lib/config/schema/inference.js';
import type { Shape3D } from '../../lib/core/types.js';
import { connectedComponents } from '../../lib/ops/components.js';
import { postprocess } from '../../lib/postprocess/index.js';
import { kidneyBoxes } from '../../lib/postprocess/kidney-components.js';
import { Rng } from '../../lib/rng/rng.js';

const S: Shape3D = [10, 14, 16];

/**
 * A seeded label map whose foreground touches all six faces (so its box is the whole volume):
 * kidney blobs with holes, tumour specks inside and outside them, and a stray speck; the image has
 * a cyst-like dark tumour and bright ones.
 */
function scene(seed: number): { labels: Uint8Array; image: Float32Array } {
  const rng = Rng.fromSeed(seed);
  const n = S[0] * S[1] * S[2];
  const labels = new Uint8Array(n);
  const image = Float32Array.from({ length: n }, () => rng.uniform(-100, 200));
  const at = (d: number, h: number, w: number) => (d * S[1] + h) * S[2] + w;
  for (let d = 0; d < S[0]; d++)
    for (let h = 0; h < S[1]; h++)
      for (let w = 0; w < S[2]; w++) {
        const a = (d - 4) ** 2 / 16 + (h - 5) ** 2 / 25 + (w - 4) ** 2 / 16 <= 1;
        const b = (d - 5) ** 2 / 25 + (h - 8) ** 2 / 36 + (w - 11) ** 2 / 25 <= 1;
        if (a || b) labels[at(d, h, w)] = rng.next() < 0.93 ? 1 : rng.next() < 0.5 ? 2 : 0;
      }
  for (const [d, h, w] of [
    [0, 0, 0],
    [9, 13, 15],
    [0, 13, 8],
    [9, 0, 8],
  ] as const)
    labels[at(d, h, w)] = 2;
  return { labels, image };
}

/** `src` (shape S) placed at `off` inside a zero volume of shape `big`. */
function pad<T extends Uint8Array | Float32Array>(
  src: T,
  big: Shape3D,
  off: Shape3D,
  make: (n: number) => T,
): T {
  const out = make(big[0] * big[1] * big[2]);
  for (let d = 0; d < S[0]; d++)
    for (let h = 0; h < S[1]; h++)
      for (let w = 0; w < S[2]; w++)
        out[((d + off[0]) * big[1] + h + off[1]) * big[2] + w + off[2]] = src[(d * S[1] + h) * S[2] + w]!;
  return out;
}

function unpad(src: Uint8Array, big: Shape3D, off: Shape3D): Uint8Array {
  const out = new Uint8Array(S[0] * S[1] * S[2]);
  for (let d = 0; d < S[0]; d++)
    for (let h = 0; h < S[1]; h++)
      for (let w = 0; w < S[2]; w++)
        out[(d * S[1] + h) * S[2] + w] = src[((d + off[0]) * big[1] + h + off[1]) * big[2] + w + off[2]]!;
  return out;
}

describe('postprocess on the foreground box', () => {
  const cfg = PostprocessSchema.parse({
    fillHoles: true,
    kidneyComponents: {},
    tumourInsideKidney: {},
    cystFilter: { minHu: 50 },
    eigenFilter: {},
  });
  const big: Shape3D = [25, 31, 40];
  const off: Shape3D = [7, 9, 11];

  for (const seed of [1, 2, 3, 4])
    it(`gives the padded and the unpadded scene the same labels and report (seed ${seed})`, () => {
      const a = scene(seed);
      const whole = Uint8Array.from(a.labels);
      const r1 = postprocess(whole, a.image, S, [2, 1, 1], cfg);
      const padded = pad(a.labels, big, off, (n) => new Uint8Array(n));
      const r2 = postprocess(
        padded,
        pad(a.image, big, off, (n) => new Float32Array(n).fill(-1000)),
        big,
        [2, 1, 1],
        cfg,
      );
      expect(r2).to.deep.equal(r1);
      expect(Array.from(unpad(padded, big, off))).to.deep.equal(Array.from(whole));
      // Nothing was written outside the scene.
      expect(padded.reduce((s, v) => s + v, 0)).to.equal(whole.reduce((s, v) => s + v, 0));
      // And the steps did act on this scene.
      expect(Array.from(whole)).to.not.deep.equal(Array.from(a.labels));
    });

  it('kidney boxes are the same boxes, moved by the padding', () => {
    const a = scene(5);
    const rule = { marginMm: [2, 2, 2] };
    const small = kidneyBoxes(a.labels, S, [1, 1, 1], rule);
    const moved = kidneyBoxes(
      pad(a.labels, big, off, (n) => new Uint8Array(n)),
      big,
      [1, 1, 1],
      rule,
    );
    expect(small.length).to.be.greaterThan(0);
    // Margins clamp at the small volume's border but not inside the padded one: compare tight boxes.
    const tight = (bs: typeof small, o: Shape3D) =>
      bs.map((b) => [
        b.lo.map((v, i) => Math.max(v - o[i]!, 0)),
        b.hi.map((v, i) => Math.min(v - o[i]!, S[i]!)),
      ]);
    expect(tight(moved, off)).to.deep.equal(tight(small, [0, 0, 0]));
  });

  it('labels a component larger than the initial flood-fill queue whole', () => {
    const shape: Shape3D = [60, 60, 60];
    const m = new Uint8Array(60 ** 3).fill(1);
    m[0] = 0;
    const cc = connectedComponents(m, shape, 6);
    expect(cc.sizes).to.deep.equal([60 ** 3 - 1]);
  });
});
