/** Intensity augmentation of a normalised image patch, in place; each draws from the given Rng. */
import type { Shape3D } from '../../core/types.js';
import type { Rng } from '../../rng/rng.js';
import { resampleToShape } from '../resample.js';

function range(x: Float32Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of x) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** x ↦ ((x − min)/(max − min))^γ · (max − min) + min. */
export function gamma(x: Float32Array, g: number): void {
  const [lo, hi] = range(x);
  const r = hi - lo;
  if (r <= 0) return;
  for (let i = 0; i < x.length; i++) x[i] = ((x[i]! - lo) / r) ** g * r + lo;
}

export function brightness(x: Float32Array, factor: number): void {
  for (let i = 0; i < x.length; i++) x[i] = x[i]! * factor;
}

/** Scales around the mean, clipped to the original range. */
export function contrast(x: Float32Array, factor: number): void {
  const [lo, hi] = range(x);
  let mean = 0;
  for (const v of x) mean += v / x.length;
  for (let i = 0; i < x.length; i++) x[i] = Math.min(hi, Math.max(lo, (x[i]! - mean) * factor + mean));
}

export function noise(x: Float32Array, std: number, rng: Rng): void {
  for (let i = 0; i < x.length; i++) x[i] = x[i]! + rng.normal() * std;
}

/** Separable Gaussian blur (σ in voxels, one for all axes or per `[D, H, W]` axis; kernel ±3σ, edges clamped). */
export function blur(
  x: Float32Array,
  shape: Shape3D,
  sigma: number | readonly [number, number, number],
): void {
  const [H, W] = [shape[1], shape[2]];
  const tmp = new Float32Array(x.length);
  for (let axis = 0; axis < 3; axis++) {
    const s = typeof sigma === 'number' ? sigma : sigma[axis]!;
    if (s <= 0) continue;
    const r = Math.max(1, Math.ceil(3 * s));
    const k = Float64Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * s * s)));
    const ks = k.reduce((a, b) => a + b, 0);
    for (let i = 0; i < k.length; i++) k[i] = k[i]! / ks;
    const n = shape[axis]!;
    const stride = axis === 0 ? H * W : axis === 1 ? W : 1;
    for (let i = 0; i < x.length; i++) {
      const c = axis === 0 ? Math.floor(i / (H * W)) : axis === 1 ? Math.floor(i / W) % H : i % W;
      let acc = 0;
      for (let t = -r; t <= r; t++) {
        const cc = Math.min(n - 1, Math.max(0, c + t));
        acc += k[t + r]! * x[i + (cc - c) * stride]!;
      }
      tmp[i] = acc;
    }
    x.set(tmp);
  }
}

/** Down to `zoom` × the size (nearest), back up (linear). */
export function lowres(x: Float32Array, shape: Shape3D, zoom: number): void {
  const small = shape.map((n) => Math.max(1, Math.round(n * zoom))) as unknown as Shape3D;
  const down = resampleToShape(x, shape, small, 'nearest');
  x.set(resampleToShape(down.data, small, shape, 'linear').data);
}
