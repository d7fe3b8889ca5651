/**
 * Domain-randomised CT around real label maps (`kitseg synth --from-labels --randomize`). Each
 * case draws a contrast phase and per-tissue shades (`palette.ts`), a body size, bone detail
 * (cortical shells round trabecular marrow, pedicles and transverse processes, ribs at 22–32 mm),
 * and a scanner: noise, point-spread and slice-thickness blur, a bias field, a reconstruction
 * circle, a couch. The anatomy is painted as a tissue map at twice the slice resolution and
 * averaged down, so that structure edges carry partial volume; the labelled kidneys are the labels.
 */
import { blur } from '../transforms/augment/intensity.js';
import type { Shape3D, Spacing3D } from '../core/types.js';
import type { Rng } from '../rng/rng.js';
import { bowelLoop, SPARSE_LOOPS, type BodySpec } from './anatomy.js';
import { Canvas, texture } from './canvas.js';
import { paintCrowding, type Anatomy } from './crowding.js';
import { forEachLabelled, kidneyModel, placeBody, type KidneyTissue, type LabelGrid } from './from-labels.js';
import { samplePalette, tissueId, TISSUES, type Palette, type Tissue } from './palette.js';
import { capsule, ellipsoid, rotation, type Vec3 } from './shapes.js';

/** The scanner of one rendered case. */
export interface Scanner {
  /** Noise std (HU) before the point-spread blur, so the noise is correlated as in real CT. */
  readonly noiseStd: number;
  /** Gaussian blur σ in voxels `[D, H, W]`: slice thickness, then in-plane point spread. */
  readonly psfSigma: readonly [number, number, number];
  /** Amplitude (HU) of the smooth additive bias field inside the body. */
  readonly biasHu: number;
  /** Reconstruction circle in the body frame (x, y, radius mm), or null for none. */
  readonly fov: readonly [number, number, number] | null;
  readonly couch: boolean;
}

export interface RandomizedCase {
  readonly image: Int16Array;
  /** Tissue id (`tissueId`) per voxel where both supersampled halves agree, else 0. */
  readonly tissue: Uint8Array;
  /** Tissue id of every voxel (its first supersampled half): what training re-shades (`reshade.ts`). */
  readonly tissueMap: Uint8Array;
  readonly palette: Palette;
  readonly scanner: Scanner;
}

/** Supersampling factor along the slice axis. */
const SUPER = 2;
const KIDNEY_TISSUE: Record<KidneyTissue, Tissue> = {
  cortex: 'cortex',
  column: 'cortex',
  medulla: 'medulla',
  sinusFat: 'sinusFat',
  sinusVessel: 'sinusVessel',
  tumour: 'tumour',
  necrosis: 'necrosis',
  cystWall: 'cystWall',
  cystFluid: 'cystFluid',
};

export function sampleRandomBody(rng: Rng): BodySpec {
  const bodyA = rng.uniform(120, 220);
  const bodyB = rng.uniform(90, 160);
  return {
    bodyA,
    bodyB,
    subcutFat: rng.uniform(3, 50),
    spineY: -bodyB * rng.uniform(0.3, 0.4),
    spineX: 0,
    vertebraR: rng.uniform(15, 24),
    enhancement: 1,
    kidneyZ: 0,
  };
}

export interface RandomizeOptions {
  /** Leave out noise, blur and bias (the tissue shades alone), which the per-tissue range tests look at. */
  readonly clean?: boolean;
  /** `crowded` (default) packs the cavity with bowel, colon and organs (`crowding.ts`). */
  readonly anatomy?: Anatomy;
}

