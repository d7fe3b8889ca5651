/** NIfTI-1/2 parsing and encoding on bytes in memory (browser-safe); `nifti.ts` adds files and gzip. */
import * as nifti from 'nifti-reader-js';
import { DataError } from '../core/errors.js';
import type { Affine } from '../core/types.js';
import { affineToQuatern, diagonalAffine, quaternToAffine, type Mat4 } from './affine.js';
import {
  castVoxels,
  DATATYPES,
  datatypeFromCode,
  datatypeOf,
  type NiftiDatatype,
  type VoxelArray,
} from './voxels.js';

/** A 3D volume as stored in a NIfTI file. */
export interface Volume {
  /** Voxels in file order (index i + ni·(j + nj·k)); scaled by scl_slope/scl_inter when those are set. */
  readonly data: VoxelArray;
  /** File shape `[ni, nj, nk]`. */
  readonly shape: readonly [number, number, number];
  /** Voxel-to-world (RAS+ mm) affine, row-major 4 × 4. */
  readonly affine: Affine;
  /** Datatype as stored on disk (before scaling). */
  readonly datatype: NiftiDatatype;
  /** Raw header fields, for `inspect`. */
  readonly header?: NiftiHeaderInfo;
}

/**
 * A header's geometry exactly as stored: both forms with their codes, so that a file written for a
 * case carries the input's own qform and sform, not ones re-derived from the affine.
 */
export interface HeaderGeometry {
  readonly version: 1 | 2;
  readonly qformCode: number;
  readonly sformCode: number;
  /** quatern_b, quatern_c, quatern_d. */
  readonly quatern: readonly [number, number, number];
  readonly qoffset: readonly [number, number, number];
  /** pixdim[0] (qfac) to pixdim[3]. */
  readonly pixdim: readonly [number, number, number, number];
  /** srow_x, srow_y, srow_z. */
  readonly srow: readonly (readonly [number, number, number, number])[];
  readonly xyztUnits: number;
}

/** Header fields kitseg reports. */
export interface NiftiHeaderInfo {
  readonly geometry: HeaderGeometry;
  readonly version: 1 | 2;
  readonly pixdim: readonly number[];
  readonly qformCode: number;
  readonly sformCode: number;
  readonly sclSlope: number;
  readonly sclInter: number;
  readonly description: string;
}

/** Parses an uncompressed NIfTI byte buffer; `path` names it in errors. */
export function parseNifti(raw: Uint8Array, path: string): Volume {
  // The header parser gets a small copy; voxels are decoded from `raw` without copying it whole.
  const ab = raw.buffer.slice(raw.byteOffset, raw.byteOffset + Math.min(raw.byteLength, 1024)) as ArrayBuffer;
  if (raw.byteLength < 348 || !nifti.isNIFTI(ab)) {
    throw new DataError('not a NIfTI-1/2 file (no "n+1"/"ni1"/"n+2" magic in the header)', path);
  }
  const version: 1 | 2 = nifti.isNIFTI1(ab) ? 1 : 2;
  // Readers tell the byte order from sizeof_hdr, so a wrong value is named rather than misread.
  const want = version === 1 ? 348 : 540;
  const sizeofHdr = new DataView(ab).getInt32(0, true);
  if (sizeofHdr !== want && new DataView(ab).getInt32(0, false) !== want)
    throw new DataError(`sizeof_hdr is ${sizeofHdr}: expected ${want} for a NIfTI-${version} header`, path);
  let h: nifti.NIFTI1 | nifti.NIFTI2;
  try {
    h = nifti.readHeader(ab);
  } catch (e) {
    throw new DataError(`unreadable NIfTI header (${(e as Error).message})`, path, { cause: e });
  }
  const ndim = h.dims[0]!;
  const shape = [h.dims[1]!, h.dims[2]!, ndim >= 3 ? h.dims[3]! : 1] as [number, number, number];
  const extra = h.dims.slice(4, ndim + 1).filter((d) => d > 1);
  if (ndim < 2 || ndim > 7 || extra.length > 0 || shape.some((d) => !(d >= 1))) {
    throw new DataError(`expected a 3D volume, got dim = [${h.dims.slice(0, ndim + 1).join(', ')}]`, path);
  }
  const datatype = datatypeFromCode(h.datatypeCode, path);
  const info = DATATYPES[datatype];
  const nvox = shape[0] * shape[1] * shape[2];
  const offset = voxOffset(h.vox_offset, version, path);
  const need = offset + nvox * info.bytes;
  if (raw.byteLength < need) {
    throw new DataError(
      `truncated: header promises ${nvox * info.bytes} bytes of voxel data at offset ${offset}, file has ${Math.max(0, raw.byteLength - offset)}`,
      path,
    );
  }
  const affine = headerAffine(h, ab, version, shape, path);
  const data = decodeVoxels(raw, offset, nvox, datatype, h.littleEndian);
  const scaled = applyScaling(data, h.scl_slope, h.scl_inter, path);
  const pixdim = h.pixDims.slice(0, 8);
  return {
    data: scaled,
    shape,
    affine,
    datatype,
    header: {
      geometry: readGeometry(ab, version, h.littleEndian),
      version,
      pixdim,
      qformCode: h.qform_code,
      sformCode: h.sform_code,
      sclSlope: h.scl_slope,
      sclInter: h.scl_inter,
      description: h.description,
    },
  };
}

