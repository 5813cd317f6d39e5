// The log: appends with group commit, tree heads, proofs and signed checkpoints over a LedgerStore.
//
// Group commit. append() queues the entry and returns a promise. One flush loop drains the queue:
// each turn waits one event-loop turn (setImmediate — so every append made by the I/O callbacks of
// that turn joins the batch, and a synchronous store cannot starve I/O), takes up to maxBatch
// entries, computes their leaf hashes and the nodes they complete from the in-memory right edge of
// the tree (compact.ts), and hands all of it to store.append() — one transaction, one fsync. Each
// promise resolves only after that transaction is durable; the next batch starts as soon as the
// previous one is done. The throughput therefore rides on batch size, not on fsync latency.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { type Checkpoint, signCheckpoint } from './checkpoint.ts';
import { EMPTY_FRONTIER, type Frontier, extendFrontier, frontierRoot } from './compact.ts';
import { LedgerError, isLedgerError } from './errors.ts';
import type { NoteSigner } from './note.ts';
import { consistencyProof, inclusionProof, rootHash } from './proof.ts';
import type { LedgerStore } from './store.ts';
import { isTreeSize, subtreesOf } from './tree.ts';

export interface LedgerOptions {
  /** Most entries written in one store transaction. Default 4096. */
  readonly maxBatch?: number;
  /** Largest entry accepted, in bytes. Default 1 MiB. */
  readonly maxEntryBytes?: number;
  /** The log's identity: the first line of its checkpoints. Required for checkpoint(). */
  readonly origin?: string;
  /** The log's key; its name should equal the origin (tlog-checkpoint §Signatures). Required for checkpoint(). */
  readonly signer?: NoteSigner;
}

export interface SignedCheckpoint extends Checkpoint {
  /** The signed note, exactly as signed (what GET /ledger/checkpoint serves). */
  readonly note: string;
}

interface Pending {
  readonly entry: Uint8Array;
  readonly resolve: (r: { index: number }) => void;
  readonly reject: (err: unknown) => void;
}

/** A conflict means another writer appended first; reloading the right edge and retrying is safe. */
const MAX_CONFLICT_RETRIES = 5;

export class Ledger {
  readonly #store: LedgerStore;
  readonly #maxBatch: number;
  readonly #maxEntryBytes: number;
  readonly #origin: string | undefined;
  readonly #signer: NoteSigner | undefined;
  #frontier: Frontier;
  #queue: Pending[] = [];
  #flushing: Promise<void> | null = null;
  /** Set when a store write failed in an unknown way: reload the right edge before the next one. */
  #stale = false;
  #closed = false;
  #checkpoint: SignedCheckpoint | null = null;