/** Renders one case. */
export function renderRandomized(g: LabelGrid, rng: Rng, opts: RandomizeOptions = {}): RandomizedCase {
  const clean = opts.clean ?? false;
  const place = placeBody(g, sampleRandomBody(rng.fork('body')));
  const palette = samplePalette(rng.fork('palette'));
  const [D, H, W] = g.shape;
  const [sz, sy, sx] = g.spacingMm;
  const o = place.origin;
  // Fine slices k·sz/2 − sz/4 around each coarse slice centre.
  const fine = new Canvas([D * SUPER, H, W], [sz / SUPER, sy, sx], [o[0], o[1], o[2] - sz / 4], 0);
  const tissue = fine.label;
  paintAnatomy(fine, place.body, palette, rng.fork('anatomy'));
  if ((opts.anatomy ?? 'crowded') === 'crowded') {
    const [zLo, zHi] = zSpan(fine);
    paintCrowding(fine, place.body, g, rng.fork('crowding'), zLo, zHi);
  }
  const scanner = sampleScanner(rng.fork('scanner'), place.body, place.kidneys, place.bodyCentre);
  if (scanner.couch) paintCouch(fine, place.body);
  const model = kidneyModel(g, rng.fork('kidney-texture'), place);
  const HW = H * W;
  forEachLabelled(g, o, (i, l, x, y, z) => {
    const t = tissueId(KIDNEY_TISSUE[model.tissue(i, l, x, y, z)]);
    const d = Math.floor(i / HW);
    const r = i - d * HW;
    for (let k = 0; k < SUPER; k++) tissue[(d * SUPER + k) * HW + r] = t;
  });
  const hu = shade(fine, palette, rng.fork('texture'));
  const image = new Float32Array(D * HW);
  const pure = new Uint8Array(D * HW);
  const map = new Uint8Array(D * HW);
  for (let d = 0; d < D; d++)
    for (let r = 0; r < HW; r++) {
      let acc = 0;
      const t0 = tissue[d * SUPER * HW + r]!;
      let same = true;
      for (let k = 0; k < SUPER; k++) {
        const j = (d * SUPER + k) * HW + r;
        acc += hu[j]!;
        same &&= tissue[j] === t0;
      }
      image[d * HW + r] = acc / SUPER;
      pure[d * HW + r] = same ? t0 : 0;
      map[d * HW + r] = t0;
    }
  if (!clean) applyScanner(image, g, o, scanner, rng.fork('noise'));
  const out = new Int16Array(image.length);
  for (let i = 0; i < image.length; i++) out[i] = Math.max(-1024, Math.min(3071, Math.round(image[i]!)));
  return { image: out, tissue: pure, tissueMap: map, palette, scanner };
}

/** One texture field per tissue (wavelengths in mm): fine trabeculae, coarser soft tissue. */
export function tissueTextures(rng: Rng): ((x: number, y: number, z: number) => number)[] {
  const fine: Partial<Record<Tissue, [number, number]>> = {
    marrow: [2, 6],
    boneCortex: [2, 5],
    tumour: [5, 20],
    feces: [3, 10],
  };
  return TISSUES.map((t) => texture(rng.fork(t), 6, ...(fine[t] ?? [8, 40])));
}

/** HU of every fine voxel: its tissue's mean plus that tissue's amplitude times its own texture. */
function shade(cv: Canvas, p: Palette, rng: Rng): Float32Array {
  const [D, H, W] = cv.shape;
  const [sz, sy, sx] = cv.spacingMm;
  const [ox, oy, oz] = cv.origin;
  const tex = tissueTextures(rng);
  const mean = TISSUES.map((t) => p.shades[t].mean);
  const amp = TISSUES.map((t) => p.shades[t].texture);
  const out = new Float32Array(cv.label.length);
  for (let d = 0, i = 0; d < D; d++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++, i++) {
        const k = Math.max(0, cv.label[i]! - 1);
        const a = amp[k]!;
        out[i] = mean[k]! + (a === 0 ? 0 : a * tex[k]!(ox + w * sx, oy + h * sy, oz + d * sz));
      }
  return out;
}

/** The z range the anatomy is painted over: the canvas and 50 mm either side. */
function zSpan(cv: Canvas): [number, number] {
  return [cv.origin[2] - 50, cv.origin[2] + cv.shape[0] * cv.spacingMm[0] + 50];
}