function decodeVoxels(
  raw: Uint8Array,
  offset: number,
  n: number,
  dtype: NiftiDatatype,
  littleEndian: boolean,
): VoxelArray {
  const info = DATATYPES[dtype];
  const hostLittle = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  const start = raw.byteOffset + offset;
  if (littleEndian === hostLittle) {
    // Zero-copy view when aligned (large files: no second copy of hundreds of MB).
    if (start % info.bytes === 0) {
      const ctor = info.ctor as unknown as new (b: ArrayBufferLike, o: number, n: number) => VoxelArray;
      return new ctor(raw.buffer, start, n);
    }
    const out = new info.ctor(n);
    new Uint8Array(out.buffer).set(raw.subarray(offset, offset + n * info.bytes));
    return out;
  }
  const out = new info.ctor(n);
  const dv = new DataView(raw.buffer, start, n * info.bytes);
  const get = {
    uint8: (i: number) => dv.getUint8(i),
    int8: (i: number) => dv.getInt8(i),
    int16: (i: number) => dv.getInt16(i * 2, littleEndian),
    uint16: (i: number) => dv.getUint16(i * 2, littleEndian),
    int32: (i: number) => dv.getInt32(i * 4, littleEndian),
    uint32: (i: number) => dv.getUint32(i * 4, littleEndian),
    float32: (i: number) => dv.getFloat32(i * 4, littleEndian),
    float64: (i: number) => dv.getFloat64(i * 8, littleEndian),
  }[dtype];
  for (let i = 0; i < n; i++) out[i] = get(i);
  return out;
}

/**
 * The byte offset of the voxels: a whole number at or past the header and its 4-byte extension
 * flag (352, NIfTI-2: 544), as nibabel requires; anything else would read header bytes as voxels.
 */
function voxOffset(v: number, version: 1 | 2, path: string): number {
  const min = version === 1 ? 352 : 544;
  if (!Number.isFinite(v) || !Number.isInteger(v) || v < min)
    throw new DataError(
      `vox_offset is ${v}: expected a whole number of bytes ≥ ${min} (NIfTI-${version})`,
      path,
    );
  return v;
}

/** The largest finite float32: scaled voxels are stored as float32. */
const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Applies scl_slope/scl_inter when they change values (a slope of 0 or a non-finite slope means
 * "unset", as in nibabel). Scaling is computed in float64; a result beyond the float32 range, or a
 * non-finite intercept with a valid slope, is refused.
 */
