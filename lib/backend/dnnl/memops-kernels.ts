/**
 * Memory-bound kernels of the dnnl backend, chosen by profiling the reference U-Net step on the
 * cpu backend (generic broadcasting binary ops, transposes behind every non-trailing reduction,
 * and the reductions themselves dominated it): Add/Sub/Mul/RealDiv/Maximum/Minimum with
 * broadcasting, Sum/Mean/Max/Min, Transpose, OneHot. Cases outside float32 (or int32 for Transpose) or
 * broadcasts oneDNN cannot express run the tfjs cpu kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { DnnlAddon } from './addon.js';
import { allocF32, cpuKernel, rawValues, size, values, type KernelArgs } from './util.js';

const BINARY: [string, number][] = [
  [tf.Add, 0],
  [tf.Sub, 1],
  [tf.Multiply, 2],
  [tf.RealDiv, 3],
  [tf.Maximum, 4],
  [tf.Minimum, 5],
];

/** Merges adjacent axes with the same flag; axes of size 1 join any group. */
export function groupAxes(shape: readonly number[], flag: (axis: number) => string): [string, number][] {
  const groups: [string, number][] = [];
  shape.forEach((d, i) => {
    if (d === 1) return;
    const f = flag(i);
    const last = groups[groups.length - 1];
    if (last !== undefined && last[0] === f) last[1] *= d;
    else groups.push([f, d]);
  });
  return groups;
}

/** The binary2 layout of a broadcast: (A, B, mode) or undefined when it has more groups. */
export function binaryLayout(
  out: readonly number[],
  part: readonly number[],
): [number, number, number] | undefined {
  const g = groupAxes(out, (i) => (part[i] === out[i] ? 'F' : 'B'));
  const key = g.map((x) => x[0]).join('');
  const n = size(out);
  if (key === '' || key === 'F') return [1, n, 0];
  if (key === 'B') return [1, n, 3];
  if (key === 'BF') return [g[0]![1], g[1]![1], 1];
  if (key === 'FB') return [g[0]![1], g[1]![1], 2];
  return undefined;
}

function binaryKernel(addon: DnnlAddon, name: string, alg: number): tf.KernelConfig {
  return {
    kernelName: name,
    backendName: 'dnnl',
    kernelFunc: (args: KernelArgs) => {
      const b = args.backend as MathBackendCPU;
      const { a, b: bt } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      if (a.dtype !== 'float32' || bt.dtype !== 'float32') return cpuKernel(name, args);
      const out = tf.backend_util.assertAndGetBroadcastShape(a.shape, bt.shape);
      const r = Math.max(out.length, 1);
      const pad = (s: number[]) => [...new Array<number>(r - s.length).fill(1), ...s];
      const [as, bs, os] = [pad(a.shape), pad(bt.shape), pad(out)];
      const same = (x: number[]) => x.every((d, i) => d === os[i]);
      const aFull = same(as);
      if (!aFull && !same(bs)) return cpuKernel(name, args);
      const [full, part, partShape] = aFull ? [a, bt, bs] : [bt, a, as];
      const y = allocF32(size(out));
      const layout = binaryLayout(os, partShape);
      if (layout !== undefined) {
        addon.binary2(alg, values(b, full), values(b, part), y, layout[0], layout[1], layout[2], !aFull);
      } else if (aFull) {
        addon.binary(alg, values(b, a), as, values(b, bt), bs, y);
      } else {
        return cpuKernel(name, args);
      }
      return b.makeTensorInfo(out, 'float32', y);
    },
  };
}

const REDUCE: [string, number, 'axis' | 'reductionIndices'][] = [
  [tf.Sum, 0, 'axis'],
  [tf.Mean, 1, 'axis'],
  [tf.Max, 2, 'reductionIndices'],
  [tf.Min, 3, 'axis'],
];