  private constructor(store: LedgerStore, frontier: Frontier, options: LedgerOptions) {
    this.#store = store;
    this.#frontier = frontier;
    this.#maxBatch = options.maxBatch ?? 4096;
    this.#maxEntryBytes = options.maxEntryBytes ?? 1 << 20;
    this.#origin = options.origin;
    this.#signer = options.signer;
    if (!Number.isSafeInteger(this.#maxBatch) || this.#maxBatch < 1) throw new RangeError('maxBatch must be a positive integer');
    if (!Number.isSafeInteger(this.#maxEntryBytes) || this.#maxEntryBytes < 0) throw new RangeError('maxEntryBytes must be a non-negative integer');
    if ((this.#origin === undefined) !== (this.#signer === undefined)) throw new RangeError('origin and signer go together');
  }

  /** Opens the log held by `store`, which the Ledger then owns (close() closes it). */
  static async open(store: LedgerStore, options: LedgerOptions = {}): Promise<Ledger> {
    return new Ledger(store, await loadFrontier(store), options);
  }

  /** The number of durable entries: every index below it has been acknowledged or is acknowledgeable. */
  get size(): number {
    return this.#frontier.size;
  }

  get store(): LedgerStore {
    return this.#store;
  }

  /** Appends one entry (the exact leaf bytes); resolves with its index once it is durable. */
  append(entry: Uint8Array): Promise<{ index: number }> {
    if (this.#closed) return Promise.reject(new LedgerError('closed', 'the ledger is closed'));
    if (!(entry instanceof Uint8Array)) return Promise.reject(new LedgerError('invalid', 'an entry is a byte array'));
    if (entry.byteLength > this.#maxEntryBytes) {
      return Promise.reject(new LedgerError('too-large', `an entry is at most ${this.#maxEntryBytes} bytes, got ${entry.byteLength}`));
    }
    // A copy: the caller may reuse its buffer before the batch is written.
    const copy = new Uint8Array(entry);
    return new Promise((resolve, reject) => {
      this.#queue.push({ entry: copy, resolve, reject });
      this.#schedule();
    });
  }

  /** MTH of the tree at `size` (default: now). The current head comes from memory, older ones from O(log n) reads. */
  async rootHash(size: number = this.size): Promise<Uint8Array> {
    this.#checkSize(size);
    return size === this.size ? frontierRoot(this.#frontier) : rootHash(this.#store, size);
  }

  /** RFC 9162 inclusion proof of entry `index` in the tree of `size` entries (default: now). */
  async inclusionProof(index: number, size: number = this.size): Promise<Uint8Array[]> {
    this.#checkSize(size);
    return inclusionProof(this.#store, index, size);
  }

  /** RFC 9162 consistency proof from tree size `from` to `to` (default: now). */
  async consistencyProof(from: number, to: number = this.size): Promise<Uint8Array[]> {
    this.#checkSize(to);
    return consistencyProof(this.#store, from, to);
  }

  async getEntry(index: number): Promise<Uint8Array> {
    if (!isTreeSize(index) || index >= this.size) throw new LedgerError('out-of-range', `entry ${String(index)} is not in the log of ${this.size} entries`);
    const [entry] = await this.#store.getEntries(index, index + 1);
    return entry as Uint8Array;
  }

  async getEntries(start: number, end: number): Promise<Uint8Array[]> {
    if (!isTreeSize(start) || !isTreeSize(end) || start > end || end > this.size) {
      throw new LedgerError('out-of-range', `entries [${String(start)}, ${String(end)}) are outside the log of ${this.size} entries`);
    }
    return start === end ? [] : this.#store.getEntries(start, end);
  }

  /**
   * A signed checkpoint of the current tree head, recorded in the store so that auditors can check
   * every head the log ever signed. Signs only durable state, so no two checkpoints can disagree.
   */
  async checkpoint(): Promise<SignedCheckpoint> {
    if (!this.#origin || !this.#signer) throw new LedgerError('invalid', 'this ledger has no origin and signer, so it cannot sign checkpoints');
    const size = this.size;
    if (this.#checkpoint?.size === size) return this.#checkpoint;
    const cp: Checkpoint = { origin: this.#origin, size, rootHash: frontierRoot(this.#frontier) };
    const note = signCheckpoint(cp, [this.#signer]);
    await this.#store.putCheckpoint({ size, note });
    const signed: SignedCheckpoint = { ...cp, note };
    if (size === this.size) this.#checkpoint = signed;
    return signed;
  }

  /** Stops accepting appends, waits for the queued ones to be written, and closes the store. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    while (this.#flushing) await this.#flushing;
    await this.#store.close();
  }

  #checkSize(size: number): void {
    if (!isTreeSize(size) || size > this.size) throw new LedgerError('out-of-range', `tree size ${String(size)} is beyond the log's ${this.size} entries`);
  }

  #schedule(): void {
    if (this.#flushing) return; // the running loop takes what was queued
    this.#flushing = this.#drain().finally(() => {
      this.#flushing = null;
      if (this.#queue.length > 0) this.#schedule();
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      await nextTurn();
      const batch = this.#queue.splice(0, this.#maxBatch);
      try {
        const start = await this.#commit(batch.map((p) => p.entry));
        batch.forEach((p, i) => p.resolve({ index: start + i }));
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
  }

  /** Writes the entries as one store transaction; returns the index of the first. */
  async #commit(entries: Uint8Array[]): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      if (this.#stale) {
        this.#frontier = await loadFrontier(this.#store);
        this.#stale = false;
      }
      const start = this.#frontier.size;
      const ext = extendFrontier(this.#frontier, entries);
      try {
        await this.#store.append({ start, entries, leafHashes: ext.leafHashes, nodes: ext.nodes });
      } catch (err) {
        // Whatever happened, memory may no longer match the store: re-read before writing again.
        this.#stale = true;
        if (isLedgerError(err, 'conflict') && attempt < MAX_CONFLICT_RETRIES) continue;
        throw err;
      }
      this.#frontier = ext.frontier;
      return start;
    }
  }
}

/** Reads the right edge of the stored tree: O(log n) nodes. */
export async function loadFrontier(store: LedgerStore): Promise<Frontier> {
  const size = await store.size();
  if (size === 0) return EMPTY_FRONTIER;
  return { size, hashes: await store.getNodes(subtreesOf({ start: 0, end: size })) };
}
