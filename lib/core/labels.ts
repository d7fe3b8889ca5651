/**
 * The KiTS label sets and the evaluation regions built on them.
 * - `kits19`: 0 background, 1 kidney, 2 tumour. Regions: kidney = label > 0 ("kidney and tumour"),
 *   tumour = label 2.
 * - `kits23` (KiTS21/23): 0 background, 1 kidney, 2 tumour, 3 cyst. Hierarchical regions:
 *   kidney + masses = {1, 2, 3}, masses = {2, 3}, tumour = {2}.
 * Regions are nested, outermost first; a sigmoid model's channel k predicts region k.
 */

export const LABEL_SETS = ['kits19', 'kits23'] as const;
export type LabelSet = (typeof LABEL_SETS)[number];
export type RegionName = 'kidney' | 'masses' | 'tumor';

export interface Region {
  readonly name: RegionName;
  /** How tables name it. */
  readonly title: string;
  readonly labels: readonly number[];
  /** The KiTS21/23 surface-Dice tolerance (mm): each region's inter-annotator error; null for KiTS19. */
  readonly officialToleranceMm: number | null;
}

export interface LabelScheme {
  /** The label values 0 … classes − 1. */
  readonly classes: number;
  readonly names: readonly string[];
  readonly regions: readonly Region[];
}

export const LABEL_SCHEMES: Readonly<Record<LabelSet, LabelScheme>> = {
  kits19: {
    classes: 3,
    names: ['background', 'kidney', 'tumour'],
    regions: [
      { name: 'kidney', title: 'kidney', labels: [1, 2], officialToleranceMm: null },
      { name: 'tumor', title: 'tumour', labels: [2], officialToleranceMm: null },
    ],
  },
  kits23: {
    classes: 4,
    names: ['background', 'kidney', 'tumour', 'cyst'],
    regions: [
      { name: 'kidney', title: 'kidney+masses', labels: [1, 2, 3], officialToleranceMm: 1.0330772532390826 },
      { name: 'masses', title: 'masses', labels: [2, 3], officialToleranceMm: 1.1328796488598762 },
      { name: 'tumor', title: 'tumour', labels: [2], officialToleranceMm: 1.1498198361434828 },
    ],
  },
};

/** A region's binary mask of a label map. */
export function regionMask(labels: ArrayLike<number>, region: Region): Uint8Array {
  const inside = new Uint8Array(256);
  for (const l of region.labels) inside[l] = 1;
  const m = new Uint8Array(labels.length);
  for (let i = 0; i < m.length; i++) m[i] = inside[labels[i]! & 255]!;
  return m;
}
