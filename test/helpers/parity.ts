// Parity helpers: run the same tfjs computation on two backends and compare.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { Rng } from '../../lib/rng/rng.js';
import { selectBackend } from '../../lib/backend/select.js';
import { testBackend } from './setup.js';

export type S5 = [number, number, number, number, number];
export const t5 = (v: Float32Array, shape: readonly number[]) =>
  tf.tensor(v, [...shape]) as unknown as tf.Tensor5D;

export function rand(shape: number[], seed: number): Float32Array {
  const r = Rng.fromSeed(seed);
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.uniform(-1, 1));
}

/** Runs `fn` on a backend and returns plain arrays of its outputs. */
export async function on(backend: string, fn: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const out = tf.tidy(fn);
  const list = Array.isArray(out) ? out : [out];
  const vals = list.map((t) => t.dataSync() as Float32Array);
  tf.dispose(list);
  await tf.setBackend(testBackend());
  return vals;
}

function expectRelClose(actual: Float32Array, expected: Float32Array, what: string): void {
  expect(actual.length, what).to.equal(expected.length);
  let maxRef = 0;
  let maxErr = 0;
  for (let i = 0; i < expected.length; i++) {
    maxRef = Math.max(maxRef, Math.abs(expected[i]!));
    maxErr = Math.max(maxErr, Math.abs(actual[i]! - expected[i]!));
  }
  expect(maxRef, `${what}: reference is all zeros`).to.be.greaterThan(0);
  expect(maxErr / maxRef, `${what}: relative error`).to.be.at.most(1e-4);
}

export async function parity(what: string, fn: () => tf.Tensor | tf.Tensor[]): Promise<void> {
  const cpu = await on('cpu', fn);
  const nat = await on('dnnl', fn);
  cpu.forEach((c, i) => expectRelClose(nat[i]!, c, `${what} output ${i}`));
}

/** Whether the dnnl backend loads here (the test backend is restored afterwards). */
export const DNNL_AVAILABLE = await selectBackend('dnnl').then(
  () => true,
  () => false,
);
await tf.setBackend('cpu');
/** CI installs libdnnl-dev and sets this, so the native suites can never silently not run there. */
export const DNNL_REQUIRED = process.env['KITSEG_REQUIRE_DNNL'] === '1';
