// A node-wide memory budget for instances (each counted at its memory limit). When a new instance
// would exceed it, idle instances are evicted first — least recently used first, across every
// function — and only when nothing idle is left is the new instance refused.

export interface Evictable {
  /** Idle instances as (last used, memory MB, stop) — the budget picks which to stop. */
  idleInstances(): Array<{ lastUsed: number; memoryMb: number; stop(): void }>;
}

export class MemoryBudget {
  readonly limitMb: number;
  #usedMb = 0;
  #evictions = 0;
  readonly #sources = new Set<Evictable>();

  constructor(limitMb: number) {
    this.limitMb = limitMb;
  }

  get usedMb(): number { return this.#usedMb; }
  get evictions(): number { return this.#evictions; }

  register(source: Evictable): () => void {
    this.#sources.add(source);
    return () => this.#sources.delete(source);
  }

  /** Reserves `mb` for a new instance, evicting idle ones if needed; false when it cannot fit. */
  acquire(mb: number): boolean {
    if (this.#usedMb + mb <= this.limitMb) {
      this.#usedMb += mb;
      return true;
    }
    const idle = [...this.#sources].flatMap((s) => s.idleInstances()).sort((a, b) => a.lastUsed - b.lastUsed);
    let free = this.limitMb - this.#usedMb;
    const victims = [];
    for (const i of idle) {
      if (free >= mb) break;
      victims.push(i);
      free += i.memoryMb;
    }
    if (free < mb) return false;
    for (const v of victims) {
      v.stop(); // releases its memory through release()
      this.#evictions++;
    }
    this.#usedMb += mb;
    return true;
  }

  release(mb: number): void {
    this.#usedMb = Math.max(0, this.#usedMb - mb);
  }
}
