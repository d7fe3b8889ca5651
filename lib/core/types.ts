/** Geometry types shared across kitseg. Shapes and spacings in canonical order are `[D, H, W]`. */

/** A 3D shape `[D, H, W]` in voxels. */
export type Shape3D = readonly [number, number, number];
/** Voxel spacing `[D, H, W]` in millimetres. */
export type Spacing3D = readonly [number, number, number];
/** A 4 × 4 voxel-to-world matrix (row-major), world in NIfTI RAS+ millimetres. */
export type Affine = readonly (readonly [number, number, number, number])[];
