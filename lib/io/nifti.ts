/**
 * NIfTI-1 (and NIfTI-2) reading and NIfTI-1 writing with exact geometry.
 *
 * A `Volume` holds voxels in file order (first axis fastest, as stored), the file's shape and its
 * voxel-to-world affine: the sform when `sform_code > 0`, else the qform when `qform_code > 0`,
 * else pixdim scaling (the nibabel rule). Writing stores the affine in both sform and qform with
 * consistent pixdim, so every file kitseg writes for a case reproduces the input's geometry.
 * Reorientation to the canonical voxel order lives in `orientation.ts`.
 */
import { readFileSync } from 'node:fs';
import { constants as zc, crc32, deflateRawSync, gunzipSync } from 'node:zlib';
import { DataError, IoError } from '../core/errors.js';
import { writeFileAtomic } from './atomic.js';
import { concatBytes } from './bytes.js';
import type { NiftiDatatype } from './voxels.js';
import { encodeNiftiParts, parseNifti, type Volume, type VolumeToWrite } from './nifti-codec.js';

const GZIP_MAGIC = [0x1f, 0x8b];

function isGzip(buf: Uint8Array): boolean {
  return buf[0] === GZIP_MAGIC[0] && buf[1] === GZIP_MAGIC[1];
}

function readBytes(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new IoError(code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? String(e)})`, path, {
      cause: e,
    });
  }
}

/** Decompresses when gzipped; a corrupt or truncated gzip stream is a `DataError`. */
function maybeGunzip(buf: Buffer, path: string): Buffer {
  if (!isGzip(buf)) {
    if (path.endsWith('.gz')) throw new DataError('not a gzip file although the name ends in .gz', path);
    return buf;
  }
  // One output chunk of the size the gzip trailer gives (mod 2³², so only a hint): no heap of 64 KiB
  // pieces that a 600-slice CT would leave behind.
  const hint = buf.length >= 4 ? buf.readUInt32LE(buf.length - 4) : 0;
  try {
    return gunzipSync(buf, { chunkSize: Math.max(64 * 1024, hint + 1) });
  } catch (e) {
    throw new DataError(`corrupt gzip stream (${(e as Error).message})`, path, { cause: e });
  }
}

/** Reads a `.nii` or `.nii.gz` file. */
export function readNifti(path: string): Volume {
  const raw = maybeGunzip(readBytes(path), path);
  return parseNifti(raw, path);
}

/**
 * Writes a NIfTI-1 file (`.nii.gz` compressed, `.nii` not) atomically.
 * @param datatype stored type; defaults to the data's own typed-array type. Integer targets
 *   reject values that do not fit instead of clipping them.
 */
export function writeNifti(path: string, vol: VolumeToWrite, datatype?: NiftiDatatype): void {
  writeFileAtomic(path, finish(encodeNiftiParts(vol, datatype, path), path));
}

/** Encodes a volume as NIfTI bytes (NIfTI-2 when its geometry says so), gzipped when `path` ends in `.gz`. */
export function encodeNifti(
  vol: VolumeToWrite,
  datatype: NiftiDatatype | undefined,
  path: string,
): Uint8Array {
  return concatBytes([...finish(encodeNiftiParts(vol, datatype, path), path)]);
}

/** Level 6 and no mtime in the gzip header: the same volume always gives the same bytes. */
/** Input bytes per deflate call: the compressed file is produced piece by piece. */
const GZIP_PIECE = 16 * 1024 * 1024;

/**
 * `parts` as they go to disk: unchanged, or as one gzip stream (RFC 1952) made of deflate pieces
 * that each end on a byte boundary (sync flush), so no whole-file copy of the voxels is held.
 */
function* finish(parts: readonly Uint8Array[], path: string): Generator<Uint8Array> {
  if (!path.endsWith('.gz')) {
    yield* parts;
    return;
  }
  yield Uint8Array.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
  let crc = 0;
  let size = 0;
  const pieces = parts.flatMap((p) =>
    Array.from({ length: Math.max(1, Math.ceil(p.length / GZIP_PIECE)) }, (_, k) =>
      p.subarray(k * GZIP_PIECE, (k + 1) * GZIP_PIECE),
    ),
  );
  for (let k = 0; k < pieces.length; k++) {
    const piece = pieces[k]!;
    crc = crc32(piece, crc);
    size += piece.length;
    const last = k === pieces.length - 1;
    yield deflateRawSync(piece, { level: 6, finishFlush: last ? zc.Z_FINISH : zc.Z_SYNC_FLUSH });
  }
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(size % 2 ** 32, 4);
  yield trailer;
}
