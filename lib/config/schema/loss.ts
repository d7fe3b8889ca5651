/** Config schema: the loss. `type` equals the loss registry key. */
import { z } from 'zod';

const Dice = {
  smooth: z.number().nonnegative().default(1e-5),
  batchDice: z.boolean().default(true),
  /**
   * Softmax models: also score channel 0 (background); null: no. Sigmoid models have no background
   * channel and score every region, so they take null only (anything else is a config error).
   */
  includeBackground: z.boolean().nullable().default(null),
};
/** Weight outputs 1/2^i (lowest resolution 0, normalised) for deep-supervision models (nnU-Net). */
const Ds = { deepSupervision: z.boolean().default(false) };

export const LossSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('dice'), ...Dice, ...Ds }),
  z.strictObject({ type: z.literal('ce'), ...Ds }),
  z.strictObject({ type: z.literal('bce'), ...Ds }),
  /** Zhang et al.: Dice + cross-entropy (binary for sigmoid outputs). */
  z.strictObject({
    type: z.literal('diceCe'),
    ...Dice,
    ...Ds,
    diceWeight: z.number().nonnegative().default(1),
    ceWeight: z.number().nonnegative().default(1),
  }),
  /** The 2D U-Net paper: (1 − λ)·BCE + λ·Dice, λ = 0.5. */
  z.strictObject({
    type: z.literal('bceDice'),
    ...Dice,
    ...Ds,
    lambda: z.number().min(0).max(1).default(0.5),
  }),
  /** The boundary-aware network: Dice on the regions + weighted BCE on edges from the labels (second output). */
  z.strictObject({
    type: z.literal('boundaryAware'),
    ...Dice,
    edgeWeight: z.number().nonnegative().default(1),
  }),
]);
export type LossConfig = z.infer<typeof LossSchema>;
