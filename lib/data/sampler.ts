/**
 * Patch sampling with class-aware centres, seeded. A centre is drawn by one of three modes —
 * `tumor` (a tumour voxel), `foreground` (any kidney or tumour voxel), `random` (any voxel) — with
 * configured probabilities (boundary-aware paper: 0.8 / 0.1 / 0.1), or nnU-Net's rule (a third of
 * patches forced onto a foreground class chosen uniformly among those present). Patches reaching
 * outside the volume are padded.
 */
import type { Shape3D } from '../core/types.js';
import type { Rng } from '../rng/rng.js';

export type CentreMode = 'tumor' | 'foreground' | 'random';
export type CentreRule = { readonly tumor: number; readonly foreground: number; readonly random: number } | 'nnunet';

/** Voxel indices of each class (at most `cap` each, sampled), computed once per case. */
export interface ClassLocations {
  readonly tumor: Int32Array;
  readonly foreground: Int32Array;
  readonly kidney: Int32Array;
}

export function classLocations(label: ArrayLike<number>, rng: Rng, cap = 10000): ClassLocations {
  const t: number[] = [];
  const k: number[] = [];
  for (let i = 0; i < label.length; i++) {
    if (label[i] === 2) t.push(i);
    else if (label[i] === 1) k.push(i);
  }
  const sub = (xs: number[]) => Int32Array.from(xs.length <= cap ? xs : Array.from({ length: cap }, () => xs[rng.int(0, xs.length - 1)]!));
  return { tumor: sub(t), kidney: sub(k), foreground: sub([...t, ...k]) };
}

/** Draws a centre mode; a mode whose class is absent falls to the next (tumor → foreground → random). */
export function drawMode(rule: CentreRule, locs: ClassLocations, rng: Rng): { mode: CentreMode; pool: Int32Array | null } {
  if (rule === 'nnunet') {
    if (!rng.bernoulli(1 / 3)) return { mode: 'random', pool: null };
    const present = [locs.kidney, locs.tumor].filter((l) => l.length > 0);
    if (present.length === 0) return { mode: 'random', pool: null };
    const pool = rng.pick(present);
    return { mode: pool === locs.tumor ? 'tumor' : 'foreground', pool };
  }
  const u = rng.next() * (rule.tumor + rule.foreground + rule.random);
  if (u < rule.tumor && locs.tumor.length > 0) return { mode: 'tumor', pool: locs.tumor };
  if (u < rule.tumor + rule.foreground && locs.foreground.length > 0) return { mode: 'foreground', pool: locs.foreground };
  return { mode: 'random', pool: null };
}

/** A patch centre `[d, h, w]` and the mode that chose it. */
export function sampleCentre(shape: Shape3D, rule: CentreRule, locs: ClassLocations, rng: Rng): { centre: Shape3D; mode: CentreMode } {
  const { mode, pool } = drawMode(rule, locs, rng);
  const [, H, W] = shape;
  if (pool === null) return { centre: [rng.int(0, shape[0] - 1), rng.int(0, H - 1), rng.int(0, W - 1)], mode };
  const i = pool[rng.int(0, pool.length - 1)]!;
  return { centre: [Math.floor(i / (H * W)), Math.floor(i / W) % H, i % W], mode };
}

