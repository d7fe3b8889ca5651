// The dnnl backend's buffer pool: a disposed tensor's buffer goes to the next kernel output of its
// length, unless user code has read it or a view shares it; results are unchanged by reuse.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { BufferPool, POOL_MIN_FLOATS, type PoolStats } from '../../lib/backend/dnnl/pool.js';
import { DNNL_AVAILABLE, rand } from '../helpers/parity.js';
import { testBackend } from '../helpers/setup.js';

const N = POOL_MIN_FLOATS * 2;

describe('BufferPool', () => {
  it('hands a dropped buffer to the next request of its length, and only of its length', () => {
    const pool = new BufferPool(1 << 30);
    const a = pool.take(N);
    pool.hold(a);
    pool.drop(a);
    expect(pool.take(N + 1)).to.not.equal(a);
    expect(pool.take(N)).to.equal(a);
    expect(pool.stats().reused).to.equal(1);
  });

  it('waits for every holder to drop the buffer', () => {
    const pool = new BufferPool(1 << 30);
    const a = pool.take(N);
    pool.hold(a);
    pool.hold(a);
    pool.drop(a);
    expect(pool.take(N)).to.not.equal(a);
    pool.drop(a);
    expect(pool.take(N)).to.equal(a);
  });

  it('never reuses a buffer that was read or is shared by a view', () => {
    const pool = new BufferPool(1 << 30);
    const read = pool.take(N);
    pool.hold(read);
    pool.escape(read);
    pool.drop(read);
    const viewed = pool.take(N);
    pool.hold(viewed);
    pool.hold(viewed.subarray(0, 10));
    pool.drop(viewed);
    const next = pool.take(N);
    expect(next).to.not.equal(read);
    expect(next).to.not.equal(viewed);
    expect(pool.stats().reused).to.equal(0);
  });

  it('keeps at most its capacity waiting, and nothing when off or below the size floor', () => {
    const pool = new BufferPool(N * 4);
    const [a, b] = [pool.take(N), pool.take(N)];
    for (const x of [a, b]) pool.hold(x);
    for (const x of [a, b]) pool.drop(x);
    expect(pool.stats().freeBytes).to.equal(N * 4);
    const off = new BufferPool(0);
    const c = off.take(N);
    off.hold(c);
    off.drop(c);
    expect(off.take(N)).to.not.equal(c);
    const small = new BufferPool(1 << 30);
    const d = small.take(POOL_MIN_FLOATS - 1);
    small.hold(d);
    small.drop(d);
    expect(small.take(POOL_MIN_FLOATS - 1)).to.not.equal(d);
  });
});

(DNNL_AVAILABLE ? describe : describe.skip)('dnnl backend with the buffer pool', () => {
  // The backend's own pool: mocha loads the library twice (setup as CommonJS, tests as ESM).
  const stats = () => (tf.backend() as unknown as { poolStats(): PoolStats }).poolStats();
  before(async () => {
    await tf.setBackend('dnnl');
  });
  after(async () => {
    await tf.setBackend(testBackend());
  });

  it('recycles kernel outputs without changing any value a user has read', () => {
    const shape = [2, 16, 16, 16, 16];
    const x = tf.tensor(rand(shape, 1), shape);
    const y = tf.tensor(rand(shape, 2), shape);
    const before = stats().reused;
    const kept = tf.tidy(() => x.add(y).dataSync() as Float32Array);
    const copy = kept.slice();
    const reference = tf.tidy(() => x.mul(y).dataSync() as Float32Array).slice();
    const n0 = tf.memory().numTensors;
    for (let i = 0; i < 4; i++) tf.dispose(tf.tidy(() => x.mul(y).sub(x).add(y).relu().max()));
    const again = tf.tidy(() => x.mul(y).dataSync() as Float32Array);
    expect(stats().reused - before, 'buffers reused').to.be.greaterThan(8);
    expect(kept, 'an array read before its tensor was disposed').to.deep.equal(copy);
    expect(again).to.deep.equal(reference);
    expect(tf.memory().numTensors).to.equal(n0);
    tf.dispose([x, y]);
  });
});