/** Body, muscles, spine and ribs, vessels, liver, spleen and bowel, as tissue ids. */
function paintAnatomy(cv: Canvas, b: BodySpec, p: Palette, rng: Rng): void {
  const t = cv.label;
  const set = (name: Tissue) => {
    const id = tissueId(name);
    return (_r: number, _x: number, _y: number, _z: number, i: number) => (t[i] = id);
  };
  const [zLo, zHi] = zSpan(cv);
  const zMid = (zLo + zHi) / 2;
  const long = (zHi - zLo) * 2;
  const wall = rng.uniform(6, 14);
  const ids = { sub: tissueId('subcutFat'), mus: tissueId('muscle'), vis: tissueId('visceralFat') };
  cv.paint(ellipsoid([0, 0, zMid], [b.bodyA, b.bodyB, long]), (_r, x, y, _z, i) => {
    const rr = Math.hypot(x / b.bodyA, y / b.bodyB);
    if (rr > 1) return;
    const depth = (1 - rr) * Math.min(b.bodyA, b.bodyB);
    t[i] = depth < b.subcutFat ? ids.sub : depth < b.subcutFat + wall ? ids.mus : ids.vis;
  });
  const sx = b.spineX;
  const sy = b.spineY;
  for (const side of [-1, 1]) {
    cv.paint(ellipsoid([sx + side * 38, sy - 42, zMid], [24, 22, long]), set('muscle'));
    const top: Vec3 = [sx + side * 28, sy + 6, zHi];
    const bot: Vec3 = [sx + side * 45, sy + 12, zLo];
    cv.paint(capsule(top, bot, 24), (_r, x, y, z, i) => {
      const f = (zHi - z) / (zHi - zLo);
      if (Math.hypot(x - top[0] - (bot[0] - top[0]) * f, y - top[1] - (bot[1] - top[1]) * f) <= 6 + 18 * f)
        t[i] = ids.mus;
    });
  }
  paintSpine(cv, b, rng.fork('spine'), zLo, zHi);
  paintRibs(cv, b, rng.fork('ribs'), zHi);
  const r = rng.uniform(9, 13);
  const ventral = sy + b.vertebraR + 14;
  cv.paint(capsule([sx - 12, ventral, zLo], [sx - 12, ventral, zHi], r), set('aorta'));
  cv.paint(ellipsoid([sx + 24, ventral, zMid], [13, 9, long]), set('ivc'));
  const inside = (x: number, y: number, f: number) => Math.hypot(x / b.bodyA, y / b.bodyB) < f;
  const liverScale = rng.uniform(0.8, 1.2);
  const liver = ellipsoid(
    [b.bodyA * 0.35, b.bodyB * 0.05, b.kidneyZ + rng.uniform(55, 95)],
    [b.bodyA * 0.55 * liverScale, b.bodyB * 0.75, 95 * liverScale],
    rotation(0, 0.15, 0.2),
  );
  const liverId = tissueId('liver');
  cv.paint(liver, (_r, x, y, _z, i) => void (inside(x, y, 0.9) && (t[i] = liverId)));
  const spleen = ellipsoid(
    [-b.bodyA * 0.55, -b.bodyB * 0.25, b.kidneyZ + rng.uniform(40, 75)],
    [rng.uniform(22, 34), rng.uniform(40, 60), rng.uniform(45, 65)],
    rotation(0, 0, rng.uniform(-0.6, -0.3)),
  );
  const spleenId = tissueId('spleen');
  cv.paint(spleen, (_r, x, y, _z, i) => void (inside(x, y, 0.9) && (t[i] = spleenId)));
  paintBowel(cv, b, p, rng.fork('bowel'), zLo, zHi);
}

