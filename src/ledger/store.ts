// The storage contract of the ledger. Defined here, implemented by src/ledger/memory-store.ts and
// by the storage drivers (src/storage/sqlite/ledger-store.ts); dependencies point inward.
//
// What is stored: every entry (the exact leaf bytes), the hash of every complete subtree of the
// tree — leaf hashes (level 0) and interior nodes (level ≥ 1), keyed by (level, index) — and the
// signed checkpoints the log has issued. Complete subtrees never change, so one append writes only
// the new entries and the nodes they complete (on average one interior node per entry), and any
// proof for any past tree size needs O(log n) node reads (see proof.ts).
import { LedgerError } from './errors.ts';
import { isHash } from './hash.ts';
import type { NodeReader } from './proof.ts';
import type { NodeId } from './tree.ts';
import { isTreeSize } from './tree.ts';

export interface StoredNode extends NodeId {
  readonly hash: Uint8Array;
}

export interface AppendBatch {
  /** The tree size this batch extends. The store refuses the batch (LedgerError 'conflict') unless
   *  its size is exactly this, so two writers can never interleave or overwrite each other. */
  readonly start: number;
  /** Leaf data, for indexes start, start + 1, … */
  readonly entries: readonly Uint8Array[];
  /** leafHashes[i] = leafHash(entries[i]): the level-0 nodes. */
  readonly leafHashes: readonly Uint8Array[];
  /** The interior (level ≥ 1) complete subtrees that these entries complete. */
  readonly nodes: readonly StoredNode[];
}

export interface StoredCheckpoint {
  readonly size: number;
  /** The signed note, exactly as signed. */
  readonly note: string;
}

export interface LedgerStore extends NodeReader {
  /** The number of entries stored. */
  size(): Promise<number>;
  /** Writes the whole batch in one transaction; resolves only once it is durable. */
  append(batch: AppendBatch): Promise<void>;
  /** Entries [start, end); LedgerError 'out-of-range' beyond the stored size. */
  getEntries(start: number, end: number): Promise<Uint8Array[]>;
  /** Node hashes in the order asked; LedgerError 'corrupt' if one is missing. */
  getNodes(ids: readonly NodeId[]): Promise<Uint8Array[]>;
  /** Records a checkpoint; the first note stored for a size is kept (re-signing the same tree head is a no-op). */
  putCheckpoint(checkpoint: StoredCheckpoint): Promise<void>;
  /** The checkpoint with the largest size, if any. */
  latestCheckpoint(): Promise<StoredCheckpoint | null>;
  /** Checkpoints with size > afterSize, ascending, at most `limit`. */
  listCheckpoints(afterSize: number, limit: number): Promise<StoredCheckpoint[]>;
  close(): Promise<void>;
}

/** Shape checks every store runs on a batch before writing it (the caller computed the hashes). */
export function checkAppendBatch(batch: AppendBatch, size: number): void {
  if (batch.start !== size) {
    throw new LedgerError('conflict', `the batch extends tree size ${batch.start}, but the store holds ${size} entries`);
  }
  if (batch.entries.length === 0 || batch.entries.length !== batch.leafHashes.length) {
    throw new LedgerError('invalid', 'a batch needs at least one entry and one leaf hash per entry');
  }
  if (!batch.entries.every((e) => e instanceof Uint8Array) || !batch.leafHashes.every(isHash)) {
    throw new LedgerError('invalid', 'batch entries must be bytes and leaf hashes 32-byte hashes');
  }
  const end = batch.start + batch.entries.length;
  const seen = new Set<string>();
  for (const n of batch.nodes) {
    // A node is completed by this batch exactly when its last leaf is one of the batch's entries.
    const lastLeaf = isTreeSize(n.level) && isTreeSize(n.index) ? (n.index + 1) * 2 ** n.level - 1 : -1;
    const ok = n.level >= 1 && n.level < 64 && lastLeaf >= batch.start && lastLeaf < end && isHash(n.hash) && !seen.has(`${n.level}/${n.index}`);
    if (!ok) throw new LedgerError('invalid', `batch node ${String(n.level)}/${String(n.index)} is not an interior node completed by this batch`);
    seen.add(`${n.level}/${n.index}`);
  }
}

export function checkEntryRange(start: number, end: number, size: number): void {
  if (!isTreeSize(start) || !isTreeSize(end) || start > end || end > size) {
    throw new LedgerError('out-of-range', `entries [${String(start)}, ${String(end)}) are outside the log of ${size} entries`);
  }
}
