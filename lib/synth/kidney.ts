/**
 * Labelled kidney anatomy: bean-shaped kidneys (cortex, medullary pyramids, renal sinus with fat
 * and vessels, a hilar notch facing anteromedially), exophytic or embedded tumours with
 * heterogeneous enhancement and a necrotic core (label 2), and simple cysts near water HU that
 * carry the kidney label (1), as KiTS19 annotated them.
 */
import type { Rng } from '../rng/rng.js';
import type { BodySpec } from './anatomy.js';
import { Canvas, texture } from './canvas.js';
import { add, capsule, ellipsoid, mul, rotation, type Mat3, type Vec3 } from './shapes.js';

export interface KidneySpec {
  readonly side: 1 | -1; // +1 patient right (x > 0), −1 left
  readonly centre: Vec3;
  /** Semi-axes (mm): across (toward the hilum), antero-posterior, cranio-caudal. */
  readonly axes: Vec3;
  readonly R: Mat3;
}

export interface LesionSpec {
  readonly kidney: number;
  readonly centre: Vec3;
  readonly axes: Vec3;
  readonly R: Mat3;
}

export interface KidneyCaseSpec {
  readonly kidneys: KidneySpec[];
  readonly tumours: LesionSpec[];
  readonly cysts: LesionSpec[];
}

export function sampleKidneys(rng: Rng, body: BodySpec): KidneyCaseSpec {
  const leftZ = body.kidneyZ + rng.uniform(-5, 15);
  const kidneys: KidneySpec[] = [];
  for (const side of [1, -1] as const) {
    const centre: Vec3 = [
      body.spineX + side * rng.uniform(62, 80),
      body.spineY + rng.uniform(-8, 6),
      side === 1 ? leftZ - rng.uniform(5, 25) : leftZ,
    ];
    // Upper poles tilt medially, hilum turns anteromedially.
    const R = rotation(rng.uniform(-0.2, 0.2), side * rng.uniform(0.1, 0.35), side * rng.uniform(0.4, 0.8));
    kidneys.push({ side, centre, axes: [rng.uniform(24, 30), rng.uniform(19, 24), rng.uniform(48, 62)], R });
  }
  // Some patients have one kidney (nephrectomy); keep the one that will carry the tumour.
  const tumourKidney = rng.int(0, 1);
  const single = rng.bernoulli(0.1);
  const kept = single ? [kidneys[tumourKidney]!] : kidneys;
  const tumours: LesionSpec[] = [];
  const nT = rng.bernoulli(0.15) ? 2 : 1;
  for (let t = 0; t < nT; t++) {
    const k = single ? 0 : t === 0 ? tumourKidney : rng.int(0, 1);
    // Log-uniform radius 5–60 mm: from tiny to larger than the kidney.
    const r = Math.exp(rng.uniform(Math.log(5), Math.log(60)));
    tumours.push(lesionOnKidney(rng, kept[k]!, k, r, rng.uniform(0.45, 0.95)));
  }
  const cysts: LesionSpec[] = [];
  const nC = rng.bernoulli(0.4) ? rng.int(1, 2) : 0;
  for (let c = 0; c < nC; c++) {
    const k = rng.int(0, kept.length - 1);
    cysts.push(lesionOnKidney(rng, kept[k]!, k, rng.uniform(5, 18), rng.uniform(0.7, 1.0)));
  }
  return { kidneys: kept, tumours, cysts };
}

/** A lesion centred at fraction `depth` of the way from the kidney centre to its surface. */
function lesionOnKidney(rng: Rng, kd: KidneySpec, k: number, r: number, depth: number): LesionSpec {
  const u = rng.uniform(-0.9, 0.9);
  const phi = rng.uniform(0, 2 * Math.PI);
  const s = Math.sqrt(1 - u * u);
  // Local direction; avoid the hilum (local −x for both sides after rotation handling below).
  let dir: Vec3 = [s * Math.cos(phi), s * Math.sin(phi), u];
  if (dir[0] < -0.3) dir = [-dir[0], dir[1], dir[2]];
  const local: Vec3 = [dir[0] * kd.axes[0] * depth, dir[1] * kd.axes[1] * depth, dir[2] * kd.axes[2] * depth];
  const localSide: Vec3 = [local[0] * -kd.side, local[1], local[2]];
  const centre = add(kd.centre, mul(kd.R, localSide));
  const axes: Vec3 = [r * rng.uniform(0.8, 1.2), r * rng.uniform(0.8, 1.2), r * rng.uniform(0.8, 1.2)];
  return { kidney: k, centre, axes, R: rotation(rng.uniform(0, 3), rng.uniform(0, 3), rng.uniform(0, 3)) };
}

