/**
 * Training checkpoints: a folder with the model (`model.json` + `weights.bin`), the optimiser state
 * (`optimizer.bin` + manifest) and `state.json` (epoch, iteration, RNG states, best metric). A
 * checkpoint is written into a temporary folder and renamed into place, so `last` and `best` are
 * always complete.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { IoError } from '../core/errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { loadModel, saveModel } from '../io/checkpoint.js';
import { CHECKPOINT_FILES } from '../io/run-dir.js';
import type { RngState } from '../rng/rng.js';
import type { ScheduleState } from './schedule.js';

export interface TrainState {
  /** Epoch to continue in, and iterations already done in it. */
  readonly epoch: number;
  readonly iteration: number;
  readonly globalStep: number;
  readonly rng: Record<string, RngState>;
  /** LR schedule and early-stopping state (includes the best composite val Dice). */
  readonly schedule: ScheduleState;
  readonly configHash: string;
  /** With `train.keepTopK`: the epochs whose checkpoints are kept, best first. */
  readonly top?: readonly { readonly epoch: number; readonly score: number }[];
}

interface OptimizerManifest {
  readonly tensors: { name: string; shape: number[]; dtype: 'float32' | 'int32'; offset: number }[];
}

/** A named tensor, as optimisers export their state. */
export interface NamedTensor {
  readonly name: string;
  readonly tensor: tf.Tensor;
}

/**
 * Saves the model, the optimiser state `optimizerWeights` (disposed here) and `state` under `dir`,
 * replacing it atomically as a whole.
 */
export async function saveCheckpoint(
  dir: string,
  model: tf.LayersModel,
  optimizerWeights: readonly NamedTensor[],
  state: TrainState,
  /** Writes further files (e.g. a second network) into the folder before it is renamed into place. */
  extra?: (tmpDir: string) => Promise<void>,
): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  await saveModel(model, tmp);
  await extra?.(tmp);
  const weights = optimizerWeights;
  const parts: Uint8Array[] = [];
  const tensors: OptimizerManifest['tensors'] = [];
  let offset = 0;
  for (const { name, tensor } of weights) {
    const data = tensor.dataSync();
    const bytes = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    tensors.push({
      name,
      shape: [...tensor.shape],
      dtype: tensor.dtype === 'int32' ? 'int32' : 'float32',
      offset,
    });
    parts.push(bytes);
    offset += bytes.byteLength;
    tensor.dispose();
  }
  const bin = new Uint8Array(offset);
  let o = 0;
  for (const p of parts) {
    bin.set(p, o);
    o += p.byteLength;
  }
  writeFileAtomic(join(tmp, CHECKPOINT_FILES.optimizer), bin);
  writeFileAtomic(
    join(tmp, CHECKPOINT_FILES.state),
    JSON.stringify({ ...state, optimizer: { tensors } }, null, 1),
  );
  mkdirSync(dirname(dir), { recursive: true });
  const old = `${dir}.old-${process.pid}`;
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(tmp, dir);
  rmSync(old, { recursive: true, force: true });
}

/** Loads a checkpoint: the model, the optimiser weights (as named tensors) and the state. */
export async function loadCheckpoint(dir: string): Promise<{
  model: tf.LayersModel;
  optimizerWeights: { name: string; tensor: tf.Tensor }[];
  state: TrainState;
}> {
  const statePath = join(dir, CHECKPOINT_FILES.state);
  if (!existsSync(statePath)) throw new IoError('no training checkpoint here (state.json missing)', dir);
  const raw = JSON.parse(readFileSync(statePath, 'utf8')) as TrainState & { optimizer: OptimizerManifest };
  const bin = readFileSync(join(dir, CHECKPOINT_FILES.optimizer));
  const optimizerWeights = raw.optimizer.tensors.map((t) => {
    const n = t.shape.reduce((a, b) => a * b, 1);
    const slice = bin.buffer.slice(bin.byteOffset + t.offset, bin.byteOffset + t.offset + n * 4);
    const data = t.dtype === 'int32' ? new Int32Array(slice) : new Float32Array(slice);
    return { name: t.name, tensor: tf.tensor(data, t.shape, t.dtype) };
  });
  const { optimizer: _o, ...state } = raw;
  return { model: await loadModel(dir), optimizerWeights, state };
}

/**
 * The optimiser's state keyed by the weights' original (stable) names rather than this process's
 * variable names, so a checkpoint restores into a freshly loaded model.
 */
export async function namedOptimizerWeights(
  opt: tf.Optimizer,
  weights: readonly tf.LayerVariable[],
): Promise<NamedTensor[]> {
  const toOriginal = new Map(weights.map((w) => [w.name, w.originalName]));
  return (await opt.getWeights()).map(({ name, tensor }) => {
    const base = name.replace(/\/[mv]$/, '');
    const orig = toOriginal.get(base);
    return { name: orig === undefined ? name : name.replace(base, orig), tensor };
  });
}

/** Loads saved optimiser state (original names) onto this process's variables; disposes `saved`. */
export async function restoreOptimizerWeights(
  opt: tf.Optimizer,
  weights: readonly tf.LayerVariable[],
  saved: readonly NamedTensor[],
): Promise<void> {
  const byOriginal = new Map(weights.map((w) => [w.originalName, w.name]));
  await opt.setWeights(
    saved.map(({ name, tensor }) => {
      const base = name.replace(/\/[mv]$/, '');
      const mapped = byOriginal.get(base);
      return { name: mapped === undefined ? name : name.replace(base, mapped), tensor };
    }),
  );
  tf.dispose(saved.map((w) => w.tensor));
}

/** The loop state saved in checkpoint `dir`, or null when it holds none. */
export function readTrainState(dir: string): TrainState | null {
  const p = join(dir, CHECKPOINT_FILES.state);
  if (!existsSync(p)) return null;
  const { optimizer: _o, ...state } = JSON.parse(readFileSync(p, 'utf8')) as TrainState & {
    optimizer: unknown;
  };
  return state;
}
