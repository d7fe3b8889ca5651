/** A volume on the canonical grid and the way back to its source file's order (browser-safe). */
import type { Affine, Shape3D, Spacing3D } from '../core/types.js';
import type { Mat4 } from './affine.js';
import type { HeaderGeometry, Volume, VolumeToWrite } from './nifti-codec.js';
import {
  canonicalAffine,
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

/** Canonical voxels `data` (on `ref`'s grid) as the source file had them: its order, shape and geometry. */
export function likeSource(
  data: VoxelArray,
  ref: Pick<CanonicalVolume, 'orientation' | 'sourceAffine' | 'sourceGeometry'>,
): VolumeToWrite {
  return {
    data: fromCanonical(data, ref.orientation),
    shape: ref.orientation.fileShape,
    affine: ref.sourceAffine,
    ...(ref.sourceGeometry === undefined ? {} : { geometry: ref.sourceGeometry }),
  };
}
