/**
 * A typed registry of named factories (models, losses, transforms, …). Registry keys equal the
 * config `type` strings. A miss throws `RegistryError` listing what exists and the closest name.
 */
import { RegistryError } from '../core/errors.js';
import { closestMatch } from '../core/strings.js';

export class Registry<T> {
  private readonly entries = new Map<string, T>();

  constructor(
    /** What the registry holds, for messages: "model", "loss". */
    readonly kind: string,
  ) {}

  /** Adds `name`; registering a name twice is a programming error. */
  register(name: string, value: T): void {
    if (this.entries.has(name)) throw new Error(`${this.kind} "${name}" is already registered`);
    this.entries.set(name, value);
  }

  /** The entry named `name`, or a `RegistryError` with a suggestion. */
  get(name: string): T {
    const v = this.entries.get(name);
    if (v === undefined) {
      const names = this.list();
      throw new RegistryError(this.kind, name, names, closestMatch(name, names));
    }
    return v;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Registered names, sorted. */
  list(): string[] {
    return [...this.entries.keys()].sort();
  }
}
