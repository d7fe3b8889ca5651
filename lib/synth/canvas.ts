/**
 * A voxel canvas on the canonical RAS grid `[D, H, W]` for painting phantoms: an HU image and a
 * label map, with world coordinates (mm) of every voxel centre.
 */
import type { Shape3D, Spacing3D } from '../core/types.js';
import type { Rng } from '../rng/rng.js';
import type { Solid, Vec3 } from './shapes.js';

export class Canvas {
  readonly image: Float32Array;
  readonly label: Uint8Array;

  constructor(
    readonly shape: Shape3D,
    /** `[D, H, W]` spacing in mm. */
    readonly spacingMm: Spacing3D,
    /** World position (x, y, z) of voxel (0, 0, 0). */
    readonly origin: Vec3,
    background: number,
  ) {
    const n = shape[0] * shape[1] * shape[2];
    this.image = new Float32Array(n).fill(background);
    this.label = new Uint8Array(n);
  }

  /**
   * Calls `fn(r, x, y, z, index)` for every voxel whose centre lies where the solid's normalised
   * radius is ≤ `rMax`, visiting only the solid's bounding box.
   */
  paint(solid: Solid, fn: (r: number, x: number, y: number, z: number, i: number) => void, rMax = 1): void {
    const [D, H, W] = this.shape;
    const [sz, sy, sx] = this.spacingMm;
    const [ox, oy, oz] = this.origin;
    const lo = (v: number, o: number, s: number) => Math.max(0, Math.floor((v - o) / s));
    const hi = (v: number, o: number, s: number, n: number) => Math.min(n - 1, Math.ceil((v - o) / s));
    const grow = rMax > 1 ? rMax : 1;
    const c = [0, 1, 2].map((k) => (solid.min[k]! + solid.max[k]!) / 2);
    const mn = [0, 1, 2].map((k) => c[k]! + (solid.min[k]! - c[k]!) * grow);
    const mx = [0, 1, 2].map((k) => c[k]! + (solid.max[k]! - c[k]!) * grow);
    const z0 = lo(mn[2]!, oz, sz);
    const z1 = hi(mx[2]!, oz, sz, D);
    const y0 = lo(mn[1]!, oy, sy);
    const y1 = hi(mx[1]!, oy, sy, H);
    const x0 = lo(mn[0]!, ox, sx);
    const x1 = hi(mx[0]!, ox, sx, W);
    for (let d = z0; d <= z1; d++) {
      const z = oz + d * sz;
      for (let h = y0; h <= y1; h++) {
        const y = oy + h * sy;
        let i = (d * H + h) * W + x0;
        for (let w = x0; w <= x1; w++, i++) {
          const x = ox + w * sx;
          const r = solid.radius(x, y, z);
          if (r <= rMax) fn(r, x, y, z, i);
        }
      }
    }
  }
}

/** Smooth random texture in [-1, 1]: a sum of random plane waves with wavelengths in mm. */
export function texture(rng: Rng, waves: number, minWavelength: number, maxWavelength: number) {
  const ws = Array.from({ length: waves }, () => {
    const u = rng.uniform(-1, 1);
    const phi = rng.uniform(0, 2 * Math.PI);
    const s = Math.sqrt(1 - u * u);
    const k = (2 * Math.PI) / rng.uniform(minWavelength, maxWavelength);
    return {
      kx: k * s * Math.cos(phi),
      ky: k * s * Math.sin(phi),
      kz: k * u,
      p: rng.uniform(0, 2 * Math.PI),
    };
  });
  const norm = 1 / Math.sqrt(waves / 2);
  return (x: number, y: number, z: number): number => {
    let v = 0;
    for (const w of ws) v += Math.sin(w.kx * x + w.ky * y + w.kz * z + w.p);
    return Math.max(-1, Math.min(1, v * norm * 0.5));
  };
}
