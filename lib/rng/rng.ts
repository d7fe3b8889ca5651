/**
 * The one source of randomness in kitseg: a seeded generator (seedrandom's alea) with named forks.
 *
 * A fork's stream depends only on the root seed and the fork's label path, never on how much the
 * parent has drawn, so adding a consumer never shifts another one's numbers. The state can be
 * saved and restored, which `train --resume` needs for bit-identical continuation.
 */
import seedrandom from 'seedrandom';

/** Saved state of an `Rng`: enough to continue its stream exactly. */
export interface RngState {
  readonly seedKey: string;
  readonly alea: seedrandom.State.Alea;
}

export class Rng {
  private readonly prng: seedrandom.StatefulPRNG<seedrandom.State.Alea>;

  private constructor(
    /** The key this stream was seeded from: the root seed and fork labels. */
    readonly seedKey: string,
    state?: seedrandom.State.Alea,
  ) {
    this.prng = seedrandom.alea(seedKey, { state: state ?? true });
  }

  /** A root generator. Any integer is a valid seed, 0 included. */
  static fromSeed(seed: number): Rng {
    if (!Number.isSafeInteger(seed))
      throw new RangeError(`Rng.fromSeed: seed must be an integer, got ${seed}`);
    return new Rng(`kitseg:${seed}`);
  }

  /** Restores a generator from `state()`. */
  static fromState(state: RngState): Rng {
    return new Rng(state.seedKey, state.alea);
  }

  /** A child stream named `label`, independent of how much this one has drawn. */
  fork(label: string): Rng {
    return new Rng(`${this.seedKey}/${label}`);
  }

  /** The current state, for checkpoints. */
  state(): RngState {
    return { seedKey: this.seedKey, alea: this.prng.state() };
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.prng();
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.prng();
  }

  /** Integer uniform in [lo, hi] inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.prng() * (hi - lo + 1));
  }

  /** True with probability p. */
  bernoulli(p: number): boolean {
    return this.prng() < p;
  }

  /** Normal(mean, std) by Box–Muller. */
  normal(mean = 0, std = 1): number {
    let u = 0;
    while (u === 0) u = this.prng();
    const v = this.prng();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Rng.pick: empty array');
    return items[Math.floor(this.prng() * items.length)] as T;
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.prng() * (i + 1));
      const t = out[i] as T;
      out[i] = out[j] as T;
      out[j] = t;
    }
    return out;
  }

  /** A 31-bit non-negative integer, for tf initialisers and ops that take a numeric seed. */
  tfSeed(): number {
    return Math.floor(this.prng() * 0x7fffffff);
  }
}