/** Vertebral bodies with discs, pedicles, transverse processes, lamina and spinous process. */
function paintSpine(cv: Canvas, b: BodySpec, rng: Rng, zLo: number, zHi: number): void {
  const t = cv.label;
  const id = { cortex: tissueId('boneCortex'), marrow: tissueId('marrow'), disc: tissueId('disc') };
  const shell = rng.uniform(1, 2.5);
  const period = rng.uniform(30, 38);
  const phase = rng.uniform(0, period);
  const discH = rng.uniform(6, 10);
  const R = b.vertebraR;
  const sx = b.spineX;
  const sy = b.spineY;
  const long = (zHi - zLo) * 2;
  const zMid = (zLo + zHi) / 2;
  const levelOf = (z: number) => (((z - phase) % period) + period) % period;
  // A bone is cortex within `shell` mm of its surface (depth ≈ (1 − r)·its smallest semi-axis).
  const bone = (minAxis: number) => (r: number, _x: number, _y: number, z: number, i: number) => {
    if (levelOf(z) < discH) return;
    t[i] = (1 - r) * minAxis < shell ? id.cortex : id.marrow;
  };
  cv.paint(ellipsoid([sx, sy, zMid], [R, R * 0.85, long]), (_r, x, y, z, i) => {
    const rr = Math.hypot((x - sx) / R, (y - sy) / (R * 0.85));
    if (rr > 1) return;
    if (levelOf(z) < discH) t[i] = id.disc;
    else t[i] = (1 - rr) * R * 0.85 < shell ? id.cortex : id.marrow;
  });
  // Posterior elements: their z-extent is the middle of each vertebra.
  const mid = (z: number) => Math.abs(levelOf(z) - (discH + period) / 2) < (period - discH) * 0.35;
  const back = sy - R;
  for (const side of [-1, 1]) {
    cv.paint(ellipsoid([sx + side * R * 0.55, back - 5, zMid], [5, 9, long]), (r, x, y, z, i) => {
      if (mid(z)) bone(5)(r, x, y, z, i);
    });
    const tp = ellipsoid([sx + side * (R + 16), back - 8, zMid], [20, 6, long], rotation(0, 0, side * 0.2));
    cv.paint(tp, (r, x, y, z, i) => {
      if (mid(z)) bone(6)(r, x, y, z, i);
    });
  }
  cv.paint(ellipsoid([sx, back - 20, zMid], [22, 7, long]), bone(7));
  cv.paint(ellipsoid([sx, back - 38, zMid], [5, 18, long]), bone(5));
  const csf = tissueId('csf');
  cv.paint(ellipsoid([sx, back - 9, zMid], [9, 8, long]), (_r, _x, _y, _z, i) => (t[i] = csf));
}

/** Posterolateral rib sections every 22–32 mm above the kidneys' level, cortex round marrow. */
function paintRibs(cv: Canvas, b: BodySpec, rng: Rng, zHi: number): void {
  const t = cv.label;
  const cortex = tissueId('boneCortex');
  const marrow = tissueId('marrow');
  const inset = rng.uniform(0.86, 0.92);
  const halfZ = rng.uniform(4, 6);
  for (let zr = b.kidneyZ - rng.uniform(0, 30); zr < zHi; zr += rng.uniform(22, 32)) {
    const ring = ellipsoid([0, 0, zr], [b.bodyA * inset, b.bodyB * inset, halfZ]);
    cv.paint(ring, (r, x, y, z, i) => {
      const rr = Math.hypot(x / (b.bodyA * inset), y / (b.bodyB * inset));
      if (rr < 0.95 || rr > 1 || y > b.bodyB * 0.3 || Math.abs(x - b.spineX) < 35) return;
      const edge = Math.min(
        (rr - 0.95) * b.bodyB * inset,
        (1 - rr) * b.bodyB * inset,
        halfZ - Math.abs(z - zr),
      );
      t[i] = edge < 1.5 || r > 0.8 ? cortex : marrow;
    });
  }
}

function paintBowel(cv: Canvas, b: BodySpec, p: Palette, rng: Rng, zLo: number, zHi: number): void {
  const t = cv.label;
  const id = {
    wall: tissueId('bowelWall'),
    fluid: tissueId('bowelFluid'),
    oral: tissueId('oralContrast'),
    gas: tissueId('gas'),
  };
  const loops = Math.round(((zHi - zLo) / 100) * rng.uniform(8, 18));
  for (let k = 0; k < loops; k++) {
    const { r, p: a, q, gas } = bowelLoop(rng, b, zLo, zHi, { ...SPARSE_LOOPS, r: [8, 22] });
    const content = rng.bernoulli(p.oralFraction) ? id.oral : rng.bernoulli(0.5) ? id.wall : id.fluid;
    cv.paint(capsule(a, q, r), (rr, x, y, _z, i) => {
      if (Math.hypot(x / b.bodyA, y / b.bodyB) > 0.85) return;
      t[i] = rr > 1 - 3 / r ? id.wall : gas && y > (a[1] + q[1]) / 2 ? id.gas : content;
    });
  }
}

