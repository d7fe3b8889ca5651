/**
 * Reuse of the dnnl backend's large output buffers. A training step writes gigabytes of fresh
 * float32 arrays; left to V8, each disposed tensor's memory is freed only by a full GC, and the
 * external-memory pressure triggers one every ~100 ms whose concurrent marking competes with the
 * kernels' OpenMP threads for the two cores. Buffers handed out here come back when their last
 * tensor is disposed and go to the next kernel asking for the same length.
 *
 * A buffer is recycled only while nothing outside the backend can see it: one read by user code
 * (`dataSync`, `data`, `arraySync`, …) or shared through a view is never reused.
 */

/** Buffers below this many floats are not pooled (their allocation is cheap and zeroed). */
export const POOL_MIN_FLOATS = 16384;

interface Owned {
  readonly array: Float32Array<ArrayBuffer>;
  /** Live tensor data entries holding the array. */
  refs: number;
  /** Seen outside the backend, or aliased by a view: never reused. */
  escaped: boolean;
}

export interface PoolStats {
  /** Buffers handed out from the free lists. */
  readonly reused: number;
  /** Buffers newly allocated. */
  readonly allocated: number;
  /** Bytes waiting in the free lists. */
  readonly freeBytes: number;
}

export class BufferPool {
  private readonly free = new Map<number, Float32Array<ArrayBuffer>[]>();
  private readonly owned = new WeakMap<ArrayBuffer, Owned>();
  private freeBytes = 0;
  private reused = 0;
  private allocated = 0;

  /** `capacityBytes` bounds the memory held in the free lists; 0 turns reuse off. */
  constructor(private capacityBytes = 0) {}

  setCapacity(bytes: number): void {
    this.capacityBytes = bytes;
    if (bytes === 0) this.clear();
  }

  /** An uninitialised buffer of `n` floats (the caller overwrites all of it). */
  take(n: number): Float32Array<ArrayBuffer> {
    const list = this.free.get(n);
    const hit = list?.pop();
    if (hit !== undefined) {
      this.freeBytes -= hit.byteLength;
      this.reused++;
      this.owned.set(hit.buffer, { array: hit, refs: 0, escaped: false });
      return hit;
    }
    const b = Buffer.allocUnsafeSlow(n * 4);
    const array = new Float32Array(b.buffer as ArrayBuffer, b.byteOffset, n);
    this.allocated++;
    if (this.capacityBytes > 0 && n >= POOL_MIN_FLOATS)
      this.owned.set(array.buffer, { array, refs: 0, escaped: false });
    return array;
  }

  /** A tensor data entry now holds `values`. */
  hold(values: unknown): void {
    const o = this.entry(values);
    if (o === undefined) return;
    if (values === o.array) o.refs++;
    else o.escaped = true; // a view into a pooled buffer: its owner must outlive it
  }

  /** `values` left the backend (read by user code). */
  escape(values: unknown): void {
    const o = this.entry(values);
    if (o !== undefined) o.escaped = true;
  }

  /** The tensor data entry holding `values` was deleted. */
  drop(values: unknown): void {
    const o = this.entry(values);
    if (o === undefined || --o.refs > 0) return;
    this.owned.delete(o.array.buffer);
    if (o.escaped || this.freeBytes + o.array.byteLength > this.capacityBytes) return;
    const list = this.free.get(o.array.length) ?? [];
    list.push(o.array);
    this.free.set(o.array.length, list);
    this.freeBytes += o.array.byteLength;
  }

  clear(): void {
    this.free.clear();
    this.freeBytes = 0;
  }

  stats(): PoolStats {
    return { reused: this.reused, allocated: this.allocated, freeBytes: this.freeBytes };
  }

  private entry(values: unknown): Owned | undefined {
    if (!(values instanceof Float32Array)) return undefined;
    const buf = values.buffer;
    return buf instanceof ArrayBuffer ? this.owned.get(buf) : undefined;
  }
}

// One pool per process, kept where every loaded copy of this module finds it (as tfjs keeps its
// engine): the backend and its kernels may come from different copies (e.g. CommonJS and ESM).
const POOL_KEY = Symbol.for('kitseg.dnnl.bufferPool');
const slot = globalThis as { [POOL_KEY]?: BufferPool };

/** The pool of the dnnl backend (off until the backend's memory policy turns it on). */
export const bufferPool: BufferPool = (slot[POOL_KEY] ??= new BufferPool());
