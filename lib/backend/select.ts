/**
 * Backend selection. `auto` takes the best backend that loads, in the order
 * tensorflow-gpu (tfjs-node-gpu with a visible CUDA GPU) → tensorflow (tfjs-node) → dnnl (our
 * native oneDNN kernels) → cpu, and records for each better one why it did not load. An explicit
 * request that cannot be met throws `BackendError`; there is no silent fallback.
 */
import { existsSync, readdirSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { BackendError } from '../core/errors.js';
import { loadAddon } from './dnnl/addon.js';
import { bufferPool } from './dnnl/pool.js';
import { registerDnnlBackend } from './dnnl/register.js';
import { registerConv3dBackpropInputGradient } from './gradients/conv3d-backprop-input.js';

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'dnnl' | 'cpu';
export type BackendRequest = BackendName | 'auto';

/** Preference order of `auto`. */
export const BACKEND_ORDER: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'dnnl', 'cpu'];

/**
 * How the dnnl backend's process treats large freed buffers. `reuse` (training): they stay on the
 * heap for the next step, which removes most page faults (the 64³ reference train step 1.9 s →
 * 1.5 s). `release` (inference): buffers above 32 MiB are unmapped on free, so a case's peak RSS
 * follows its live arrays instead of everything it freed (a 600-slice cascade: 2.0 → 1.2 GB).
 * `reuse` also recycles disposed tensors' buffers through the backend's pool (up to
 * POOL_CAPACITY_BYTES waiting), so a step no longer waits on V8's garbage collector for memory.
 */
export type MemoryPolicy = 'reuse' | 'release';

export interface SelectOptions {
  /** Native kernel threads (default: all cores). */
  readonly threads?: number;
  /** Default `reuse`. */
  readonly memory?: MemoryPolicy;
}

const RELEASE_THRESHOLD_BYTES = 32 * 1024 * 1024;
const POOL_CAPACITY_BYTES = 4 * 1024 ** 3;

/** What happened when one backend was tried. */
export interface BackendProbe {
  readonly name: BackendName;
  readonly loaded: boolean;
  /** Why it did not load, or a short note on what loaded. */
  readonly reason: string;
}

/** Result of `selectBackend`: the active tfjs backend and the probes of those tried. */
export interface BackendSelection {
  readonly name: BackendName;
  /** The tfjs backend id that is active (`tensorflow` or `cpu`, …). */
  readonly tfBackend: string;
  readonly probes: readonly BackendProbe[];
}

/** Loads an optional package, turning "not installed" into a short reason. */
async function tryImport(specifier: string): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    await import(specifier);
    return { ok: true };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_MODULE_NOT_FOUND' && err.message.includes(specifier)) {
      return { ok: false, reason: `${specifier}: not installed` };
    }
    // Typically a missing shared library (libtensorflow.so, libcudart.so.11.0): keep its first line.
    return { ok: false, reason: `${specifier}: ${(err.message ?? String(e)).split('\n')[0]}` };
  }
}

/** Whether a CUDA device is visible to this process (driver nodes present). */
function cudaGpuVisible(): boolean {
  try {
    return existsSync('/dev/nvidia0') || readdirSync('/proc/driver/nvidia/gpus').length > 0;
  } catch {
    return false;
  }
}

async function probe(name: BackendName, opts: SelectOptions): Promise<BackendProbe> {
  switch (name) {
    case 'tensorflow-gpu': {
      if (!cudaGpuVisible())
        return { name, loaded: false, reason: 'no CUDA GPU visible (/dev/nvidia0 absent)' };
      const r = await tryImport('@tensorflow/tfjs-node-gpu');
      return r.ok
        ? { name, loaded: true, reason: 'tfjs-node-gpu with CUDA' }
        : { name, loaded: false, reason: r.reason };
    }
    case 'tensorflow': {
      const r = await tryImport('@tensorflow/tfjs-node');
      return r.ok
        ? { name, loaded: true, reason: 'tfjs-node (libtensorflow)' }
        : { name, loaded: false, reason: r.reason };
    }
    case 'dnnl': {
      const r = await tryImport('kitseg-native');
      if (!r.ok) return { name, loaded: false, reason: r.reason };
      const addon = await loadAddon();
      const kernels = registerDnnlBackend(addon);
      if (opts.threads !== undefined) addon.setNumThreads(opts.threads);
      const reuse = (opts.memory ?? 'reuse') === 'reuse';
      if (reuse) addon.keepLargeAllocations();
      else addon.releaseLargeAllocations(RELEASE_THRESHOLD_BYTES);
      bufferPool.setCapacity(reuse ? POOL_CAPACITY_BYTES : 0);
      const v = addon.version();
      return {
        name,
        loaded: true,
        reason: `oneDNN ${v.dnnl}, ${addon.getNumThreads()} threads, native ${kernels.join(', ')}`,
      };
    }
    case 'cpu':
      return { name, loaded: true, reason: 'tfjs pure-JS cpu backend' };
  }
}

/** The tfjs backend id registered by each of our backend names. */
const TF_BACKEND_ID: Record<BackendName, string> = {
  'tensorflow-gpu': 'tensorflow',
  tensorflow: 'tensorflow',
  dnnl: 'dnnl',
  cpu: 'cpu',
};

/**
 * Selects and activates a backend. `threads` sets the native kernels' thread count (default: all cores).
 * @throws BackendError when an explicit request cannot be met.
 */
export async function selectBackend(
  request: BackendRequest,
  opts: SelectOptions = {},
): Promise<BackendSelection> {
  // The cpu backend's "install tfjs-node" banner is replaced by our own report of every probe.
  tf.env().set('PROD', true);
  registerConv3dBackpropInputGradient();
  const candidates = request === 'auto' ? BACKEND_ORDER : [request];
  const probes: BackendProbe[] = [];
  for (const name of candidates) {
    const p = await probe(name, opts);
    probes.push(p);
    if (!p.loaded) continue;
    const ok = await tf.setBackend(TF_BACKEND_ID[name]);
    if (!ok) {
      probes[probes.length - 1] = {
        name,
        loaded: false,
        reason: `tfjs could not initialise backend "${name}"`,
      };
      continue;
    }
    await tf.ready();
    return { name, tfBackend: tf.getBackend(), probes };
  }
  const last = probes[probes.length - 1];
  throw new BackendError(`backend "${request}" is not available: ${last?.reason ?? 'unknown reason'}`);
}
