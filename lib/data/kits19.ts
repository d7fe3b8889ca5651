/**
 * The KiTS19 dataset layout: `ROOT/case_XXXXX/imaging.nii.gz` plus `segmentation.nii.gz` (absent
 * for test cases), optionally `ROOT/kits.json`. Cases are discovered by name pattern in sorted
 * order and loaded onto the canonical grid with their geometry and labels validated.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DataError, IoError } from '../core/errors.js';
import { affinesClose } from '../io/affine.js';
import { readCanonical } from '../io/canonical.js';
import type { CanonicalVolume } from '../io/canonical-volume.js';
import type { LabelSet } from '../core/labels.js';
import { assertFinite, assertKitsLabels } from './labels.js';

export const CASE_PATTERN = /^case_\d{5}$/;
/** The tissue map `kitseg synth --from-labels --randomize` writes beside a case's imaging. */
export const TISSUE_FILE = 'tissue.nii.gz';

/** One case folder. */
export interface CaseRef {
  readonly id: string;
  readonly imagingPath: string;
  /** Absent for unlabelled (test) cases. */
  readonly segmentationPath: string | undefined;
}

/** A loaded case on the canonical grid. */
export interface LoadedCase {
  readonly ref: CaseRef;
  readonly image: CanonicalVolume;
  readonly label: CanonicalVolume | undefined;
}

function firstExisting(dir: string, names: readonly string[]): string | undefined {
  for (const n of names) if (existsSync(join(dir, n))) return join(dir, n);
  return undefined;
}

/**
 * Lists the cases of a dataset folder, sorted by id.
 * @param requireImaging when false, label-only folders (e.g. the shared KiTS19 labels) are listed too.
 * @throws IoError when the folder is missing; DataError when it holds no case or a case lacks imaging.
 */
export function discoverCases(root: string, requireImaging = true): CaseRef[] {
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new IoError('dataset folder not found (run `kitseg synth` to make the synthetic one)', root);
  }
  const ids = readdirSync(root)
    .filter((n) => CASE_PATTERN.test(n) && statSync(join(root, n)).isDirectory())
    .sort();
  if (ids.length === 0) throw new DataError('no case_XXXXX folders in the dataset folder', root);
  return ids.map((id) => {
    const dir = join(root, id);
    const imagingPath = firstExisting(dir, ['imaging.nii.gz', 'imaging.nii']);
    const segmentationPath = firstExisting(dir, ['segmentation.nii.gz', 'segmentation.nii']);
    if (imagingPath === undefined && requireImaging) {
      throw new DataError('missing imaging.nii.gz', dir);
    }
    return { id, imagingPath: imagingPath ?? join(dir, 'imaging.nii.gz'), segmentationPath };
  });
}

/**
 * Loads a case onto the canonical grid and validates it: finite image voxels, labels of the
 * label set, and image and segmentation sharing shape and affine.
 */
export function loadCase(ref: CaseRef, labels: LabelSet = 'kits19'): LoadedCase {
  const image = readCanonical(ref.imagingPath);
  assertFinite(image.data, ref.imagingPath);
  if (ref.segmentationPath === undefined) return { ref, image, label: undefined };
  const label = readCanonical(ref.segmentationPath);
  assertSameGeometry(image, label, ref.segmentationPath);
  assertKitsLabels(label.data, ref.segmentationPath, label.scaling, labels);
  return { ref, image, label };
}

/** A case's tissue map (for `data.render`), on the imaging's grid. */
export function loadTissue(c: LoadedCase): CanonicalVolume {
  const path = join(dirname(c.ref.imagingPath), TISSUE_FILE);
  if (!existsSync(path))
    throw new IoError(
      `missing ${TISSUE_FILE}: data.render re-shades training patches from the tissue maps that \`kitseg synth --from-labels --randomize\` writes (or set data.render: null)`,
      path,
    );
  const t = readCanonical(path);
  assertSameGeometry(c.image, t, path);
  return t;
}

/** Checks that a volume shares the reference's file shape and affine; `refName` names the reference. */
export function assertSameGeometry(
  ref: CanonicalVolume,
  other: CanonicalVolume,
  path: string,
  refName = 'imaging',
): void {
  const a = ref.orientation.fileShape;
  const b = other.orientation.fileShape;
  if (a.some((v, i) => v !== b[i])) {
    throw new DataError(`shape [${b.join(', ')}] differs from the ${refName} shape [${a.join(', ')}]`, path);
  }
  if (!affinesClose(ref.sourceAffine, other.sourceAffine)) {
    const fmt = (m: typeof ref.sourceAffine) => JSON.stringify(m.slice(0, 3).map((r) => r.map((v) => +v.toFixed(4))));
    throw new DataError(`affine ${fmt(other.sourceAffine)} differs from the ${refName} affine ${fmt(ref.sourceAffine)}`, path);
  }
}
