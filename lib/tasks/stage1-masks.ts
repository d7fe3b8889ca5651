/**
 * A cascade stage 2 trained as the cascade papers train it (`train.cascadeInput: stage1`): its crops
 * and prior channel come from stage 1's predictions on each train and val case. Each mask is made
 * once per stage-1 checkpoint — its localizer on the whole case, as inference runs it — and kept in
 * the stage-1 run as `masks/<key>/<id>.nii.gz` on the case's own grid (it overlays in ITK-SNAP), where
 * the key hashes the checkpoint's weights and the settings that shape its output. Every stage 2
 * trained on that stage 1 (an ablation table's rows) reads the same masks. The stage 2's own
 * `stage1/source.json` names the masks it started on; a resumed stage 2 refuses others, so a stage 1
 * trained again since cannot change a stage 2's inputs halfway.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema/index.js';
import { DataError } from '../core/errors.js';
import type { Shape3D } from '../core/types.js';
import { assertSameGeometry, loadCase, type CaseRef } from '../data/kits19.js';
import { loadLocalizer, type Localizer } from '../inference/localizer.js';
import { removeDeadTemporaries, writeJsonAtomic } from '../io/atomic.js';
import { readCanonical, writeLikeSource } from '../io/canonical.js';
import { CHECKPOINT_FILES, runDirOf, type RunDir } from '../io/run-dir.js';
import { bodyBox } from '../ops/crop.js';
import { regionMask, type GridPlan } from '../preprocess/pipeline.js';

/** What made a stage 2's masks: their folder, the stage-1 checkpoints and a hash of each one's weights. */
interface MaskSource {
  readonly masks: string;
  readonly checkpoints: readonly string[];
  readonly weights: readonly string[];
}

export interface Stage1Masks {
  /** The folder the masks are kept in, inside the stage-1 run. */
  readonly dir: string;
  /** Names the masks in the stage 2's `stage1/source.json`; once its run folder has been written. */
  record(): void;
  /** Stage 1's labels of case `id` on the grid of its prepared case (`shape`), nonzero = kidney. */
  mask(id: string, shape: Shape3D): Uint8Array;
  dispose(): void;
}

/** sha256 (16 hex digits) of a checkpoint's network files: retraining stage 1 changes it. */
function weightsHash(dir: string): string {
  const h = createHash('sha256');
  const skip: readonly string[] = [CHECKPOINT_FILES.state, CHECKPOINT_FILES.optimizer];
  for (const name of readdirSync(dir).sort()) {
    const f = join(dir, name);
    if (skip.includes(name) || !statSync(f).isFile()) continue;
    h.update(name).update(readFileSync(f));
  }
  return h.digest('hex').slice(0, 16);
}

/** The shared mask folder of `loc`: its weights and the config sections that shape its labels. */
function sourceOf(loc: Localizer, runsDir: string): MaskSource {
  const weights = loc.checkpoints.map(weightsHash);
  const { preprocess, inference, postprocess } = loc.cfg;
  const key = createHash('sha256')
    .update(JSON.stringify({ weights, preprocess, inference, postprocess }))
    .digest('hex')
    .slice(0, 16);
  return { masks: runDirOf(runsDir, loc.cfg.name).masks(key), checkpoints: loc.checkpoints, weights };
}

/**
 * Refuses masks made by another stage-1 checkpoint than the one a resumed stage 2 started on, then
 * makes sure the shared mask folder exists with its own `source.json`.
 */
function checkSource(run: RunDir, now: MaskSource, resuming: boolean): void {
  const file = join(run.stage1Masks, 'source.json');
  const was = resuming && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as MaskSource) : null;
  if (was !== null && JSON.stringify(was) !== JSON.stringify(now))
    throw new DataError(
      `expected stage-1 masks from ${now.checkpoints.join(', ')} (weights ${now.weights.join(', ')}), ` +
        `found masks from ${was.checkpoints.join(', ')} (weights ${was.weights.join(', ')}); remove ${run.stage1Masks} to train on the new ones`,
      file,
    );
  mkdirSync(now.masks, { recursive: true });
  const shared = join(now.masks, 'source.json');
  if (!existsSync(shared)) writeJsonAtomic(shared, { checkpoints: now.checkpoints, weights: now.weights });
}

/** Stage 1's masks for the cases `refs` of the stage-2 config `cfg`, made on first use. */
export async function stage1Masks(
  cfg: Config,
  run: RunDir,
  plan: GridPlan,
  refs: readonly CaseRef[],
  resuming: boolean,
): Promise<Stage1Masks> {
  const cascade = cfg.inference.cascade!;
  const runsDir = dirname(run.root);
  const loc = await loadLocalizer(loadConfig(cascade.stage1), { runsDir });
  const source = sourceOf(loc, runsDir);
  try {
    checkSource(run, source, resuming);
  } catch (e) {
    loc.dispose();
    throw e;
  }
  // Another stage 2 killed while writing a mask leaves a temporary here.
  removeDeadTemporaries([source.masks]);
  const byId = new Map(refs.map((r) => [r.id, r]));
  return {
    dir: source.masks,
    record: () => {
      mkdirSync(run.stage1Masks, { recursive: true });
      writeJsonAtomic(join(run.stage1Masks, 'source.json'), source);
    },
    mask: (id, shape) => {
      const c = loadCase(byId.get(id)!, cfg.data.labels);
      const file = join(source.masks, `${id}.nii.gz`);
      let labels: ArrayLike<number>;
      if (existsSync(file)) {
        const kept = readCanonical(file);
        assertSameGeometry(c.image, kept, file, `imaging of ${id}`);
        labels = kept.data;
      } else {
        const made = loc.locate(c.image).mask;
        writeLikeSource(file, made, c.image, 'uint8');
        labels = made;
      }
      // The grid of the prepared case: its body box, resampled as the preprocessing cache does.
      const grid = regionMask(c.image, bodyBox(c.image.data, c.image.shape), plan, labels);
      if (grid.length !== shape[0] * shape[1] * shape[2])
        throw new DataError(
          `expected a mask for the prepared grid [${shape.join(', ')}], found ${grid.length} voxels`,
          file,
        );
      return Uint8Array.from(grid);
    },
    dispose: () => loc.dispose(),
  };
}