/** Paints kidneys, cysts and tumours with their labels; tumours win over kidney voxels. */
export function paintKidneys(cv: Canvas, spec: KidneyCaseSpec, body: BodySpec, rng: Rng): void {
  const img = cv.image;
  const lab = cv.label;
  const e = body.enhancement;
  for (const kd of spec.kidneys) {
    const [a0, a1, a2] = kd.axes;
    const R = kd.R;
    const solid = ellipsoid(kd.centre, kd.axes, R);
    const pyramids = Math.round(rng.uniform(6, 9));
    const cortexTex = texture(rng.fork('cortex'), 6, 10, 30);
    cv.paint(solid, (r, x, y, z, i) => {
      const px = x - kd.centre[0];
      const py = y - kd.centre[1];
      const pz = z - kd.centre[2];
      // Local coordinates with +q0 pointing toward the hilum (medial) on both sides.
      const q0 = (-kd.side * (R[0][0] * px + R[1][0] * py + R[2][0] * pz)) / a0;
      const q1 = (R[0][1] * px + R[1][1] * py + R[2][1] * pz) / a1;
      const q2 = (R[0][2] * px + R[1][2] * py + R[2][2] * pz) / a2;
      // Hilar notch: the medial-central part of the bean is open (outside the label).
      if (q0 > 0.55 && Math.hypot(q1 / 0.55, q2 / 0.45) < 1 - (q0 - 0.55)) return;
      lab[i] = 1;
      const sinus = Math.hypot((q0 - 0.35) / 0.5, q1 / 0.45, q2 / 0.62);
      if (sinus < 1) {
        // Renal sinus: fat with enhancing vessels and the collecting system.
        const vessel = Math.abs(q1) < 0.08 && Math.abs(Math.sin(q2 * 9)) < 0.35;
        img[i] = vessel ? 200 * e : -60;
        return;
      }
      if (r > 0.78) {
        img[i] = 175 * e + 12 * cortexTex(x, y, z);
        return;
      }
      const theta = Math.atan2(q2, q1);
      img[i] = Math.cos(pyramids * theta) > -0.1 ? 70 * e : 165 * e;
    });
  }
  for (const c of spec.cysts) {
    cv.paint(ellipsoid(c.centre, c.axes, c.R), (r, _x, _y, _z, i) => {
      img[i] = r > 0.93 ? 40 : rng.uniform(2, 14);
      lab[i] = 1;
    });
  }
  for (const t of spec.tumours) {
    const tex = texture(rng.fork('tumour'), 10, 6, 25);
    const base = rng.uniform(75, 130) * e;
    const rMin = Math.min(...t.axes);
    const necrosis = rMin > 12 ? rng.uniform(0.3, 0.6) : 0;
    const core = rng.uniform(15, 35);
    cv.paint(ellipsoid(t.centre, t.axes, t.R), (r, x, y, z, i) => {
      // A tumour displaces soft tissue but not bone.
      if (img[i]! >= 400 && lab[i] === 0) return;
      const n = tex(x, y, z);
      img[i] = r < necrosis + 0.1 * n ? core + 8 * n : base + 30 * n;
      lab[i] = 2;
    });
  }
  // Renal vessels from the aorta/IVC level to each hilum (unlabelled).
  for (const kd of spec.kidneys) {
    const hilum = add(kd.centre, mul(kd.R, [kd.side * -kd.axes[0] * 0.8, 0, 0]));
    const aortaPt: Vec3 = [body.spineX - 12, body.spineY + body.vertebraR + 14, kd.centre[2] + 5];
    cv.paint(capsule(aortaPt, hilum, 3.2), (_r, _x, _y, _z, i) => {
      if (lab[i] === 0) img[i] = 260 * e;
    });
  }
}
