/** NIfTI datatypes kitseg reads and writes, and their typed-array mapping. */
import { DataError } from '../core/errors.js';

export type NiftiDatatype =
  'uint8' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64';

export type VoxelArray =
  Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

interface DatatypeInfo {
  readonly code: number;
  readonly bytes: number;
  readonly ctor: new (n: number) => VoxelArray;
  readonly min: number;
  readonly max: number;
  readonly isInteger: boolean;
}

export const DATATYPES: Record<NiftiDatatype, DatatypeInfo> = {
  uint8: { code: 2, bytes: 1, ctor: Uint8Array, min: 0, max: 255, isInteger: true },
  int16: { code: 4, bytes: 2, ctor: Int16Array, min: -32768, max: 32767, isInteger: true },
  int32: { code: 8, bytes: 4, ctor: Int32Array, min: -2147483648, max: 2147483647, isInteger: true },
  float32: { code: 16, bytes: 4, ctor: Float32Array, min: -Infinity, max: Infinity, isInteger: false },
  float64: { code: 64, bytes: 8, ctor: Float64Array, min: -Infinity, max: Infinity, isInteger: false },
  int8: { code: 256, bytes: 1, ctor: Int8Array, min: -128, max: 127, isInteger: true },
  uint16: { code: 512, bytes: 2, ctor: Uint16Array, min: 0, max: 65535, isInteger: true },
  uint32: { code: 768, bytes: 4, ctor: Uint32Array, min: 0, max: 4294967295, isInteger: true },
};

/** Names of NIfTI datatype codes kitseg does not support, for error messages. */
const UNSUPPORTED_NAMES: Record<number, string> = {
  1: 'binary',
  32: 'complex64',
  128: 'rgb24',
  1024: 'int64',
  1280: 'uint64',
  1536: 'float128',
  1792: 'complex128',
  2048: 'complex256',
  2304: 'rgba32',
};

/** The datatype with NIfTI code `code`, or a `DataError` naming the file. */
export function datatypeFromCode(code: number, path: string): NiftiDatatype {
  for (const [name, info] of Object.entries(DATATYPES)) if (info.code === code) return name as NiftiDatatype;
  const known = UNSUPPORTED_NAMES[code];
  throw new DataError(
    `unsupported NIfTI datatype ${known ?? 'code'} (${code}); kitseg reads ${Object.keys(DATATYPES).join(', ')}`,
    path,
  );
}

/** The datatype name of a typed array. */
export function datatypeOf(a: VoxelArray): NiftiDatatype {
  for (const [name, info] of Object.entries(DATATYPES))
    if (a instanceof info.ctor) return name as NiftiDatatype;
  throw new TypeError('datatypeOf: not a voxel array');
}

/**
 * Converts `data` to `dtype`. Values must fit: integers must be whole and in range, so nothing is
 * silently clipped or rounded.
 * @throws DataError naming `what` when a value does not fit.
 */
export function castVoxels(data: ArrayLike<number>, dtype: NiftiDatatype, what: string): VoxelArray {
  const info = DATATYPES[dtype];
  const out = new info.ctor(data.length);
  if (!info.isInteger) {
    for (let i = 0; i < data.length; i++) out[i] = data[i]!;
    return out;
  }
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!(v >= info.min && v <= info.max) || Math.round(v) !== v) {
      throw new DataError(
        `value ${v} at voxel ${i} does not fit datatype ${dtype} [${info.min}, ${info.max}]`,
        what,
      );
    }
    out[i] = v;
  }
  return out;
}