/** A curved patient couch under the back. */
function paintCouch(cv: Canvas, b: BodySpec): void {
  const t = cv.label;
  const id = tissueId('couch');
  const y0 = -b.bodyB - 6;
  const half = (cv.shape[0] * cv.spacingMm[0]) / 2 + 100;
  const zMid = cv.origin[2] + half - 100;
  cv.paint(ellipsoid([0, y0 + 400, zMid], [b.bodyA * 3, 410, half * 2]), (r, _x, _y, _z, i) => {
    if (r > 0.985 && t[i] === 0) t[i] = id;
  });
}

/** The image-quality part of a scanner: noise level, point spread and bias amplitude. */
export function sampleImaging(rng: Rng): Pick<Scanner, 'noiseStd' | 'psfSigma' | 'biasHu'> {
  const noiseStd = rng.uniform(5, 45);
  const psfSigma: [number, number, number] = [rng.uniform(0, 1.2), rng.uniform(0.3, 1), 0];
  psfSigma[2] = psfSigma[1];
  return { noiseStd, psfSigma, biasHu: rng.uniform(0, 30) };
}

function sampleScanner(
  rng: Rng,
  b: BodySpec,
  kidneys: readonly { min: Vec3; max: Vec3 }[],
  bodyCentre: Vec3,
): Scanner {
  const { noiseStd, psfSigma, biasHu } = sampleImaging(rng);
  const couch = rng.bernoulli(0.7);
  let fov: [number, number, number] | null = null;
  if (rng.bernoulli(0.5)) {
    const cx = rng.uniform(-25, 25);
    const cy = rng.uniform(-25, 25);
    // The circle may cut the body, never the labelled kidneys.
    const need = Math.max(
      0,
      ...kidneys.flatMap((k) =>
        [k.min, k.max].flatMap((p) =>
          [k.min, k.max].map((q) => Math.hypot(p[0] - bodyCentre[0] - cx, q[1] - bodyCentre[1] - cy) + 10),
        ),
      ),
    );
    fov = [cx, cy, Math.max(need, b.bodyA * rng.uniform(0.85, 1.3))];
  }
  return { noiseStd, psfSigma, biasHu, fov, couch };
}

/** Bias field inside the body (voxels above −500 HU), noise, then the point spread, in place. */
export function degrade(
  img: Float32Array,
  shape: Shape3D,
  spacingMm: Spacing3D,
  o: Vec3,
  s: Pick<Scanner, 'noiseStd' | 'psfSigma' | 'biasHu'>,
  rng: Rng,
): void {
  const [D, H, W] = shape;
  const [sz, sy, sx] = spacingMm;
  const bias = texture(rng.fork('bias'), 4, 250, 600);
  const noise = rng.fork('gauss');
  for (let d = 0, i = 0; d < D; d++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++, i++) {
        const v = img[i]!;
        const inBody = v > -500 ? s.biasHu * bias(o[0] + w * sx, o[1] + h * sy, o[2] + d * sz) : 0;
        img[i] = v + inBody + noise.normal(0, s.noiseStd);
      }
  blur(img, shape, s.psfSigma);
}

/** Bias field inside the body, correlated noise, point spread, then the reconstruction circle. */
function applyScanner(img: Float32Array, g: LabelGrid, o: Vec3, s: Scanner, rng: Rng): void {
  degrade(img, g.shape, g.spacingMm, o, s, rng);
  if (s.fov === null) return;
  const [D, H, W] = g.shape;
  const [, sy, sx] = g.spacingMm;
  const [cx, cy, r] = s.fov;
  for (let d = 0, i = 0; d < D; d++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++, i++)
        if (Math.hypot(o[0] + w * sx - cx, o[1] + h * sy - cy) > r) img[i] = -1024;
}
