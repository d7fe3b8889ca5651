/** Assertions whose messages are built lazily, so hot paths pay nothing for a good message. */
import { ShapeError } from './errors.js';

/** Throws `ShapeError` when two shapes differ. */
export function assertShapesEqual(op: string, expected: readonly number[], actual: readonly number[]): void {
  if (expected.length !== actual.length || expected.some((v, i) => v !== actual[i])) {
    throw new ShapeError(op, `shape [${expected.join(', ')}]`, `[${actual.join(', ')}]`);
  }
}

/** Throws the error built by `make` when `cond` is false. */
export function assert(cond: boolean, make: () => Error): asserts cond {
  if (!cond) throw make();
}
