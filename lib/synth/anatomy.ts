/**
 * Synthetic abdominal anatomy painted onto a `Canvas` in arterial-phase Hounsfield units: body
 * outline, subcutaneous and visceral fat, abdominal wall, paraspinal and psoas muscles, spine
 * with discs and posterior elements, ribs, aorta and IVC, liver, spleen and bowel with gas.
 * Coordinates are patient millimetres: x right, y anterior, z superior, body axis at x = y = 0.
 * Kidneys, tumours and cysts are painted separately (`kidney.ts`) because they carry labels.
 */
import type { Rng } from '../rng/rng.js';
import { Canvas, texture } from './canvas.js';
import { capsule, ellipsoid, rotation, type Vec3 } from './shapes.js';

/** Per-case body and organ parameters, sampled once so labels-driven rendering can reuse them. */
export interface BodySpec {
  /** Body half-widths (x, y) in mm at z = 0. */
  readonly bodyA: number;
  readonly bodyB: number;
  readonly subcutFat: number;
  /** y of the vertebral body centre. */
  readonly spineY: number;
  /** x of the spine (the midline between the kidneys). */
  readonly spineX: number;
  readonly vertebraR: number;
  /** Contrast-enhancement factor of this scan (0.75–1.25). */
  readonly enhancement: number;
  /** z of the kidney hila, to place renal vessels and organs around them. */
  readonly kidneyZ: number;
}

export function sampleBody(rng: Rng, spineX = 0, kidneyZ = 0): BodySpec {
  const bodyA = rng.uniform(140, 185);
  const bodyB = rng.uniform(100, 135);
  return {
    bodyA,
    bodyB,
    subcutFat: rng.uniform(8, 35),
    spineY: -bodyB * rng.uniform(0.3, 0.4),
    spineX,
    vertebraR: rng.uniform(17, 22),
    enhancement: rng.uniform(0.75, 1.25),
    kidneyZ,
  };
}

/** Paints everything but the kidneys. `rng` is this case's anatomy stream. */
export function paintBody(cv: Canvas, b: BodySpec, rng: Rng): void {
  const img = cv.image;
  const e = b.enhancement;
  const zLo = cv.origin[2] - 50;
  const zHi = cv.origin[2] + cv.shape[0] * cv.spacingMm[0] + 50;
  const zMid = (zLo + zHi) / 2;
  const zHalf = (zHi - zLo) / 2;
  const fatTex = texture(rng.fork('fat'), 6, 20, 60);
  // Body as a long elliptic cylinder: subcutaneous fat, then muscle wall, then visceral fat.
  const body = ellipsoid([0, 0, zMid], [b.bodyA, b.bodyB, zHalf * 4]);
  cv.paint(body, (_r, x, y, z, i) => {
    const rr = Math.hypot(x / b.bodyA, y / b.bodyB);
    if (rr > 1) return;
    const depth = (1 - rr) * Math.min(b.bodyA, b.bodyB);
    if (depth < b.subcutFat) img[i] = -100 + 8 * fatTex(x, y, z);
    else if (depth < b.subcutFat + 10) img[i] = 45;
    else img[i] = -85 + 10 * fatTex(x, y, z);
  });
  const sx = b.spineX;
  const sy = b.spineY;
  // Paraspinal muscles and psoas (wider inferiorly).
  for (const side of [-1, 1]) {
    const para = ellipsoid([sx + side * 38, sy - 42, zMid], [24, 22, zHalf * 4]);
    cv.paint(para, (_r, _x, _y, _z, i) => (img[i] = 52));
    const psoasTop: Vec3 = [sx + side * 28, sy + 6, zHi];
    const psoasBot: Vec3 = [sx + side * 45, sy + 12, zLo];
    const ps = capsule(psoasTop, psoasBot, 24);
    cv.paint(ps, (_r, x, y, z, i) => {
      const t = (zHi - z) / (zHi - zLo);
      const rz = 6 + 18 * t;
      const cx = psoasTop[0] + (psoasBot[0] - psoasTop[0]) * t;
      const cy = psoasTop[1] + (psoasBot[1] - psoasTop[1]) * t;
      if (Math.hypot(x - cx, y - cy) <= rz) img[i] = 50;
    });
  }
  // Spine: vertebral bodies (cortical shell, cancellous core) with discs every ~34 mm.
  const period = rng.uniform(32, 36);
  const phase = rng.uniform(0, period);
  const vert = ellipsoid([sx, sy, zMid], [b.vertebraR, b.vertebraR * 0.85, zHalf * 4]);
  cv.paint(vert, (_r, x, y, z, i) => {
    const rr = Math.hypot((x - sx) / b.vertebraR, (y - sy) / (b.vertebraR * 0.85));
    if (rr > 1) return;
    const inDisc = (((z - phase) % period) + period) % period < 8;
    if (inDisc) img[i] = 85;
    else img[i] = rr > 0.86 ? 750 : 230;
  });
  // Posterior elements: canal (CSF), lamina and spinous process.
  const canal = ellipsoid([sx, sy - b.vertebraR - 9, zMid], [9, 8, zHalf * 4]);
  const lamina = ellipsoid([sx, sy - b.vertebraR - 20, zMid], [24, 7, zHalf * 4]);
  const spinous = ellipsoid([sx, sy - b.vertebraR - 38, zMid], [5, 18, zHalf * 4]);
  cv.paint(lamina, (_r, _x, _y, _z, i) => (img[i] = 450));
  cv.paint(spinous, (_r, _x, _y, _z, i) => (img[i] = 420));
  cv.paint(canal, (_r, _x, _y, _z, i) => (img[i] = 12));
  // Ribs: posterior-lateral arcs at the upper levels, every ~28 mm.
  const ribTop = b.kidneyZ - 10;
  for (let zr = ribTop; zr < zHi; zr += rng.uniform(24, 30)) {
    const rib = ellipsoid([0, 0, zr], [b.bodyA * 0.9, b.bodyB * 0.9, 6]);
    cv.paint(rib, (_r, x, y, _z, i) => {
      const rr = Math.hypot(x / (b.bodyA * 0.9), y / (b.bodyB * 0.9));
      if (rr > 0.93 && y < b.bodyB * 0.3) img[i] = 500;
    });
  }
  // Aorta (left of midline, bright in arterial phase) and IVC (right).
  const aorta = capsule(
    [sx - 12, sy + b.vertebraR + 14, zLo],
    [sx - 12, sy + b.vertebraR + 14, zHi],
    rng.uniform(9, 13),
  );
  cv.paint(aorta, (_r, _x, _y, _z, i) => (img[i] = 280 * e));
  const ivc = ellipsoid([sx + 24, sy + b.vertebraR + 14, zMid], [13, 9, zHalf * 4]);
  cv.paint(ivc, (_r, _x, _y, _z, i) => (img[i] = 140 * e));
  // Liver (right upper quadrant) and spleen (left, posterior).
  const liverTex = texture(rng.fork('liver'), 8, 15, 50);
  const liverZ = b.kidneyZ + rng.uniform(60, 90);
  const liver = ellipsoid(
    [b.bodyA * 0.35, b.bodyB * 0.05, liverZ],
    [b.bodyA * 0.55, b.bodyB * 0.75, 95],
    rotation(0, 0.15, 0.2),
  );
  cv.paint(liver, (_r, x, y, z, i) => {
    if (Math.hypot(x / b.bodyA, y / b.bodyB) < 0.9) img[i] = 72 * e + 6 * liverTex(x, y, z);
  });
  const spleen = ellipsoid(
    [-b.bodyA * 0.55, -b.bodyB * 0.25, b.kidneyZ + rng.uniform(45, 70)],
    [28, 50, 55],
    rotation(0, 0, rng.uniform(-0.6, -0.3)),
  );
  cv.paint(spleen, (_r, x, y, _z, i) => {
    if (Math.hypot(x / b.bodyA, y / b.bodyB) < 0.9) img[i] = 115 * e;
  });
  // Bowel loops in the anterior abdomen: wall, fluid, and gas rising anteriorly.
  const loops = Math.round(((zHi - zLo) / 100) * rng.uniform(10, 16));
  for (let k = 0; k < loops; k++) {
    const { r, p, q, gas } = bowelLoop(rng, b, zLo, zHi, { ...SPARSE_LOOPS, r: [10, 20] });
    // Collapsed loops look like soft tissue, filled ones like fluid.
    const fluid = rng.bernoulli(0.5) ? rng.uniform(25, 45) : rng.uniform(0, 20);
    const seg = capsule(p, q, r);
    cv.paint(seg, (rr, x, y, _z, i) => {
      if (Math.hypot(x / b.bodyA, y / b.bodyB) > 0.85) return;
      if (rr > 1 - 3 / r) img[i] = 40;
      else img[i] = gas && y > (p[1] + q[1]) / 2 ? -850 : fluid;
    });
  }
}

