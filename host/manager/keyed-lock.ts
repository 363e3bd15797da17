// Serialises calls that share a key (a group, a volume) while calls on other keys run concurrently.

/** A set of FIFO locks by key; one call may hold several keys at once without deadlock. */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs fn once every earlier holder of any of `keys` has finished; the keys are held until fn settles. */
  async run<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T> {
    const unique = [...new Set(keys)];
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    // Taking every key in one synchronous step orders callers by arrival, so two callers can
    // never each hold a key the other waits for.
    const waits = unique.map((key) => this.tails.get(key) ?? Promise.resolve());
    for (const key of unique) this.tails.set(key, done);
    try {
      await Promise.all(waits);
      return await fn();
    } finally {
      release();
      for (const key of unique) if (this.tails.get(key) === done) this.tails.delete(key);
    }
  }

  /** Whether a call holds `key` or waits for it now. */
  held(key: string): boolean {
    return this.tails.has(key);
  }

  /** How many keys are held or waited for now (for tests and metrics). */
  get size(): number {
    return this.tails.size;
  }
}

/** The lock key of a volume an operation moves between groups (group ids are keys as they are). */
export function volumeLockKey(volumeId: string): string {
  return `volume:${volumeId}`;
}
