/**
 * Registration-based augmentation (Wei et al.): moving training cases are registered non-rigidly
 * onto hard (fixed) cases; the moving image and labels warped onto each fixed grid become new
 * labelled cases in the KiTS layout (`case_9XXXX`, the fixed case's geometry), with a per-pair
 * report of the similarity before and after.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { loadCase, type CaseRef, type LoadedCase } from '../data/kits19.js';
import { writeJsonAtomic } from '../io/atomic.js';
import { writeLikeSource } from '../io/canonical.js';
import type { Rng } from '../rng/rng.js';
import { register, warpToFixed, type RegistrationOptions, type RegVolume } from './register.js';

/** Read outside the moving volume. */
const AIR_HU = -1024;

export interface PairReport {
  readonly id: string;
  readonly fixed: string;
  readonly moving: string;
  readonly nccBefore: number;
  readonly nccAfter: number;
  readonly seconds: number;
}

/** A canonical case as a registration volume (axis-aligned: origin from the affine's translation). */
export function regVolume(c: LoadedCase): RegVolume {
  const a = c.image.affine;
  // Canonical voxel (w, h, d) → world; D ↔ row 2, H ↔ row 1, W ↔ row 0.
  return {
    data: c.image.data,
    shape: c.image.shape,
    spacingMm: c.image.spacingMm,
    originMm: [a[2]![3]!, a[1]![3]!, a[0]![3]!],
  };
}

/**
 * Picks hard cases (the given ids, in order) and `perHard` moving cases for each (seeded, from
 * `pool` without the fixed case), registers and writes every pair into `outDir`.
 */
export function registrationAugment(
  hard: readonly CaseRef[],
  pool: readonly CaseRef[],
  perHard: number,
  outDir: string,
  opts: RegistrationOptions,
  rng: Rng,
  log: Logger,
): PairReport[] {
  if (hard.length === 0) throw new DataError('no hard (fixed) case to register onto', outDir);
  mkdirSync(outDir, { recursive: true });
  const reports: PairReport[] = [];
  let k = 0;
  for (const f of hard) {
    const candidates = pool.filter((r) => r.id !== f.id && r.segmentationPath !== undefined);
    if (candidates.length < perHard)
      throw new DataError(
        `--per-hard ${perHard}: only ${candidates.length} other labelled cases to register onto ${f.id}`,
        outDir,
      );
    const moving = rng.shuffle([...candidates]).slice(0, perHard);
    const fixed = loadCase(f);
    const fv = regVolume(fixed);
    for (const m of moving) {
      const t0 = performance.now();
      const mc = loadCase(m);
      const mv = regVolume(mc);
      const reg = register(fv, mv, opts);
      const warped = warpToFixed(reg, fv, mv, mc.label!.data, AIR_HU);
      const id = `case_${String(90000 + k).padStart(5, '0')}`;
      k++;
      const dir = join(outDir, id);
      mkdirSync(dir, { recursive: true });
      writeLikeSource(join(dir, 'imaging.nii.gz'), warped.image, fixed.image, 'float32');
      writeLikeSource(join(dir, 'segmentation.nii.gz'), warped.labels, fixed.image, 'uint8');
      const r: PairReport = {
        id,
        fixed: f.id,
        moving: m.id,
        nccBefore: reg.nccBefore,
        nccAfter: reg.nccAfter,
        seconds: (performance.now() - t0) / 1000,
      };
      reports.push(r);
      log.info(
        `${id}: ${m.id} → ${f.id}, NCC ${r.nccBefore.toFixed(3)} → ${r.nccAfter.toFixed(3)} (${r.seconds.toFixed(1)} s)`,
      );
      writeJsonAtomic(join(outDir, 'registration.json'), { pairs: reports, options: opts });
    }
  }
  return reports;
}
