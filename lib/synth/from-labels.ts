/**
 * CT rendered around real label maps (`kitseg synth --from-labels`): the kidneys and tumours are
 * exactly the given labels, textured from their own geometry (cortex within 5 mm of the kidney
 * surface, medullary pyramids and a fatty renal sinus deeper in, heterogeneous tumour with a
 * necrotic core), and the synthetic anatomy of `anatomy.ts` is placed consistently with them:
 * spine on the midline between the kidneys at their depth, liver and spleen above them, the body
 * outline enclosing everything.
 */
import type { CanonicalVolume } from '../io/canonical-volume.js';
import { connectedComponents } from '../ops/components.js';
import { distanceInside } from '../ops/distance.js';
import type { Rng } from '../rng/rng.js';
import { finishImage, paintBody, sampleBody, type BodySpec } from './anatomy.js';
import { Canvas, texture } from './canvas.js';
import type { Vec3 } from './shapes.js';

/** Labels on a canonical grid with a (near-)diagonal affine: what rendering needs. */
export type LabelGrid = Pick<CanonicalVolume, 'data' | 'shape' | 'spacingMm' | 'affine'>;

export interface Kidney {
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

/** Where the anatomy goes around the labelled kidneys: the body frame and its canvas origin. */
export interface Placement {
  readonly kidneys: readonly Kidney[];
  readonly body: BodySpec;
  /** World position of the body axis (x, y); the body frame is world minus this. */
  readonly bodyCentre: Vec3;
  /** Canvas origin of voxel (0, 0, 0) in the body frame. */
  readonly origin: Vec3;
}

/** Places the spine on the midline between the kidneys at their depth; the body encloses them. */
export function placeBody(g: LabelGrid, sampled: BodySpec): Placement {
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
  return {
    kidneys: ks,
    body,
    bodyCentre,
    origin: [origin[0] - bodyCentre[0], origin[1] - bodyCentre[1], origin[2]],
  };
}

/**
 * Renders an int16 HU image on the label grid (canonical `[D, H, W]`) in the fixed arterial-phase
 * style of the papers' tables (`renderRandomized` draws phase, bone and scanner per case).
 * @param g labels 0/1/2(/3) on a canonical grid.
 */
export function renderAroundLabels(g: LabelGrid, rng: Rng): Int16Array {
  const place = placeBody(g, sampleBody(rng.fork('body')));
  const cv = new Canvas(g.shape, g.spacingMm, place.origin, -1000);
  paintBody(cv, place.body, rng.fork('anatomy'));
  const model = kidneyModel(g, rng.fork('kidney-texture'), place);
  const e = place.body.enhancement;
  const fixed: Record<KidneyTissue, (x: number, y: number, z: number) => number> = {
    cortex: (x, y, z) => 175 * e + 12 * model.cortexTex(x, y, z),
    column: () => 165 * e,
    medulla: () => 70 * e,
    sinusFat: () => -60,
    sinusVessel: () => 200 * e,
    tumour: (x, y, z) => model.tumourBase * e + 30 * model.tumourTex(x, y, z),
    necrosis: (x, y, z) => model.core + 8 * model.tumourTex(x, y, z),
    cystWall: (x, y, z) => 60 * e + 10 * model.tumourTex(x, y, z),
    cystFluid: (x, y, z) => model.water + 4 * model.tumourTex(x, y, z),
  };
  forEachLabelled(g, cv.origin, (i, l, x, y, z) => {
    cv.label[i] = l;
    cv.image[i] = fixed[model.tissue(i, l, x, y, z)](x, y, z);
  });
  return finishImage(cv, rng.fork('noise'), rng.fork('scanner').uniform(6, 20));
}

/** Calls `fn(index, label, x, y, z)` for every labelled voxel, in body-frame mm. */
export function forEachLabelled(
  g: LabelGrid,
  origin: Vec3,
  fn: (i: number, l: number, x: number, y: number, z: number) => void,
): void {
  const [D, H, W] = g.shape;
  const [sz, sy, sx] = g.spacingMm;
  const [ox, oy, oz] = origin;
  for (let d = 0, i = 0; d < D; d++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++, i++) {
        const l = g.data[i]!;
        if (l !== 0) fn(i, l, ox + w * sx, oy + h * sy, oz + d * sz);
      }
}

/** The parts of a labelled kidney its geometry defines. `column`: the cortex between pyramids. */
export type KidneyTissue =
  | 'cortex'
  | 'column'
  | 'medulla'
  | 'sinusFat'
  | 'sinusVessel'
  | 'tumour'
  | 'necrosis'
  | 'cystWall'
  | 'cystFluid';

export interface KidneyModel {
  tissue(i: number, label: number, x: number, y: number, z: number): KidneyTissue;
  readonly cortexTex: (x: number, y: number, z: number) => number;
  readonly tumourTex: (x: number, y: number, z: number) => number;
  /** Fixed style's draws: tumour HU before enhancement, necrotic core HU, cyst water HU. */
  readonly tumourBase: number;
  readonly core: number;
  readonly water: number;
}

/**
 * Kidney parts from the labels' own geometry: cortex within 5 mm of the kidney surface, a renal
 * sinus deeper than 0.6 of the maximum depth, medullary pyramids around the hilum, a necrotic
 * core in large tumours, and a cyst's outermost voxel layer as its wall.
 */
export function kidneyModel(g: LabelGrid, rng: Rng, place: Placement): KidneyModel {
  const lab = g.data;
  const [sz, sy, sx] = g.spacingMm;
  const depth = distanceInside((i) => lab[i] !== 0, g.shape, g.spacingMm);
  const tDepth = distanceInside((i) => lab[i] === 2, g.shape, g.spacingMm);
  const cDepth = distanceInside((i) => lab[i] === 3, g.shape, g.spacingMm);
  const wall = 1.01 * Math.min(sz, sy, sx);
  const water = rng.fork('cyst').uniform(0, 12);
  const maxDepth = depth.reduce((m, v) => Math.max(m, v), 0);
  const maxT = tDepth.reduce((m, v) => Math.max(m, v), 0);
  const cortexTex = texture(rng.fork('cortex'), 6, 10, 30);
  const tumourTex = texture(rng.fork('tumour'), 10, 6, 25);
  const tumourBase = rng.uniform(75, 130);
  const core = rng.uniform(15, 35);
  const necrosis = maxT > 12 ? rng.uniform(0.45, 0.7) : 2;
  const pyramids = rng.int(6, 9);
  const bc = place.bodyCentre;
  const centres = place.kidneys.map((k) => [k.centroid[0] - bc[0], k.centroid[1] - bc[1]]);
  const tissue = (i: number, l: number, x: number, y: number, z: number): KidneyTissue => {
    if (l === 3) return cDepth[i]! <= wall ? 'cystWall' : 'cystFluid';
    if (l === 2) return tDepth[i]! / maxT > necrosis + 0.1 * tumourTex(x, y, z) ? 'necrosis' : 'tumour';
    const dep = depth[i]!;
    if (dep < 5) return 'cortex';
    if (dep > 0.6 * maxDepth)
      return Math.abs(Math.sin(z * 0.4 + x * 0.3)) < 0.25 ? 'sinusVessel' : 'sinusFat';
    let c = centres[0] ?? [x, y];
    if (centres.length > 1 && Math.abs(x - centres[1]![0]!) < Math.abs(x - c[0]!)) c = centres[1]!;
    const theta = Math.atan2(y - c[1]!, x - c[0]!) + 0.03 * z;
    return Math.cos(pyramids * theta) > -0.1 ? 'medulla' : 'column';
  };
  return { tissue, cortexTex, tumourTex, tumourBase, core, water };
}
