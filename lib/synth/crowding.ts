/**
 * A crowded abdomen for the randomised renderer. With only a few bowel loops in a cavity of fat,
 * a kidney is the one large soft-tissue blob in sight, so a network learns "grey blob in fat =
 * kidney" and in a real scan, where bowel, colon and organs pack the cavity and abut the kidneys,
 * it has nothing to go on. This fills the cavity: dense small-bowel loops, ascending and descending
 * colon with faeces and gas beside the kidneys, and soft-tissue organs of random shape and shade
 * (SynthSeg's random background structures), then clears a random-width perirenal fat rim.
 */
import type { Rng } from '../rng/rng.js';
import { bowelLoop, type BodySpec, type LoopSpec } from './anatomy.js';
import type { Canvas } from './canvas.js';
import type { LabelGrid } from './from-labels.js';
import { tissueId, type Tissue } from './palette.js';
import { capsule, ellipsoid, rotation, type Vec3 } from './shapes.js';

/** `sparse`: the first randomised anatomy (few loops, a cavity of fat); `crowded`: this file. */
export const ANATOMIES = ['sparse', 'crowded'] as const;
export type Anatomy = (typeof ANATOMIES)[number];

/** Dense small bowel: thinner loops over the whole cavity, reaching back beside the kidneys. */
const CROWDED_LOOPS: LoopSpec = {
  r: [7, 18],
  x: [-0.7, 0.7],
  y: [-0.35, 0.7],
  reach: [50, 20, 30],
  gasP: 0.3,
};

/** Tissues the crowding may paint over (and the perirenal rim may clear back to fat). */
const SOFT: readonly Tissue[] = [
  'visceralFat',
  'bowelWall',
  'bowelFluid',
  'oralContrast',
  'gas',
  'feces',
  'organA',
  'organB',
];

/**
 * Paints the crowding onto the fine canvas. `g` is the coarse label grid, whose slices are
 * `SUPER` fine slices each; `origin` is its voxel (0,0,0) in the body frame.
 */
export function paintCrowding(
  cv: Canvas,
  b: BodySpec,
  g: LabelGrid,
  rng: Rng,
  zLo: number,
  zHi: number,
): void {
  const t = cv.label;
  const soft = new Uint8Array(256);
  for (const s of SOFT) soft[tissueId(s)] = 1;
  const over = (id: number) => (_r: number, _x: number, _y: number, _z: number, i: number) => {
    if (soft[t[i]!] === 1) t[i] = id;
  };
  const inBody = (x: number, y: number, f: number) => Math.hypot(x / b.bodyA, y / b.bodyB) < f;
  const id = {
    wall: tissueId('bowelWall'),
    fluid: tissueId('bowelFluid'),
    gas: tissueId('gas'),
    feces: tissueId('feces'),
    organs: [tissueId('organA'), tissueId('organB')],
  };
  // Organs first, so that bowel packs round them.
  const organs = rng.fork('organs');
  const nOrgans = organs.int(6, 14);
  for (let k = 0; k < nOrgans; k++) {
    const c: Vec3 = [
      organs.uniform(-0.75, 0.75) * b.bodyA,
      organs.uniform(-0.6, 0.7) * b.bodyB,
      organs.uniform(zLo, zHi),
    ];
    const shape = ellipsoid(
      c,
      [organs.uniform(12, 45), organs.uniform(12, 35), organs.uniform(15, 50)],
      rotation(organs.uniform(-0.5, 0.5), organs.uniform(-0.5, 0.5), organs.uniform(0, Math.PI)),
    );
    const paint = over(id.organs[organs.int(0, 1)]!);
    cv.paint(shape, (r, x, y, z, i) => void (inBody(x, y, 0.85) && paint(r, x, y, z, i)));
  }
  paintColon(cv, b, rng.fork('colon'), zLo, zHi, over, id);
  const loops = rng.fork('loops');
  const n = Math.round(((zHi - zLo) / 100) * loops.uniform(60, 150));
  for (let k = 0; k < n; k++) {
    const { r, p, q, gas } = bowelLoop(loops, b, zLo, zHi, CROWDED_LOOPS);
    const content = loops.bernoulli(0.5) ? id.wall : id.fluid;
    cv.paint(capsule(p, q, r), (rr, x, y, _z, i) => {
      if (!inBody(x, y, 0.85) || soft[t[i]!] !== 1) return;
      t[i] = rr > 1 - 2.5 / r ? id.wall : gas && y > (p[1] + q[1]) / 2 + r * 0.3 ? id.gas : content;
    });
  }
  clearPerirenalRim(cv, g, rng.fork('rim').uniform(0, 10), soft);
}

