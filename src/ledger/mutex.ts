// Per-key mutual exclusion for the state operations (documents, transfers, identities). An operation
// locks the keys it reads and writes — a document, the two accounts of a transfer, an idempotency
// key — from the moment it reads the state until the state reflects its entry, so two operations
// on one key are decided, appended and applied one after the other, while operations on different
// keys run concurrently and share the log's group commit.
//
// Keys are taken in sorted order, so two operations that need overlapping sets cannot deadlock.
// This serialises writers in one process; several processes writing one log would need the same
// serialisation in the store (see docs/ledger.md).

export class KeyedMutex {
  readonly #tails = new Map<string, Promise<void>>();

  /** Runs `fn` while holding every key in `keys` (duplicates allowed); releases them however `fn` ends. */
  async run<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(keys)].sort();
    const releases: Array<() => void> = [];
    try {
      for (const key of sorted) releases.push(await this.#acquire(key));
      return await fn();
    } finally {
      for (const release of releases.reverse()) release();
    }
  }

  /** Keys currently held or waited for (for tests: an idle mutex holds nothing). */
  get size(): number {
    return this.#tails.size;
  }

  async #acquire(key: string): Promise<() => void> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => { release = resolve; });
    const tail = previous.then(() => mine);
    this.#tails.set(key, tail);
    await previous;
    return () => {
      release();
      // The last holder of a key removes it, so the map does not grow with every key ever used.
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    };
  }
}
