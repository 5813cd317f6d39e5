// LedgerStore in memory: for tests, tools and ephemeral logs. Nothing survives the process.
import { LedgerError } from './errors.ts';
import { type AppendBatch, type LedgerStore, type StoredCheckpoint, checkAppendBatch, checkEntryRange } from './store.ts';
import type { NodeId } from './tree.ts';

export class MemoryLedgerStore implements LedgerStore {
  readonly #entries: Uint8Array[] = [];
  /** #levels[l][i] = hash of node (l, i); level 0 holds the leaf hashes. */
  readonly #levels: Uint8Array[][] = [[]];
  readonly #checkpoints = new Map<number, string>();
  #closed = false;

  async size(): Promise<number> {
    this.#open();
    return this.#entries.length;
  }

  async append(batch: AppendBatch): Promise<void> {
    this.#open();
    checkAppendBatch(batch, this.#entries.length);
    // Copies, so a caller reusing its buffers cannot rewrite history.
    for (let i = 0; i < batch.entries.length; i++) {
      this.#entries.push(new Uint8Array(batch.entries[i] as Uint8Array));
      (this.#levels[0] as Uint8Array[]).push(new Uint8Array(batch.leafHashes[i] as Uint8Array));
    }
    for (const n of batch.nodes) {
      while (this.#levels.length <= n.level) this.#levels.push([]);
      (this.#levels[n.level] as Uint8Array[])[n.index] = new Uint8Array(n.hash);
    }
  }

  async getEntries(start: number, end: number): Promise<Uint8Array[]> {
    this.#open();
    checkEntryRange(start, end, this.#entries.length);
    return this.#entries.slice(start, end).map((e) => new Uint8Array(e));
  }

  async getNodes(ids: readonly NodeId[]): Promise<Uint8Array[]> {
    this.#open();
    return ids.map((id) => {
      const h = this.#levels[id.level]?.[id.index];
      if (!h) throw new LedgerError('corrupt', `node ${id.level}/${id.index} is not in the store`);
      return new Uint8Array(h);
    });
  }

  async putCheckpoint(cp: StoredCheckpoint): Promise<void> {
    this.#open();
    if (!this.#checkpoints.has(cp.size)) this.#checkpoints.set(cp.size, cp.note);
  }

  async latestCheckpoint(): Promise<StoredCheckpoint | null> {
    this.#open();
    let best: StoredCheckpoint | null = null;
    for (const [size, note] of this.#checkpoints) if (!best || size > best.size) best = { size, note };
    return best;
  }

  async listCheckpoints(afterSize: number, limit: number): Promise<StoredCheckpoint[]> {
    this.#open();
    return [...this.#checkpoints].filter(([size]) => size > afterSize).sort((a, b) => a[0] - b[0]).slice(0, limit)
      .map(([size, note]) => ({ size, note }));
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  /** Test hook: overwrite stored bytes, as a disk fault or an attacker with file access would. */
  tamperEntry(index: number, entry: Uint8Array): void {
    this.#entries[index] = new Uint8Array(entry);
  }

  /** Test hook: overwrite a stored node hash. */
  tamperNode(id: NodeId, hash: Uint8Array): void {
    const level = this.#levels[id.level];
    if (!level || !level[id.index]) throw new RangeError(`no node ${id.level}/${id.index}`);
    level[id.index] = new Uint8Array(hash);
  }

  #open(): void {
    if (this.#closed) throw new LedgerError('closed', 'the ledger store is closed');
  }
}
