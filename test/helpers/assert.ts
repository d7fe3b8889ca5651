/** Shared test assertions: numeric closeness and tensor-leak checks. */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

/** Element-wise |a − e| ≤ atol + rtol·|e|. */
export function expectClose(
  actual: ArrayLike<number> | number,
  expected: ArrayLike<number> | number,
  { atol = 1e-6, rtol = 0 }: { atol?: number; rtol?: number } = {},
): void {
  const a = typeof actual === 'number' ? [actual] : Array.from(actual);
  const e = typeof expected === 'number' ? [expected] : Array.from(expected);
  expect(a.length, 'length').to.equal(e.length);
  for (let i = 0; i < a.length; i++) {
    const tol = atol + rtol * Math.abs(e[i]!);
    if (!(Math.abs(a[i]! - e[i]!) <= tol)) {
      expect.fail(`element ${i}: ${a[i]} is not within ${tol} of ${e[i]}`);
    }
  }
}

/** Runs `fn` and fails when it leaves more tensors alive than before. */
export async function expectNoLeak(fn: () => unknown): Promise<void> {
  const before = tf.memory().numTensors;
  await fn();
  const after = tf.memory().numTensors;
  expect(after, `tensors leaked: ${after - before}`).to.equal(before);
}

/** Asserts that `fn` throws an error of class `cls` whose message matches every pattern. */
export function expectThrows(
  fn: () => unknown,
  cls: abstract new (...a: never[]) => Error,
  ...patterns: RegExp[]
): Error {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(cls);
    for (const p of patterns) expect((e as Error).message).to.match(p);
    return e as Error;
  }
  return expect.fail(`expected ${cls.name} to be thrown`);
}
