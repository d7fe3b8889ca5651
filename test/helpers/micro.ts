/** The micro experiments of the experiment tests: a tiny 3D U-Net on three small phantoms. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { writeSyntheticDataset } from '../../lib/synth/dataset.js';

export interface MicroOptions {
  /** Pins the run to the cpu backend (bit-exact resume comparisons). */
  readonly cpu?: boolean;
  /** Merged over the `train` block (1 epoch of 2 steps by default). */
  readonly train?: Readonly<Record<string, unknown>>;
}

/** Writes the three-case dataset `dir/data` and the config `dir/tiny.yaml` over it; returns the config. */
export function writeMicroConfig(dir: string, o: MicroOptions = {}): string {
  const data = join(dir, 'data');
  writeSyntheticDataset({ out: data, cases: 3, seed: 6, preset: 'small' });
  const cfg = {
    ...(o.cpu === true ? { backend: 'cpu' } : {}),
    data: { root: data, splits: { val: 1 } },
    preprocess: { spacing: [6, 6, 6], normalization: { type: 'window' } },
    model: { type: 'unet3d', baseFilters: 4, maxFilters: 8, poolSchedule: [[2, 2, 2]] },
    train: { epochs: 1, iterationsPerEpoch: 2, patchSize: [8, 16, 16], valPatches: 2, ...o.train },
    inference: { overlap: 0, batchSize: 16 },
  };
  const file = join(dir, 'tiny.yaml');
  writeFileSync(file, stringify(cfg));
  return file;
}

/** Writes the experiment file `dir/micro.yaml` (`variants`: its YAML list, `tiny`: that scale's sets). */
export function writeMicroExperiment(dir: string, variants: string, tiny: readonly string[] = []): string {
  const file = join(dir, 'micro.yaml');
  writeFileSync(
    file,
    `name: micro\npaper: a test\ntable: T1\nscales:\n  tiny:\n    set: ${JSON.stringify(tiny)}\nvariants:\n${variants}`,
  );
  return file;
}

/** `experiment` options keeping runs and results under `dir`, quietly. */
export function microArgs(dir: string): string[] {
  return ['--runs', join(dir, 'runs'), '--results', join(dir, 'results'), '--log-level', 'silent'];
}
