/**
 * kitseg in a browser: the one entry point the web page bundles, with no Node imports (a test
 * checks the whole import graph). A bundle is fetched over HTTP and becomes the same `Pipeline`
 * that `kitseg predict --model` runs in Node: the same stages, preprocessing, sliding window, TTA,
 * cascade and post-processing code. The CT never leaves the page.
 */
import * as tf from '@tensorflow/tfjs';
import './models/layers/index.js';
import {
  BUNDLE_FORMAT,
  BundleManifestSchema,
  stageParts,
  type BundleManifest,
  type BundleStage,
} from './bundle/manifest.js';
import { traitsOf } from './config/traits.js';
import { DataError, IoError, UsageError } from './core/errors.js';
import { LABEL_SCHEMES } from './core/labels.js';
import { assertFinite } from './data/labels.js';
import { assemblePipeline, type Pipeline } from './inference/cascade.js';
import { makeStage, type Stage } from './inference/stage.js';
import { stageLocalizer } from './inference/stage-localizer.js';
import { canonicalize, likeSource, type CanonicalVolume } from './io/canonical-volume.js';
import { encodeNiftiParts, parseNifti } from './io/nifti-codec.js';

export type { BundleManifest } from './bundle/manifest.js';
export type { Pipeline } from './inference/cascade.js';

async function fetchJson(url: string): Promise<unknown> {
  const res = await fetch(url);
  if (!res.ok) throw new IoError(`HTTP ${res.status} ${res.statusText}`, url);
  try {
    return await res.json();
  } catch (e) {
    throw new DataError(`not valid JSON (${(e as Error).message})`, url, { cause: e });
  }
}

/** Validates a fetched manifest as `readBundle` does on disk: format first, then the schema. */
export function parseManifest(raw: unknown, url: string): BundleManifest {
  const format = (raw as { format?: unknown } | null)?.format;
  if (typeof format === 'number' && format > BUNDLE_FORMAT)
    throw new DataError(`bundle format ${format} is newer than this kitseg reads (${BUNDLE_FORMAT})`, url);
  const r = BundleManifestSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new DataError(`bundle key ${issue.path.join('.') || '(root)'}: ${issue.message}`, url);
  }
  return r.data;
}

async function fetchStage(base: string, s: BundleStage): Promise<Stage> {
  const { cfg, plan } = stageParts(s);
  if (traitsOf(cfg).task !== 'segmentation')
    throw new UsageError(`${cfg.name}: a ${cfg.model.type} stage does not run in the browser yet`);
  const models = await Promise.all(s.models.map((m) => tf.loadLayersModel(`${base}/${m}/model.json`)));
  return makeStage(cfg, plan, models, { checkpoints: s.models });
}

/** Fetches the bundle at `base` (the folder URL holding bundle.json) and builds its pipeline. */
export async function fetchBundle(base: string): Promise<{ manifest: BundleManifest; pipeline: Pipeline }> {
  const url = base.replace(/\/$/, '');
  const manifest = parseManifest(await fetchJson(`${url}/bundle.json`), `${url}/bundle.json`);
  const main = await fetchStage(url, manifest.main);
  const stage1 = manifest.stage1 === null ? null : stageLocalizer(await fetchStage(url, manifest.stage1));
  return { manifest, pipeline: assemblePipeline(stageParts(manifest.main).cfg, main, stage1) };
}

async function through(
  bytes: readonly Uint8Array[],
  stream: { readonly readable: ReadableStream<Uint8Array>; readonly writable: WritableStream<Uint8Array> },
): Promise<Uint8Array> {
  const out = new Blob(bytes as unknown as ConstructorParameters<typeof Blob>[0])
    .stream()
    .pipeThrough(stream);
  return new Uint8Array(
    await new Response(out as unknown as ConstructorParameters<typeof Response>[0]).arrayBuffer(),
  );
}

/** The NIfTI file's bytes, gunzipped when they start with the gzip magic. */
export async function niftiBytes(file: Uint8Array): Promise<Uint8Array> {
  if (file[0] !== 0x1f || file[1] !== 0x8b) return file;
  return through([file], new DecompressionStream('gzip') as unknown as Parameters<typeof through>[1]);
}

export interface BrowserSegmentation {
  readonly image: CanonicalVolume;
  /** Labels on the canonical grid (post-processed). */
  readonly labels: Uint8Array;
  /** Millilitres per label name (background left out). */
  readonly volumesMl: Readonly<Record<string, number>>;
  /** The labels as a `.nii.gz` file with the input's shape and header geometry. */
  readonly nifti: Uint8Array;
  readonly seconds: number;
}

/** Segments one NIfTI file (`.nii` or `.nii.gz` bytes) with `pipeline`; `name` names it in errors. */
export async function segmentNifti(
  pipeline: Pipeline,
  manifest: BundleManifest,
  file: Uint8Array,
  name: string,
  onWindow?: (stage: string, done: number, total: number) => void,
): Promise<BrowserSegmentation> {
  const t0 = performance.now();
  const image = canonicalize(parseNifti(await niftiBytes(file), name));
  assertFinite(image.data, name);
  const seg = pipeline.segment(image, { keepRaw: false, ...(onWindow === undefined ? {} : { onWindow }) });
  const names = LABEL_SCHEMES[manifest.labels.set].names;
  const counts = new Array<number>(names.length).fill(0);
  for (const l of seg.labels) counts[l] = counts[l]! + 1;
  const voxelMl = image.spacingMm.reduce((a, b) => a * b, 1) / 1000;
  const volumesMl = Object.fromEntries(names.slice(1).map((n, k) => [n, counts[k + 1]! * voxelMl]));
  const parts = encodeNiftiParts(likeSource(seg.labels, image), 'uint8', name);
  const nifti = await through(
    parts,
    new CompressionStream('gzip') as unknown as Parameters<typeof through>[1],
  );
  return { image, labels: seg.labels, volumesMl, nifti, seconds: (performance.now() - t0) / 1000 };
}
