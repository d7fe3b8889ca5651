/**
 * CT rendered around real label maps (`kitseg synth --from-labels`): the kidneys and tumours are
 * exactly the given labels, textured from their own geometry (cortex within 5 mm of the kidney
 * surface, medullary pyramids and a fatty renal sinus deeper in, heterogeneous tumour with a
 * necrotic core), and the synthetic anatomy of `anatomy.ts` is placed consistently with them:
 * spine on the midline between the kidneys at their depth, liver and spleen above them, the body
 * outline enclosing everything.
 */
import type { CanonicalVolume } from '../io/canonical.js';
import { connectedComponents } from '../ops/components.js';
import { distanceInside } from '../ops/distance.js';
import type { Rng } from '../rng/rng.js';
import { finishImage, paintBody, sampleBody, type BodySpec } from './anatomy.js';
import { Canvas, texture } from './canvas.js';
import type { Vec3 } from './shapes.js';

/** Labels on a canonical grid with a (near-)diagonal affine: what rendering needs. */
export type LabelGrid = Pick<CanonicalVolume, 'data' | 'shape' | 'spacingMm' | 'affine'>;

interface Kidney {
  readonly centroid: Vec3;
  readonly min: Vec3;
  readonly max: Vec3;
}

/** World centroids and extents of foreground components of at least `minMl`. */
function kidneys(g: LabelGrid, origin: Vec3, minMl = 5): Kidney[] {
  const [D, H, W] = g.shape;
  const [sz, sy, sx] = g.spacingMm;
  const cc = connectedComponents(g.data, g.shape, 26);
  const acc = cc.sizes.map(() => ({
    n: 0,
    s: [0, 0, 0],
    min: [Infinity, Infinity, Infinity],
    max: [-Infinity, -Infinity, -Infinity],
  }));
  for (let d = 0, i = 0; d < D; d++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++, i++) {
        const id = cc.labels[i]!;
        if (id === 0) continue;
        const a = acc[id - 1]!;
        const p = [origin[0] + w * sx, origin[1] + h * sy, origin[2] + d * sz];
        a.n++;
        for (let k = 0; k < 3; k++) {
          a.s[k]! += p[k]!;
          a.min[k] = Math.min(a.min[k]!, p[k]!);
          a.max[k] = Math.max(a.max[k]!, p[k]!);
        }
      }
  const voxelMl = (sx * sy * sz) / 1000;
  return acc
    .filter((a) => a.n * voxelMl >= minMl)
    .sort((a, b) => b.n - a.n)
    .slice(0, 2)
    .map((a) => ({ centroid: a.s.map((v) => v / a.n) as Vec3, min: a.min as Vec3, max: a.max as Vec3 }));
}

/**
 * Renders an int16 HU image on the label grid (canonical `[D, H, W]`).
 * @param g labels 0/1/2 on a canonical grid.
 */
export function renderAroundLabels(g: LabelGrid, rng: Rng): Int16Array {
  const origin: Vec3 = [g.affine[0]![3]!, g.affine[1]![3]!, g.affine[2]![3]!];
  const ks = kidneys(g, origin);
  const [D, H, W] = g.shape;
  const [sz, sy, sx] = g.spacingMm;
  const fovCentre: Vec3 = [
    origin[0] + ((W - 1) * sx) / 2,
    origin[1] + ((H - 1) * sy) / 2,
    origin[2] + ((D - 1) * sz) / 2,
  ];
  // Midline between two kidneys; with one kidney, 70 mm medial of it.
  const k0 = ks[0]?.centroid ?? fovCentre;
  const midX =
    ks.length >= 2
      ? (ks[0]!.centroid[0] + ks[1]!.centroid[0]) / 2
      : k0[0] + (k0[0] > fovCentre[0] ? -70 : 70);
  const kidY = ks.length > 0 ? ks.reduce((s, k) => s + k.centroid[1], 0) / ks.length : fovCentre[1];
  const kidZ = ks.length > 0 ? ks.reduce((s, k) => s + k.centroid[2], 0) / ks.length : fovCentre[2];
  const sampled = sampleBody(rng.fork('body'));
  // Body frame: x, y relative to the body axis; the spine sits at the kidneys' depth.
  const bodyCentre: Vec3 = [midX, kidY + sampled.bodyB * 0.35, 0];
  let bodyA = sampled.bodyA;
  let bodyB = sampled.bodyB;
  for (const k of ks) {
    for (const p of [k.min, k.max]) {
      bodyA = Math.max(bodyA, Math.abs(p[0] - bodyCentre[0]) + 45);
      bodyB = Math.max(bodyB, Math.abs(p[1] - bodyCentre[1]) + 45);
    }
  }
  const body: BodySpec = { ...sampled, bodyA, bodyB, spineX: 0, spineY: kidY - bodyCentre[1], kidneyZ: kidZ };
  const cv = new Canvas(
    g.shape,
    g.spacingMm,
    [origin[0] - bodyCentre[0], origin[1] - bodyCentre[1], origin[2]],
    -1000,
  );
  paintBody(cv, body, rng.fork('anatomy'));
  paintLabelledKidneys(cv, g, body.enhancement, rng.fork('kidney-texture'), ks, bodyCentre);
  return finishImage(cv, rng.fork('noise'), rng.fork('scanner').uniform(6, 20));
}

