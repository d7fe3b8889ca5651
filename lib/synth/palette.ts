/**
 * Domain-randomised intensities (SynthSeg-style, Billot et al. 2023): every rendered case draws a
 * contrast phase, then a mean HU and a texture amplitude for each tissue from that phase's range,
 * so that a network cannot tell kidney from spine or liver by brightness alone and has to learn
 * shape and place. The ranges follow published abdominal CT attenuation by phase.
 */
import type { Rng } from '../rng/rng.js';

/** Tissues of the randomised renderer; a tissue map stores `TISSUES.indexOf(t) + 1` (0 = unpainted air). */
export const TISSUES = [
  'air',
  'subcutFat',
  'visceralFat',
  'muscle',
  'boneCortex',
  'marrow',
  'disc',
  'csf',
  'aorta',
  'ivc',
  'liver',
  'spleen',
  'bowelWall',
  'bowelFluid',
  'oralContrast',
  'gas',
  'couch',
  'cortex',
  'medulla',
  'sinusFat',
  'sinusVessel',
  'tumour',
  'necrosis',
  'cystWall',
  'cystFluid',
  // The crowded anatomy (`crowding.ts`); appended so that earlier tissue maps keep their ids.
  'feces',
  'organA',
  'organB',
] as const;
export type Tissue = (typeof TISSUES)[number];

export const PHASES = ['non-contrast', 'arterial', 'portal-venous', 'delayed'] as const;
export type Phase = (typeof PHASES)[number];

type Range = readonly [number, number];
/** A tissue's mean-HU range: one for all phases, or one per phase in `PHASES` order. */
type TissueRange = Range | readonly [Range, Range, Range, Range];

/** Random soft-tissue structures (`crowding.ts`): as dim as an unenhanced kidney or as bright as an enhancing one. */
const RANDOM_ORGAN: TissueRange = [
  [20, 60],
  [40, 180],
  [60, 170],
  [50, 140],
];

/** Mean HU ranges. Kidney cortex 20–45 unenhanced, 120–250 arterial; marrow 150–400 with a denser cortex. */
export const HU_RANGES: Readonly<Record<Tissue, TissueRange>> = {
  air: [-1000, -990],
  subcutFat: [-120, -80],
  visceralFat: [-115, -70],
  muscle: [
    [35, 55],
    [40, 60],
    [45, 70],
    [45, 65],
  ],
  boneCortex: [500, 1200],
  marrow: [150, 400],
  disc: [60, 110],
  csf: [0, 20],
  aorta: [
    [30, 50],
    [200, 450],
    [130, 220],
    [90, 150],
  ],
  ivc: [
    [30, 50],
    [60, 110],
    [110, 190],
    [90, 150],
  ],
  liver: [
    [45, 70],
    [60, 90],
    [90, 140],
    [70, 110],
  ],
  spleen: [
    [40, 55],
    [90, 150],
    [100, 140],
    [80, 110],
  ],
  bowelWall: [
    [30, 50],
    [60, 110],
    [70, 120],
    [60, 100],
  ],
  bowelFluid: [-5, 30],
  oralContrast: [150, 400],
  gas: [-1000, -800],
  couch: [-300, 300],
  cortex: [
    [20, 45],
    [120, 250],
    [130, 220],
    [90, 160],
  ],
  medulla: [
    [20, 40],
    [40, 100],
    [120, 200],
    [100, 200],
  ],
  sinusFat: [-110, -60],
  // Delayed phase: contrast excreted into the collecting system.
  sinusVessel: [
    [30, 50],
    [150, 350],
    [120, 200],
    [300, 900],
  ],
  tumour: [
    [20, 45],
    [60, 200],
    [60, 150],
    [50, 110],
  ],
  necrosis: [5, 35],
  cystWall: [
    [20, 40],
    [50, 100],
    [60, 110],
    [50, 90],
  ],
  cystFluid: [-5, 20],
  feces: [-250, 30],
  organA: RANDOM_ORGAN,
  organB: RANDOM_ORGAN,
};

/** Texture amplitude ranges (HU): trabecular marrow is coarse, fluid nearly flat. */
const TEXTURE: Partial<Record<Tissue, Range>> = {
  subcutFat: [2, 12],
  visceralFat: [2, 12],
  muscle: [2, 10],
  marrow: [20, 80],
  boneCortex: [20, 120],
  liver: [2, 12],
  spleen: [2, 20],
  bowelWall: [2, 10],
  cortex: [4, 20],
  medulla: [4, 15],
  tumour: [8, 40],
  necrosis: [2, 10],
  cystFluid: [0, 5],
  feces: [40, 150],
  organA: [2, 20],
  organB: [2, 20],
};

export interface Shade {
  readonly mean: number;
  readonly texture: number;
}

/** Tissues whose HU is physics, the same in every CT whatever the contrast: air, fat, gas, the couch. */
const PHYSICAL: ReadonlySet<Tissue> = new Set<Tissue>([
  'air',
  'subcutFat',
  'visceralFat',
  'sinusFat',
  'gas',
  'couch',
]);

/**
 * A wild palette's range for every other tissue (SynthSeg draws every label's mean uniformly): from
 * fluid up past enhancing marrow, so any organ may be brighter or darker than any other, bone included.
 */
export const WILD_RANGE: Range = [-20, 400];

export interface Palette {
  readonly phase: Phase;
  /** True when the non-physical tissues were drawn from `WILD_RANGE`, ignoring the phase. */
  readonly wild: boolean;
  readonly shades: Readonly<Record<Tissue, Shade>>;
  /** The share of bowel loops filled with positive oral contrast (0 in most scans). */
  readonly oralFraction: number;
}

/** The range a tissue's mean is drawn from in a phase. */
export function huRange(t: Tissue, phase: Phase): Range {
  const r = HU_RANGES[t];
  return (typeof r[0] === 'number' ? r : r[PHASES.indexOf(phase)]) as Range;
}

/**
 * Draws one case's phase and tissue shades. Each tissue draws from its own fork. With probability
 * `wild` the palette ignores anatomy's ordering of brightness (`WILD_RANGE`); at 0 nothing is drawn
 * for it, so physical palettes are the same as before the option existed.
 */
export function samplePalette(rng: Rng, wild = 0): Palette {
  const phase = PHASES[rng.fork('phase').int(0, PHASES.length - 1)]!;
  const isWild = wild > 0 && rng.fork('wild').bernoulli(wild);
  const shades = Object.fromEntries(
    TISSUES.map((t) => {
      const r = rng.fork(t);
      const [lo, hi] = isWild && !PHYSICAL.has(t) ? WILD_RANGE : huRange(t, phase);
      const [tlo, thi] = TEXTURE[t] ?? [0, 3];
      return [t, { mean: r.uniform(lo, hi), texture: r.uniform(tlo, thi) }];
    }),
  ) as Record<Tissue, Shade>;
  const oral = rng.fork('oral');
  return { phase, wild: isWild, shades, oralFraction: oral.bernoulli(0.3) ? oral.uniform(0.3, 1) : 0 };
}

export function tissueId(t: Tissue): number {
  return TISSUES.indexOf(t) + 1;
}
