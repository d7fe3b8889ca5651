/**
 * Background loading: a worker thread keeps `prefetch` batches ready so the training step never
 * waits on sampling and augmentation. Batches arrive in the order the in-process sampler would
 * draw them (same seed, same stream), each with the sampler state after it, so resuming from a
 * checkpoint is exact. Counts producer time and consumer waits for the batches/s report.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AugmentConfig } from '../config/schema/augment.js';
import type { Config } from '../config/schema/index.js';
import type { Shape3D, Spacing3D } from '../core/types.js';
import type { SliceRule } from '../data/slices.js';
import type { RngState } from '../rng/rng.js';
import type { Batch, PreparedCase, RenderOptions } from './data.js';
import type { PriorCorruption } from './prior.js';

export interface LoaderInit {
  readonly cases: readonly PreparedCase[];
  readonly patch: Shape3D;
  readonly batchSize: number;
  readonly sampling: Config['train']['sampling'];
  readonly corruption: PriorCorruption | null;
  readonly augment: AugmentConfig | null;
  readonly spacingMm: Spacing3D;
  readonly slices: SliceRule | null;
  readonly render: RenderOptions | null;
  readonly rngState: RngState;
}

export type LoaderMessage = { type: 'init'; init: LoaderInit } | { type: 'produce'; count: number };

interface Produced {
  readonly batch: Batch;
  readonly rngState: RngState;
  readonly ms: number;
}

export interface LoaderStats {
  readonly batches: number;
  /** Batches per second the worker produces (its busy time only). */
  readonly producedPerSecond: number;
  /** Total time the consumer waited for a batch (ms). */
  readonly waitedMs: number;
}

/**
 * The worker: `loader-worker.js` from dist/; under tsx (tests run the `.ts` sources) Node 20 does
 * not carry tsx's loader hooks into workers, so a small bootstrap registers tsx there first.
 */
function spawnWorker(): Worker {
  const ext = extname(fileURLToPath(import.meta.url));
  const file = new URL(`./loader-worker${ext}`, import.meta.url);
  if (ext !== '.ts') return new Worker(file);
  const boot = `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(file.href)}); });`;
  return new Worker(boot, { eval: true });
}

export class BackgroundLoader {
  private readonly worker: Worker;
  private readonly ready: Produced[] = [];
  private waiting: { resolve: (p: Produced) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;
  private produceMs = 0;
  private produced = 0;
  private waitedMs = 0;

  constructor(init: LoaderInit, prefetch: number) {
    this.worker = spawnWorker();
    this.worker.on('message', (p: Produced) => {
      this.produced++;
      this.produceMs += p.ms;
      if (this.waiting !== null) {
        const w = this.waiting;
        this.waiting = null;
        w.resolve(p);
      } else this.ready.push(p);
    });
    this.worker.on('error', (e) => {
      this.failure = e;
      this.waiting?.reject(e);
      this.waiting = null;
    });
    this.worker.postMessage({ type: 'init', init } satisfies LoaderMessage);
    this.worker.postMessage({ type: 'produce', count: prefetch } satisfies LoaderMessage);
  }

  /** The next batch in stream order and the sampler state after it. */
  async next(): Promise<Produced> {
    if (this.failure !== null) throw this.failure;
    this.worker.postMessage({ type: 'produce', count: 1 } satisfies LoaderMessage);
    const hit = this.ready.shift();
    if (hit !== undefined) return hit;
    const t0 = performance.now();
    const p = await new Promise<Produced>((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
    this.waitedMs += performance.now() - t0;
    return p;
  }

  stats(): LoaderStats {
    return {
      batches: this.produced,
      producedPerSecond: this.produceMs === 0 ? 0 : (1000 * this.produced) / this.produceMs,
      waitedMs: this.waitedMs,
    };
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
