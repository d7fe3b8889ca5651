/**
 * Volumes on the canonical grid (see `orientation.ts`), remembering how to go back: whatever is
 * computed on a `CanonicalVolume` is written with `writeLikeSource` in the source file's exact
 * shape and affine, so it overlays the input CT in ITK-SNAP or 3D Slicer.
 */
import type { Affine, Shape3D, Spacing3D } from '../core/types.js';
import type { Mat4 } from './affine.js';
import { readNifti, writeNifti, type HeaderGeometry, type Volume } from './nifti.js';
import {
  canonicalAffine,
  canonicalToFileIndex,
  canonicalShape,
  canonicalSpacing,
  fromCanonical,
  orientationFor,
  toCanonical,
  type Orientation,
} from './orientation.js';
import type { NiftiDatatype, VoxelArray } from './voxels.js';

export interface CanonicalVolume {
  /** Voxels `[D, H, W]`, W fastest. */
  readonly data: VoxelArray;
  readonly shape: Shape3D;
  readonly spacingMm: Spacing3D;
  /** Affine of the canonical grid (voxel (w, h, d) → world mm). */
  readonly affine: Mat4;
  /** How the source file maps onto the canonical grid. */
  readonly orientation: Orientation;
  /** The source file's own affine, written back unchanged. */
  readonly sourceAffine: Affine;
  /** The source header's geometry (both forms, their codes, the NIfTI version), written back as read. */
  readonly sourceGeometry?: HeaderGeometry;
  readonly datatype: NiftiDatatype;
  /** The header's scl_slope / scl_inter when they changed the stored values, else null. */
  readonly scaling: { readonly slope: number; readonly inter: number } | null;
}

/** Brings a file-order volume onto the canonical grid. */
export function canonicalize(v: Volume): CanonicalVolume {
  const o = orientationFor(v.affine, v.shape);
  return {
    data: toCanonical(v.data, o),
    shape: canonicalShape(o),
    spacingMm: canonicalSpacing(o, v.affine),
    affine: canonicalAffine(o, v.affine),
    orientation: o,
    sourceAffine: v.affine,
    ...(v.header === undefined ? {} : { sourceGeometry: v.header.geometry }),
    datatype: v.datatype,
    scaling: scalingOf(v),
  };
}

function scalingOf(v: Volume): CanonicalVolume['scaling'] {
  const slope = v.header?.sclSlope ?? 0;
  const inter = v.header?.sclInter ?? 0;
  if (!Number.isFinite(slope) || slope === 0 || (slope === 1 && inter === 0)) return null;
  return { slope, inter };
}

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
  writeNifti(
    path,
    {
      data: fromCanonical(data, ref.orientation),
      shape: ref.orientation.fileShape,
      affine: ref.sourceAffine,
      ...(ref.sourceGeometry === undefined ? {} : { geometry: ref.sourceGeometry }),
    },
    datatype,
  );
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
