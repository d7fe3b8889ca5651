/**
 * Geometry primitives for the phantom painter: rotated ellipsoids and capsules in patient
 * millimetres (x right, y anterior, z superior), each with a bounding box so painting visits
 * only the voxels it can touch.
 */

export type Vec3 = [number, number, number];
export type Mat3 = [Vec3, Vec3, Vec3];

/** Rotation matrix from Euler angles (radians) about x, then y, then z. */
export function rotation(ax: number, ay: number, az: number): Mat3 {
  const [cx, sx, cy, sy, cz, sz] = [
    Math.cos(ax),
    Math.sin(ax),
    Math.cos(ay),
    Math.sin(ay),
    Math.cos(az),
    Math.sin(az),
  ];
  // Rz · Ry · Rx
  return [
    [cz * cy, cz * sy * sx - sz * cx, cz * sy * cx + sz * sx],
    [sz * cy, sz * sy * sx + cz * cx, sz * sy * cx - cz * sx],
    [-sy, cy * sx, cy * cx],
  ];
}

export const IDENTITY: Mat3 = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
];

/** A solid with a normalised "radius": ≤ 1 inside, > 1 outside, and a world bounding box. */
export interface Solid {
  /** Normalised radius at a world point (ellipsoid: √Σ(qᵢ/aᵢ)²; capsule: distance / radius). */
  radius(x: number, y: number, z: number): number;
  readonly min: Vec3;
  readonly max: Vec3;
}

/** An ellipsoid with centre `c`, semi-axes `a` (mm) and rotation `R` (local → world). */
export function ellipsoid(c: Vec3, a: Vec3, R: Mat3 = IDENTITY): Solid {
  // The bounding box half-extent along world axis i is √Σⱼ (R[i][j]·a[j])².
  const half = [0, 1, 2].map((i) => Math.hypot(R[i]![0]! * a[0], R[i]![1]! * a[1], R[i]![2]! * a[2]));
  return {
    radius(x, y, z) {
      const px = x - c[0];
      const py = y - c[1];
      const pz = z - c[2];
      // q = Rᵀ p
      const q0 = (R[0][0] * px + R[1][0] * py + R[2][0] * pz) / a[0];
      const q1 = (R[0][1] * px + R[1][1] * py + R[2][1] * pz) / a[1];
      const q2 = (R[0][2] * px + R[1][2] * py + R[2][2] * pz) / a[2];
      return Math.sqrt(q0 * q0 + q1 * q1 + q2 * q2);
    },
    min: [c[0] - half[0]!, c[1] - half[1]!, c[2] - half[2]!],
    max: [c[0] + half[0]!, c[1] + half[1]!, c[2] + half[2]!],
  };
}

/** A capsule (tube with round ends) from `p` to `q` with radius `r` mm. */
export function capsule(p: Vec3, q: Vec3, r: number): Solid {
  const d: Vec3 = [q[0] - p[0], q[1] - p[1], q[2] - p[2]];
  const len2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2] || 1;
  return {
    radius(x, y, z) {
      const t = Math.max(0, Math.min(1, ((x - p[0]) * d[0] + (y - p[1]) * d[1] + (z - p[2]) * d[2]) / len2));
      return Math.hypot(x - p[0] - t * d[0], y - p[1] - t * d[1], z - p[2] - t * d[2]) / r;
    },
    min: [Math.min(p[0], q[0]) - r, Math.min(p[1], q[1]) - r, Math.min(p[2], q[2]) - r],
    max: [Math.max(p[0], q[0]) + r, Math.max(p[1], q[1]) + r, Math.max(p[2], q[2]) + r],
  };
}

/** Applies a 3 × 3 matrix to a vector. */
export function mul(R: Mat3, v: Vec3): Vec3 {
  return [0, 1, 2].map((i) => R[i]![0]! * v[0] + R[i]![1]! * v[1] + R[i]![2]! * v[2]) as Vec3;
}

export function add(a: Vec3, b: Vec3, s = 1): Vec3 {
  return [a[0] + s * b[0], a[1] + s * b[1], a[2] + s * b[2]];
}