/** Ascending (patient right, +x) and descending colon: wide tubes lateral and anterior of the kidneys. */
function paintColon(
  cv: Canvas,
  b: BodySpec,
  rng: Rng,
  zLo: number,
  zHi: number,
  over: (id: number) => (r: number, x: number, y: number, z: number, i: number) => void,
  id: { wall: number; gas: number; feces: number },
): void {
  const wall = over(id.wall);
  const gas = over(id.gas);
  const feces = over(id.feces);
  for (const side of [-1, 1]) {
    const s = rng.fork(side < 0 ? 'left' : 'right');
    const r = s.uniform(14, 28);
    const x = side * s.uniform(0.45, 0.7) * b.bodyA;
    const y = b.spineY + s.uniform(-5, 45);
    // A few straight pieces with a wobble, so that the tube is not a perfect cylinder.
    let a: Vec3 = [x, y, zLo];
    for (let z = zLo; z < zHi;) {
      z += s.uniform(30, 60);
      const q: Vec3 = [x + s.uniform(-12, 12), y + s.uniform(-10, 10), z];
      const gasLevel = s.bernoulli(0.6) ? s.uniform(0.1, 0.7) : 0;
      const midY = (a[1] + q[1]) / 2;
      cv.paint(capsule(a, q, r), (rr, px, py, pz, i) => {
        if (rr > 1 - 2.5 / r) return wall(rr, px, py, pz, i);
        // Gas rises anteriorly (+y) above a level; below it, faeces.
        ((py - midY) / r > 1 - 2 * gasLevel ? gas : feces)(rr, px, py, pz, i);
      });
      a = q;
    }
  }
}

/**
 * Turns crowding tissue within `mm` of any labelled voxel back into fat (perirenal fat, 0–10 mm:
 * some patients have a thick rim, thin ones almost none). Labelled voxels are painted later.
 */
function clearPerirenalRim(cv: Canvas, g: LabelGrid, mm: number, soft: Uint8Array): void {
  if (mm < 0.5) return;
  const [D, H, W] = g.shape;
  const mask = new Uint8Array(D * H * W);
  for (let i = 0; i < mask.length; i++) mask[i] = g.data[i] !== 0 ? 1 : 0;
  const [sz, sy, sx] = g.spacingMm;
  dilateAxis(mask, g.shape, 2, Math.round(mm / sx));
  dilateAxis(mask, g.shape, 1, Math.round(mm / sy));
  dilateAxis(mask, g.shape, 0, Math.round(mm / sz));
  const fat = tissueId('visceralFat');
  const HW = H * W;
  const superD = cv.shape[0] / D;
  const t = cv.label;
  for (let fd = 0; fd < cv.shape[0]; fd++) {
    const base = Math.floor(fd / superD) * HW;
    for (let r = 0; r < HW; r++) {
      const i = fd * HW + r;
      if (mask[base + r] === 1 && soft[t[i]!] === 1) t[i] = fat;
    }
  }
}

/** Binary dilation by a box of half-width `radius` voxels along one axis (0 = D, 1 = H, 2 = W), in place. */
export function dilateAxis(
  mask: Uint8Array,
  shape: readonly [number, number, number],
  axis: 0 | 1 | 2,
  radius: number,
): void {
  if (radius <= 0) return;
  const [D, H, W] = shape;
  const n = [D, H, W][axis]!;
  const stride = [H * W, W, 1][axis]!;
  const line = new Uint8Array(n);
  const prefix = new Int32Array(n + 1);
  const others: number[] = [];
  for (let d = 0; d < (axis === 0 ? 1 : D); d++)
    for (let h = 0; h < (axis === 1 ? 1 : H); h++)
      for (let w = 0; w < (axis === 2 ? 1 : W); w++) others.push(d * H * W + h * W + w);
  for (const start of others) {
    for (let k = 0; k < n; k++) {
      line[k] = mask[start + k * stride]!;
      prefix[k + 1] = prefix[k]! + line[k]!;
    }
    for (let k = 0; k < n; k++) {
      const lo = Math.max(0, k - radius);
      const hi = Math.min(n, k + radius + 1);
      mask[start + k * stride] = prefix[hi]! - prefix[lo]! > 0 ? 1 : 0;
    }
  }
}