/** Where and how large bowel loops are drawn; fractions of the body's semi-axes, reaches in mm. */
export interface LoopSpec {
  r: [number, number];
  x: [number, number];
  y: [number, number];
  reach: Vec3;
  gasP: number;
}

/** The sparse anatomies' loops: in the anterior abdomen, gas in 40 % of them. */
export const SPARSE_LOOPS: Omit<LoopSpec, 'r'> = {
  x: [-0.65, 0.65],
  y: [-0.05, 0.65],
  reach: [70, 25, 40],
  gasP: 0.4,
};

/** One bowel loop's radius, end points and whether gas rises in it. */
export function bowelLoop(rng: Rng, b: BodySpec, zLo: number, zHi: number, spec: LoopSpec) {
  const r = rng.uniform(spec.r[0], spec.r[1]);
  const p: Vec3 = [
    rng.uniform(spec.x[0], spec.x[1]) * b.bodyA,
    rng.uniform(spec.y[0], spec.y[1]) * b.bodyB,
    rng.uniform(zLo, zHi),
  ];
  const [dx, dy, dz] = spec.reach;
  const q: Vec3 = [p[0] + rng.uniform(-dx, dx), p[1] + rng.uniform(-dy, dy), p[2] + rng.uniform(-dz, dz)];
  return { r, p, q, gas: rng.bernoulli(spec.gasP) };
}

/** Adds scanner noise and a slight in-plane blur, then rounds to valid int16 HU. */
export function finishImage(cv: Canvas, rng: Rng, noiseStd: number): Int16Array {
  const [D, H, W] = cv.shape;
  const src = cv.image;
  const tmp = new Float32Array(src.length);
  // [1 2 1]/4 along W then H: partial-volume softening of painted edges.
  for (let i = 0; i < src.length; i++) {
    const x = i % W;
    const l = x > 0 ? src[i - 1]! : src[i]!;
    const r = x < W - 1 ? src[i + 1]! : src[i]!;
    tmp[i] = 0.25 * l + 0.5 * src[i]! + 0.25 * r;
  }
  const out = new Int16Array(src.length);
  const HW = H * W;
  for (let d = 0; d < D; d++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++) {
        const i = d * HW + h * W + w;
        const u = h > 0 ? tmp[i - W]! : tmp[i]!;
        const v = h < H - 1 ? tmp[i + W]! : tmp[i]!;
        const val = 0.25 * u + 0.5 * tmp[i]! + 0.25 * v + rng.normal(0, noiseStd);
        out[i] = Math.max(-1024, Math.min(3071, Math.round(val)));
      }
  return out;
}
