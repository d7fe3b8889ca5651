/**
 * `kitseg bench --profile`: one training step, kernel by kernel (tfjs's own profiler), so the time
 * outside convolutions is visible. The step marks where its forward pass (with the loss) ends;
 * what follows is the backward pass and the optimiser.
 */
import * as tf from '@tensorflow/tfjs';

export interface KernelRow {
  readonly kernel: string;
  readonly phase: 'forward' | 'backward';
  readonly calls: number;
  readonly ms: number;
  /** Share of the profiled step. */
  readonly percent: number;
  /** Convolution kernels only. */
  readonly gflops: number | null;
}

export interface StepProfile {
  /** Wall time of the profiled step (profiling adds a little per kernel). */
  readonly stepMs: number;
  /** Sum of kernel times; the rest is the engine, the tape and JS between kernels. */
  readonly kernelMs: number;
  readonly convMs: number;
  readonly rows: readonly KernelRow[];
}

type Shape = readonly number[];
const prod = (s: Shape) => s.reduce((a, b) => a * b, 1);

/**
 * FLOPs of a convolution kernel from its shapes: 2 × (output positions) × (filter size), where for
 * the gradients the output positions are those of the incoming gradient dy.
 */
export function convFlops(
  kernel: string,
  inputs: readonly Shape[],
  outputs: readonly Shape[],
): number | null {
  if (!/^(Fused)?Conv[23]D|^Conv[23]DBackprop|^DepthwiseConv|^KitsegConv3DBias/.test(kernel)) return null;
  const positions = (s: Shape) => prod(s.slice(0, -1));
  if (/BackpropFilter|FilterGrad/.test(kernel)) {
    const dy = inputs[1];
    const w = outputs[0];
    return dy === undefined || w === undefined ? null : 2 * positions(dy) * prod(w);
  }
  const w = inputs[1];
  if (w === undefined) return null;
  const spatial = /BackpropInput/.test(kernel) ? inputs[0] : outputs[0];
  return spatial === undefined ? null : 2 * positions(spatial) * prod(w);
}

/** A train step that calls `forwardDone` once its loss is computed. */
export type ProfiledStep = (forwardDone: () => void) => void;

/** Profiles `step` after `warmup` unprofiled runs. */
export async function profileStep(step: ProfiledStep, warmup = 1): Promise<StepProfile> {
  for (let i = 0; i < warmup; i++) step(() => undefined);
  // Only registered kernels: custom-gradient scopes are profiled too, and their time is that of
  // the kernels they run, which would count twice.
  const backend = tf.getBackend();
  const real = (ks: { name: string }[]) => ks.filter((k) => tf.getKernel(k.name, backend) !== undefined);
  let split = -1;
  const t0 = performance.now();
  const info = await tf.profile(() =>
    step(() => {
      split = tf.engine().state.activeProfile.kernels.length;
    }),
  );
  const stepMs = performance.now() - t0;
  const nForward = real(info.kernels.slice(0, split)).length;
  const kernels = real(info.kernels) as typeof info.kernels;
  const acc = new Map<
    string,
    { kernel: string; phase: KernelRow['phase']; calls: number; ms: number; flop: number }
  >();
  kernels.forEach((k, i) => {
    const phase = i < nForward ? 'forward' : 'backward';
    const key = `${phase}/${k.name}`;
    const e = acc.get(key) ?? { kernel: k.name, phase, calls: 0, ms: 0, flop: 0 };
    e.calls++;
    e.ms += k.kernelTimeMs as number;
    e.flop += convFlops(k.name, k.inputShapes, k.outputShapes) ?? Number.NaN;
    acc.set(key, e);
  });
  const rows = [...acc.values()]
    .map((e) => ({
      kernel: e.kernel,
      phase: e.phase,
      calls: e.calls,
      ms: e.ms,
      percent: (100 * e.ms) / stepMs,
      gflops: Number.isNaN(e.flop) ? null : e.flop / (e.ms * 1e6),
    }))
    .sort((a, b) => b.ms - a.ms);
  const kernelMs = rows.reduce((s, r) => s + r.ms, 0);
  const convMs = rows.filter((r) => r.gflops !== null).reduce((s, r) => s + r.ms, 0);
  return { stepMs, kernelMs, convMs, rows };
}

/** The profile as a Markdown table. */
export function profileTable(p: StepProfile): string {
  const f = (x: number, d = 1) => x.toFixed(d);
  const lines = [
    `step ${f(p.stepMs)} ms: kernels ${f(p.kernelMs)} ms (convolutions ${f(p.convMs)} ms, ${f((100 * p.convMs) / p.stepMs)} %), outside kernels ${f(p.stepMs - p.kernelMs)} ms`,
    '',
    '| kernel | phase | calls | ms | % of step | GFLOP/s |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...p.rows.map(
      (r) =>
        `| ${r.kernel} | ${r.phase} | ${r.calls} | ${f(r.ms)} | ${f(r.percent)} | ${r.gflops === null ? '' : f(r.gflops)} |`,
    ),
  ];
  return lines.join('\n') + '\n';
}