function paintLabelledKidneys(
  cv: Canvas,
  g: LabelGrid,
  e: number,
  rng: Rng,
  ks: Kidney[],
  bodyCentre: Vec3,
): void {
  const lab = g.data;
  const img = cv.image;
  const [D, H, W] = g.shape;
  const [sz, sy, sx] = g.spacingMm;
  const depth = distanceInside((i) => lab[i] !== 0, g.shape, g.spacingMm);
  const tDepth = distanceInside((i) => lab[i] === 2, g.shape, g.spacingMm);
  const cDepth = distanceInside((i) => lab[i] === 3, g.shape, g.spacingMm);
  // A cyst's wall is its outermost voxel layer.
  const wall = 1.01 * Math.min(sz, sy, sx);
  const water = rng.fork('cyst').uniform(0, 12);
  const maxDepth = depth.reduce((m, v) => Math.max(m, v), 0);
  const maxT = tDepth.reduce((m, v) => Math.max(m, v), 0);
  const cortexTex = texture(rng.fork('cortex'), 6, 10, 30);
  const tumourTex = texture(rng.fork('tumour'), 10, 6, 25);
  const tumourBase = rng.uniform(75, 130) * e;
  const core = rng.uniform(15, 35);
  const necrosis = maxT > 12 ? rng.uniform(0.45, 0.7) : 2;
  const pyramids = rng.int(6, 9);
  const centres = ks.map((k) => [k.centroid[0] - bodyCentre[0], k.centroid[1] - bodyCentre[1]]);
  const [ox, oy, oz] = cv.origin;
  for (let d = 0, i = 0; d < D; d++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++, i++) {
        const l = lab[i]!;
        if (l === 0) continue;
        cv.label[i] = l;
        const x = ox + w * sx;
        const y = oy + h * sy;
        const z = oz + d * sz;
        if (l === 3) {
          // KiTS21/23 cyst: fluid near water HU inside a thin enhancing wall.
          const n = tumourTex(x, y, z);
          img[i] = cDepth[i]! <= wall ? 60 * e + 10 * n : water + 4 * n;
          continue;
        }
        if (l === 2) {
          const n = tumourTex(x, y, z);
          img[i] = tDepth[i]! / maxT > necrosis + 0.1 * n ? core + 8 * n : tumourBase + 30 * n;
          continue;
        }
        const dep = depth[i]!;
        if (dep < 5) {
          img[i] = 175 * e + 12 * cortexTex(x, y, z);
          continue;
        }
        if (dep > 0.6 * maxDepth) {
          // Renal sinus: fat with enhancing vessels.
          img[i] = Math.abs(Math.sin(z * 0.4 + x * 0.3)) < 0.25 ? 200 * e : -60;
          continue;
        }
        let c = centres[0] ?? [x, y];
        if (centres.length > 1 && Math.abs(x - centres[1]![0]!) < Math.abs(x - c[0]!)) c = centres[1]!;
        const theta = Math.atan2(y - c[1]!, x - c[0]!) + 0.03 * z;
        img[i] = Math.cos(pyramids * theta) > -0.1 ? 70 * e : 165 * e;
      }
}
