/** What `kitseg model summary --model B` prints of a bundle: per stage, plan, inference and provenance. */
import { windowPatch } from '../config/traits.js';
import { postprocessEnabled } from '../postprocess/index.js';
import { stageParts, type BundleManifest, type BundleStage } from './manifest.js';

export interface StageDescription {
  readonly role: 'main' | 'stage1';
  readonly model: string;
  readonly spacingMm: readonly number[];
  readonly normalization: string;
  readonly patch: readonly number[];
  readonly overlap: number;
  readonly gaussian: boolean;
  readonly batchSize: number;
  readonly ttaAxes: readonly number[];
  readonly precision: string;
  readonly postprocess: readonly string[];
  readonly ensemble: number;
  readonly run: string;
  readonly steps: number;
  readonly val: Readonly<Record<string, number>> | null;
}

function describeStage(role: StageDescription['role'], s: BundleStage): StageDescription {
  const { cfg, plan } = stageParts(s);
  const n = plan.normalization;
  const pp = cfg.postprocess;
  const on = postprocessEnabled(pp)
    ? Object.entries(pp)
        .filter(([k, v]) => k !== 'connectivity' && v !== null && v !== false)
        .map(([k]) => k)
    : [];
  return {
    role,
    model: cfg.model.type,
    spacingMm: plan.spacingMm,
    normalization:
      n.type === 'window' || n.type === 'scale'
        ? `${n.type} ${n.lo}…${n.hi} HU`
        : n.type === 'ctForeground'
          ? `ctForeground clip ${n.p005.toFixed(0)}…${n.p995.toFixed(0)} HU, mean ${n.mean.toFixed(1)}, std ${n.std.toFixed(1)}`
          : n.type,
    patch: windowPatch(cfg),
    overlap: cfg.inference.overlap,
    gaussian: cfg.inference.gaussian,
    batchSize: cfg.inference.batchSize,
    ttaAxes: cfg.inference.ttaAxes,
    precision: cfg.inference.precision,
    postprocess: on,
    ensemble: s.models.length,
    run: s.provenance.run,
    steps: s.provenance.steps,
    val: s.provenance.val?.scores ?? null,
  };
}

export function describeBundle(m: BundleManifest): {
  name: string;
  format: number;
  kitseg: string;
  labels: readonly string[];
  stages: StageDescription[];
} {
  const stages = [describeStage('main', m.main)];
  if (m.stage1 !== null) stages.unshift(describeStage('stage1', m.stage1));
  return { name: m.name, format: m.format, kitseg: m.kitseg, labels: m.labels.names, stages };
}
