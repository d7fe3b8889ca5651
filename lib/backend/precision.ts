/**
 * Mixed precision for convolutions. `bf16`: the dnnl backend's convolutions (forward and both
 * gradients) read activations, weights and incoming gradients as bfloat16 and accumulate and write
 * float32; weights, optimiser state, norms and the loss stay float32, as PyTorch's CPU autocast
 * keeps them. It needs AVX512_BF16 instructions (oneDNN would otherwise emulate bf16 slowly), so
 * an explicit `bf16` on any other machine or backend is an error, never a silent fp32 run.
 */
import * as tf from '@tensorflow/tfjs';
import { BackendError, ConfigError } from '../core/errors.js';
import { dnnlAddon, DNNL_BACKEND } from './dnnl/register.js';

export type Precision = 'fp32' | 'bf16';

export interface Bf16Support {
  readonly available: boolean;
  /** What it runs on, or why not. */
  readonly reason: string;
}

// Read through getBuiltinModule so the module also loads in a browser, where there is no bf16.
type NodeFs = { readFileSync(path: string, encoding: 'utf8'): string };
const nodeFs = () =>
  (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.(
    'node:fs',
  ) as NodeFs | undefined;

function cpuHasBf16(): boolean {
  try {
    const fs = nodeFs();
    return fs !== undefined && /\bavx512_bf16\b/.test(fs.readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}

/** Whether `bf16` can run here: the dnnl backend active on a CPU with AVX512_BF16. */
export function bf16Support(): Bf16Support {
  if (!cpuHasBf16()) return { available: false, reason: 'this CPU has no AVX512_BF16 instructions' };
  if (tf.getBackend() !== DNNL_BACKEND || dnnlAddon() === undefined)
    return {
      available: false,
      reason: `bf16 runs on the dnnl backend; the active backend is ${tf.getBackend()}`,
    };
  return { available: true, reason: 'dnnl backend, AVX512_BF16' };
}

/** Refuses `bf16` for config key `key` (e.g. `train.precision`) where it cannot run. */
export function assertPrecision(p: Precision, key: string): void {
  if (p === 'fp32') return;
  const s = bf16Support();
  if (!s.available)
    throw new ConfigError('', [
      { path: key.split('.'), message: `bf16 is not available here: ${s.reason}; use fp32` },
    ]);
}

/** Makes the convolutions that follow run at `p` (checked first with `assertPrecision`). */
export function useConvPrecision(p: Precision): void {
  const addon = dnnlAddon();
  if (addon === undefined || tf.getBackend() !== DNNL_BACKEND) {
    if (p === 'bf16')
      throw new BackendError(`bf16 convolutions need the dnnl backend (active: ${tf.getBackend()})`);
    return;
  }
  addon.setBf16(p === 'bf16');
}
