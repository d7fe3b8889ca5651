/**
 * A filesystem `tf.io.IOHandler` (tfjs has `file://` only with tfjs-node): a model folder holds
 * `model.json` (topology + weights manifest, the standard tfjs format) and `weights.bin`, both
 * written atomically, so a checkpoint is never half-written and loads anywhere tfjs runs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { IoError } from '../core/errors.js';
import { writeFileAtomic } from './atomic.js';

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';

interface ModelJson {
  modelTopology: NonNullable<tf.io.ModelArtifacts['modelTopology']>;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  weightsManifest: tf.io.WeightsManifestConfig;
}

function concatBuffers(data: tf.io.WeightData | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  const parts = Array.isArray(data) ? data : [data];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let o = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), o);
    o += p.byteLength;
  }
  return out;
}

/** An IOHandler saving to / loading from folder `dir`. */
export function fileHandler(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const weights = concatBuffers(artifacts.weightData);
      // Weights first: model.json appearing last marks the checkpoint complete.
      writeFileAtomic(join(dir, WEIGHTS_BIN), weights);
      if (artifacts.modelTopology === undefined) throw new IoError('model has no topology to save', dir);
      const json: ModelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? 'kitseg',
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
      };
      writeFileAtomic(join(dir, MODEL_JSON), JSON.stringify(json));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          weightDataBytes: weights.byteLength,
        },
      };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const jsonPath = join(dir, MODEL_JSON);
      if (!existsSync(jsonPath)) throw new IoError('no model.json (not a kitseg checkpoint folder)', dir);
      let json: ModelJson;
      try {
        json = JSON.parse(readFileSync(jsonPath, 'utf8')) as ModelJson;
      } catch (e) {
        throw new IoError(`invalid model.json (${(e as Error).message})`, jsonPath, { cause: e });
      }
      const specs = json.weightsManifest.flatMap((g) => g.weights);
      // One weights.bin (a checkpoint) or tfjs shards (a bundle), concatenated in manifest order.
      const parts = weightPaths(json).map((f) => {
        const p = join(dir, f);
        if (!existsSync(p)) throw new IoError(`model.json names ${f}, which is missing`, p);
        return readFileSync(p);
      });
      const bin = Buffer.concat(parts);
      const expected = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * 4, 0);
      if (bin.byteLength !== expected) {
        throw new IoError(
          `the weight files hold ${bin.byteLength} bytes, the manifest needs ${expected}`,
          join(dir, weightPaths(json)[0] ?? WEIGHTS_BIN),
        );
      }
      return {
        modelTopology: json.modelTopology,
        weightSpecs: specs,
        weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer,
        ...(json.format === undefined ? {} : { format: json.format }),
      };
    },
  };
}

function weightPaths(json: ModelJson): string[] {
  return json.weightsManifest.flatMap((g) => g.paths).map((p) => p.replace(/^\.\//, ''));
}

/** The files of the model folder `dir`: model.json and the weight files its manifest names. */
export function modelFiles(dir: string): string[] {
  const jsonPath = join(dir, MODEL_JSON);
  if (!existsSync(jsonPath)) throw new IoError('no model.json here', dir);
  return [MODEL_JSON, ...weightPaths(JSON.parse(readFileSync(jsonPath, 'utf8')) as ModelJson)];
}

/**
 * Copies the model folder `src` to `out` with its weights as tfjs shards of at most `shardBytes`
 * (`group1-shard1ofN.bin`, …), the layout tfjs's own converter writes and browsers cache well.
 */
export function writeSharded(src: string, out: string, shardBytes = 4 * 2 ** 20): void {
  const json = JSON.parse(readFileSync(join(src, MODEL_JSON), 'utf8')) as ModelJson;
  const bin = Buffer.concat(weightPaths(json).map((f) => readFileSync(join(src, f))));
  const n = Math.max(1, Math.ceil(bin.byteLength / shardBytes));
  const paths = Array.from({ length: n }, (_, k) => `group1-shard${k + 1}of${n}.bin`);
  paths.forEach((p, k) => writeFileAtomic(join(out, p), bin.subarray(k * shardBytes, (k + 1) * shardBytes)));
  const weights = json.weightsManifest.flatMap((g) => g.weights);
  writeFileAtomic(join(out, MODEL_JSON), JSON.stringify({ ...json, weightsManifest: [{ paths, weights }] }));
}

/** Saves a LayersModel to `dir`. */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<void> {
  await model.save(fileHandler(dir));
}

/** Loads a LayersModel saved by `saveModel` (custom kitseg layers must be imported/registered). */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(fileHandler(dir));
}