function applyScaling(data: VoxelArray, slope: number, inter: number, path: string): VoxelArray {
  if (!Number.isFinite(slope) || slope === 0) return data;
  if (!Number.isFinite(inter))
    throw new DataError(`scl_inter is ${inter} with scl_slope ${slope}: expected a finite intercept`, path);
  if (slope === 1 && inter === 0) return data;
  const wide = data instanceof Float64Array || data instanceof Int32Array || data instanceof Uint32Array;
  const out = wide ? new Float64Array(data.length) : new Float32Array(data.length);
  for (let k = 0; k < data.length; k++) {
    const v = data[k]! * slope + inter;
    if (!wide && Math.abs(v) > FLOAT32_MAX)
      throw new DataError(
        `scl_slope ${slope} / scl_inter ${inter} scale voxel value ${data[k]} to ${v}, beyond the float32 range`,
        path,
      );
    out[k] = v;
  }
  return out;
}

/** Refuses an affine that cannot place the volume in space: non-finite, or a singular 3 × 3. */
function placeable(m: Mat4, form: string, path: string): Mat4 {
  if (!m.every((r) => r.every((x) => Number.isFinite(x))))
    throw new DataError(`${form} has non-finite entries; the volume cannot be placed in space`, path);
  const [a, b, c] = [m[0]!, m[1]!, m[2]!];
  const det =
    a[0]! * (b[1]! * c[2]! - b[2]! * c[1]!) -
    a[1]! * (b[0]! * c[2]! - b[2]! * c[0]!) +
    a[2]! * (b[0]! * c[1]! - b[1]! * c[0]!);
  const scale = [0, 1, 2].reduce((p, j) => p * Math.hypot(a[j]!, b[j]!, c[j]!), 1);
  if (!(Math.abs(det) > 1e-9 * scale) || scale === 0)
    throw new DataError(
      `${form} is singular (determinant ${det}); the volume cannot be placed in space`,
      path,
    );
  return m;
}

/** pixdim[1..3] as spacings: |pixdim| (nibabel, nifti_clib), refused when zero or non-finite. */
function spacings(pixDims: readonly number[], form: string, path: string): [number, number, number] {
  const pd = [1, 2, 3].map((i) => Math.abs(pixDims[i]!)) as [number, number, number];
  pd.forEach((p, i) => {
    if (!Number.isFinite(p) || p === 0)
      throw new DataError(
        `pixdim[${i + 1}] is ${pixDims[i + 1]}: the ${form} needs a finite, nonzero voxel size`,
        path,
      );
  });
  return pd;
}

/** Byte offsets of the geometry fields in a NIfTI-1 and a NIfTI-2 header. */
const GEOMETRY_LAYOUT = {
  1: { float: 4, code: 2, pixdim: 76, qformCode: 252, sformCode: 254, quatern: 256, srow: 280, units: 123 },
  2: { float: 8, code: 4, pixdim: 104, qformCode: 344, sformCode: 348, quatern: 352, srow: 400, units: 500 },
} as const;

function readGeometry(ab: ArrayBuffer, version: 1 | 2, le: boolean): HeaderGeometry {
  const L = GEOMETRY_LAYOUT[version];
  const dv = new DataView(ab);
  const float = (o: number) => (L.float === 4 ? dv.getFloat32(o, le) : dv.getFloat64(o, le));
  const code = (o: number) => (L.code === 2 ? dv.getInt16(o, le) : dv.getInt32(o, le));
  const floats = (o: number, n: number) => Array.from({ length: n }, (_, i) => float(o + L.float * i));
  return {
    version,
    qformCode: code(L.qformCode),
    sformCode: code(L.sformCode),
    quatern: floats(L.quatern, 3) as [number, number, number],
    qoffset: floats(L.quatern + 3 * L.float, 3) as [number, number, number],
    pixdim: floats(L.pixdim, 4) as [number, number, number, number],
    srow: [0, 1, 2].map((r) => floats(L.srow + 4 * L.float * r, 4) as [number, number, number, number]),
    xyztUnits: version === 1 ? dv.getUint8(L.units) : dv.getInt32(L.units, le),
  };
}

/**
 * The voxel-to-world affine as nibabel chooses it: the sform when its code is set, else the qform,
 * else nibabel's fallback (|pixdim| on the diagonal, x flipped, centred on the volume). Geometry
 * that cannot be placed in space is refused with the field named.
 */