function reduceKernel(addon: DnnlAddon, name: string, alg: number, axisAttr: string): tf.KernelConfig {
  return {
    kernelName: name,
    backendName: 'dnnl',
    kernelFunc: (args: KernelArgs) => {
      const b = args.backend as MathBackendCPU;
      const { x } = args.inputs as { x: tf.TensorInfo };
      const attrs = args.attrs as Record<string, unknown>;
      if (x.dtype !== 'float32' || x.shape.length === 0) return cpuKernel(name, args);
      const axes = tf.util.parseAxisParam(attrs[axisAttr] as number | number[], x.shape);
      const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
      if (kept.every((d, i) => d === x.shape[i])) return cpuKernel(name, args);
      const y = allocF32(size(kept));
      const g = groupAxes(x.shape, (i) => (axes.includes(i) ? 'R' : 'K'));
      const key = g.map((q) => q[0]).join('');
      const n = (i: number) => g[i]?.[1] ?? 1;
      const abc: Record<string, [number, number, number] | undefined> = {
        R: [1, size(x.shape), 1],
        KR: [n(0), n(1), 1],
        RK: [1, n(0), n(1)],
        KRK: [n(0), n(1), n(2)],
      };
      const fast = abc[key];
      if (fast !== undefined) addon.reduce3(alg, values(b, x), fast[0], fast[1], fast[2], y);
      else addon.reduce(alg, values(b, x), [...x.shape], y, kept);
      const outShape = attrs['keepDims'] === true ? kept : x.shape.filter((_, i) => !axes.includes(i));
      return b.makeTensorInfo(outShape, 'float32', y);
    },
  };
}

function transposeKernel(addon: DnnlAddon): tf.KernelConfig {
  return {
    kernelName: tf.Transpose,
    backendName: 'dnnl',
    kernelFunc: (args: KernelArgs) => {
      const b = args.backend as MathBackendCPU;
      const { x } = args.inputs as { x: tf.TensorInfo };
      const { perm } = args.attrs as unknown as tf.TransposeAttrs;
      const v = rawValues(b, x);
      if (v === undefined || x.shape.length < 2 || x.shape.length > 12) return cpuKernel(tf.Transpose, args);
      const outShape = perm.map((p) => x.shape[p]!);
      const y = v instanceof Int32Array ? new Int32Array(v.length) : allocF32(v.length);
      addon.transpose(v, [...x.shape], [...perm], y, v instanceof Int32Array ? 1 : 0);
      return b.makeTensorInfo(outShape, x.dtype, y);
    },
  };
}

/**
 * OneHot into a pooled buffer: the cpu kernel's fresh zeroed array and fill cost more than the
 * scatter itself (31–38 ms of the reference step for 1.6 M values).
 */
const oneHotKernel: tf.KernelConfig = {
  kernelName: tf.OneHot,
  backendName: 'dnnl',
  kernelFunc: (args: KernelArgs) => {
    const b = args.backend as MathBackendCPU;
    const { indices } = args.inputs as { indices: tf.TensorInfo };
    const { dtype, depth, onValue, offValue } = args.attrs as unknown as tf.OneHotAttrs;
    const idx = rawValues(b, indices);
    if (dtype !== 'float32' || idx === undefined) return cpuKernel(tf.OneHot, args);
    const out = allocF32(idx.length * depth).fill(offValue);
    for (let i = 0; i < idx.length; i++) {
      const c = idx[i]!;
      if (c >= 0 && c < depth) out[i * depth + c] = onValue;
    }
    return b.makeTensorInfo([...indices.shape, depth], 'float32', out);
  },
};

export function memopsKernels(addon: DnnlAddon): tf.KernelConfig[] {
  return [
    ...BINARY.map(([n, alg]) => binaryKernel(addon, n, alg)),
    ...REDUCE.map(([n, alg, ax]) => reduceKernel(addon, n, alg, ax)),
    transposeKernel(addon),
    oneHotKernel,
  ];
}
