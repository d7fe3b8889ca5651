/**
 * Volumes on the canonical grid (see `orientation.ts`), remembering how to go back: whatever is
 * computed on a `CanonicalVolume` is written with `writeLikeSource` in the source file's exact
 * shape and affine, so it overlays the input CT in ITK-SNAP or 3D Slicer.
 */
import { canonicalize, likeSource, type CanonicalVolume } from './canonical-volume.js';
import { readNifti, writeNifti } from './nifti.js';
import { canonicalToFileIndex } from './orientation.js';
import type { NiftiDatatype, VoxelArray } from './voxels.js';

/** Reads a NIfTI file straight onto the canonical grid. */
export function readCanonical(path: string): CanonicalVolume {
  return canonicalize(readNifti(path));
}

/**
 * Writes canonical voxels `data` (on `ref`'s grid) with the source file's shape and affine.
 * @param datatype e.g. `uint8` for labels, `float32` for probabilities.
 */
export function writeLikeSource(
  path: string,
  data: VoxelArray,
  ref: Pick<CanonicalVolume, 'orientation' | 'sourceAffine' | 'sourceGeometry'>,
  datatype?: NiftiDatatype,
): void {
  writeNifti(path, likeSource(data, ref), datatype);
}

/**
 * Writes a float32 map that `fill` paints voxel by voxel (canonical index → `index` → file order),
 * straight into the file's voxel order: no canonical copy of the map is ever held.
 */
export function writeLikeSourcePainted(
  path: string,
  fill: (out: Float32Array, index: (canonical: number) => number) => void,
  ref: Pick<CanonicalVolume, 'orientation' | 'sourceAffine' | 'sourceGeometry'>,
): void {
  const shape = ref.orientation.fileShape;
  const data = new Float32Array(shape[0] * shape[1] * shape[2]);
  fill(data, canonicalToFileIndex(ref.orientation));
  writeNifti(
    path,
    {
      data,
      shape,
      affine: ref.sourceAffine,
      ...(ref.sourceGeometry === undefined ? {} : { geometry: ref.sourceGeometry }),
    },
    'float32',
  );
}