function headerAffine(
  h: nifti.NIFTI1 | nifti.NIFTI2,
  ab: ArrayBuffer,
  version: 1 | 2,
  shape: readonly [number, number, number],
  path: string,
): Mat4 {
  if (h.sform_code > 0) {
    if (version === 2) return placeable(h.affine.map((r) => [...r]) as Mat4, 'the sform (srow_x/y/z)', path);
    const dv = new DataView(ab);
    const row = (o: number) =>
      [0, 1, 2, 3].map((k) => dv.getFloat32(o + 4 * k, h.littleEndian)) as [number, number, number, number];
    return placeable([row(280), row(296), row(312), [0, 0, 0, 1]], 'the sform (srow_x/y/z)', path);
  }
  if (h.qform_code > 0) {
    const q = [h.quatern_b, h.quatern_c, h.quatern_d];
    const off = [h.qoffset_x, h.qoffset_y, h.qoffset_z] as [number, number, number];
    if (!q.every(Number.isFinite) || !off.every(Number.isFinite))
      throw new DataError(
        `qform quatern_b/c/d ${q.join(', ')} or qoffset ${off.join(', ')} are not finite`,
        path,
      );
    // nibabel's tolerance for |(b, c, d)| > 1 (float32 rounding); beyond it there is no rotation.
    const n2 = q[0]! ** 2 + q[1]! ** 2 + q[2]! ** 2;
    if (n2 > 1 + 3 * 1.1920929e-7)
      throw new DataError(
        `qform quatern_b/c/d (${q.join(', ')}) have norm ${Math.sqrt(n2)} > 1: not a rotation`,
        path,
      );
    const pd = spacings(h.pixDims, 'qform', path);
    return placeable(
      quaternToAffine(q[0]!, q[1]!, q[2]!, off, pd, h.pixDims[0]! < 0 ? -1 : 1),
      'the qform',
      path,
    );
  }
  // nibabel's base affine (shape_zoom_affine with an x flip): voxel centre of the volume at 0.
  const z = spacings(h.pixDims, 'fallback affine (no sform or qform)', path);
  const zooms = [-z[0], z[1], z[2]];
  const origin = shape.map((n) => (n - 1) / 2);
  return diagonalAffine(
    zooms,
    zooms.map((zz, i) => -origin[i]! * zz),
  );
}

/** What to write: voxels in file order, the file shape and the affine. */
export interface VolumeToWrite {
  readonly data: ArrayLike<number>;
  readonly shape: readonly [number, number, number];
  readonly affine: Affine;
  /**
   * The source header's geometry, written back as it was (version, codes, qform, sform); without
   * it, NIfTI-1 with sform and qform (codes 1) derived from `affine`.
   */
  readonly geometry?: HeaderGeometry;
}

