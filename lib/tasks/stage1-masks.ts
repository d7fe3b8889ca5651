/**
 * A cascade stage 2 trained as the cascade papers train it (`train.cascadeInput: stage1`): its crops
 * and prior channel come from stage 1's predictions on each train and val case. Each mask is made
 * once per run — the stage-1 run's localizer on the whole case, as inference runs it — and kept as
 * `runs/<name>/stage1/<id>.nii.gz` on the case's own grid (it overlays in ITK-SNAP), with
 * `source.json` naming the checkpoint that made them (and a hash of its weights); a resumed run reads
 * them back, and refuses them when stage 1 has been trained again since.
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
import { writeJsonAtomic } from '../io/atomic.js';
import { readCanonical, writeLikeSource } from '../io/canonical.js';
import { CHECKPOINT_FILES, type RunDir } from '../io/run-dir.js';
import { bodyBox } from '../ops/crop.js';
import { regionMask, type GridPlan } from '../preprocess/pipeline.js';

/** What made a run's stage-1 masks: the stage-1 checkpoints and a hash of each one's weights. */
interface MaskSource {
  readonly checkpoints: readonly string[];
  readonly weights: readonly string[];
}

export interface Stage1Masks {
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

function sourceOf(loc: Localizer): MaskSource {
  return { checkpoints: loc.checkpoints, weights: loc.checkpoints.map(weightsHash) };
}

/** Refuses masks made by another stage-1 checkpoint than the one the config now names. */
function checkSource(run: RunDir, now: MaskSource): void {
  const file = join(run.stage1Masks, 'source.json');
  if (!existsSync(file)) {
    mkdirSync(run.stage1Masks, { recursive: true });
    writeJsonAtomic(file, now);
    return;
  }
  const was = JSON.parse(readFileSync(file, 'utf8')) as MaskSource;
  if (JSON.stringify(was) !== JSON.stringify(now))
    throw new DataError(
      `expected stage-1 masks from ${now.checkpoints.join(', ')} (weights ${now.weights.join(', ')}), ` +
        `found masks from ${was.checkpoints.join(', ')} (weights ${was.weights.join(', ')}); remove ${run.stage1Masks} to remake them`,
      file,
    );
}

/** Stage 1's masks for the cases `refs` of the stage-2 config `cfg`, made on first use. */
export async function stage1Masks(
  cfg: Config,
  run: RunDir,
  plan: GridPlan,
  refs: readonly CaseRef[],
): Promise<Stage1Masks> {
  const cascade = cfg.inference.cascade!;
  const loc = await loadLocalizer(loadConfig(cascade.stage1), { runsDir: dirname(run.root) });
  try {
    checkSource(run, sourceOf(loc));
  } catch (e) {
    loc.dispose();
    throw e;
  }
  const byId = new Map(refs.map((r) => [r.id, r]));
  return {
    mask: (id, shape) => {
      const c = loadCase(byId.get(id)!, cfg.data.labels);
      const file = join(run.stage1Masks, `${id}.nii.gz`);
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