/** The header, then the voxels as a view of the caller's array (not copied); `path` names it in errors. */
export function encodeNiftiParts(
  vol: VolumeToWrite,
  datatype: NiftiDatatype | undefined,
  path: string,
): [Uint8Array, Uint8Array] {
  const [ni, nj, nk] = vol.shape;
  const nvox = ni * nj * nk;
  if (vol.data.length !== nvox) {
    throw new DataError(
      `writeNifti: shape [${vol.shape.join(', ')}] needs ${nvox} voxels, got ${vol.data.length}`,
      path,
    );
  }
  const dtype =
    datatype ?? (ArrayBuffer.isView(vol.data) ? datatypeOf(vol.data as unknown as VoxelArray) : 'float32');
  const info = DATATYPES[dtype];
  const voxels = vol.data instanceof info.ctor ? (vol.data as VoxelArray) : castVoxels(vol.data, dtype, path);
  const bytes = new Uint8Array(voxels.buffer, voxels.byteOffset, voxels.byteLength);
  if (vol.geometry?.version === 2) return [encodeNifti2(vol, dtype, vol.geometry), bytes];
  const out = new Uint8Array(352);
  const dv = new DataView(out.buffer);
  const le = true;
  const q = affineToQuatern(vol.affine);
  dv.setInt32(0, 348, le);
  out[38] = 'r'.charCodeAt(0);
  [3, ni, nj, nk, 1, 1, 1, 1].forEach((d, i) => dv.setInt16(40 + 2 * i, d, le));
  dv.setInt16(70, info.code, le);
  dv.setInt16(72, info.bytes * 8, le);
  [q.qfac, q.pixdim[0], q.pixdim[1], q.pixdim[2], 1, 1, 1, 1].forEach((p, i) =>
    dv.setFloat32(76 + 4 * i, p, le),
  );
  dv.setFloat32(108, 352, le);
  dv.setFloat32(112, 1, le);
  dv.setFloat32(116, 0, le);
  out[123] = 2 | 8; // mm, seconds
  const descrip = 'kitseg';
  for (let i = 0; i < descrip.length; i++) out[148 + i] = descrip.charCodeAt(i);
  dv.setInt16(252, 1, le); // qform_code: scanner
  dv.setInt16(254, 1, le); // sform_code: scanner
  dv.setFloat32(256, q.b, le);
  dv.setFloat32(260, q.c, le);
  dv.setFloat32(264, q.d, le);
  for (let r = 0; r < 3; r++) {
    dv.setFloat32(268 + 4 * r, vol.affine[r]![3]!, le);
    for (let c = 0; c < 4; c++) dv.setFloat32(280 + 16 * r + 4 * c, vol.affine[r]![c]!, le);
  }
  if (vol.geometry !== undefined) writeGeometry(dv, vol.geometry);
  out.set([0x6e, 0x2b, 0x31, 0x00], 344); // "n+1\0"
  return [out, bytes];
}

/** Overwrites a header's geometry fields with `g`'s, as they were read. */
function writeGeometry(dv: DataView, g: HeaderGeometry): void {
  const L = GEOMETRY_LAYOUT[g.version];
  const le = true;
  const float = (o: number, v: number) => (L.float === 4 ? dv.setFloat32(o, v, le) : dv.setFloat64(o, v, le));
  const code = (o: number, v: number) => (L.code === 2 ? dv.setInt16(o, v, le) : dv.setInt32(o, v, le));
  code(L.qformCode, g.qformCode);
  code(L.sformCode, g.sformCode);
  [...g.quatern, ...g.qoffset].forEach((v, i) => float(L.quatern + L.float * i, v));
  g.pixdim.forEach((v, i) => float(L.pixdim + L.float * i, v));
  g.srow.forEach((row, r) => row.forEach((v, c) => float(L.srow + L.float * (4 * r + c), v)));
  if (g.version === 1) dv.setUint8(L.units, g.xyztUnits);
  else dv.setInt32(L.units, g.xyztUnits, le);
}

/** A NIfTI-2 single file (540-byte header, voxels at 544) with `g`'s geometry. */
function encodeNifti2(vol: VolumeToWrite, dtype: NiftiDatatype, g: HeaderGeometry): Uint8Array {
  const info = DATATYPES[dtype];
  const [ni, nj, nk] = vol.shape;
  const out = new Uint8Array(544);
  const dv = new DataView(out.buffer);
  const le = true;
  dv.setInt32(0, 540, le);
  out.set([0x6e, 0x2b, 0x32, 0x00, 0x0d, 0x0a, 0x1a, 0x0a], 4); // "n+2\0\r\n\032\n"
  dv.setInt16(12, info.code, le);
  dv.setInt16(14, info.bytes * 8, le);
  [3, ni, nj, nk, 1, 1, 1, 1].forEach((d, i) => dv.setBigInt64(16 + 8 * i, BigInt(d), le));
  [0, 0, 0, 0, 1, 1, 1, 1].forEach((p, i) => dv.setFloat64(104 + 8 * i, p, le));
  dv.setBigInt64(168, 544n, le);
  dv.setFloat64(176, 1, le);
  dv.setFloat64(184, 0, le);
  const descrip = 'kitseg';
  for (let i = 0; i < descrip.length; i++) out[240 + i] = descrip.charCodeAt(i);
  writeGeometry(dv, g);
  return out;
}
