// Full audit of a stored log: the core of `cairn ledger verify`. Re-hashes every entry, recomputes
// every interior node from the leaves, and compares each with what the store holds; then checks
// every stored checkpoint's signature and its root against the recomputed tree. Stops at the first
// discrepancy with a LedgerError 'corrupt' that names it precisely.
//
// Because every stored node is checked against the leaves, all the stored checkpoints' roots are
// roots of prefixes of one and the same verified tree, hence consistent with each other.
import { bytesEqual, toHex } from './bytes.ts';
import { openCheckpoint } from './checkpoint.ts';
import { EMPTY_FRONTIER, type Frontier, extendFrontier, frontierRoot } from './compact.ts';
import { LedgerError } from './errors.ts';
import type { NoteVerifier } from './note.ts';
import { rootHash } from './proof.ts';
import type { LedgerStore } from './store.ts';
import { type NodeId, nodeKey } from './tree.ts';

export interface AuditOptions {
  /** Entries read per round trip. Default 8192. */
  readonly chunkSize?: number;
  /** The log's keys. Without them, stored checkpoints are not checked (their text means nothing unverified). */
  readonly verifiers?: readonly NoteVerifier[];
  /** The log's origin; checkpoints must carry it. */
  readonly origin?: string;
  /** Extra per-entry check (e.g. decodeEntry and the actor's signature); a throw is reported as corruption at that index. */
  readonly checkEntry?: (leaf: Uint8Array, index: number) => void;
  /** Called after each chunk with the entries checked so far and the log's size. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface AuditReport {
  readonly size: number;
  readonly rootHash: Uint8Array;
  readonly nodesChecked: number;
  readonly checkpointsChecked: number;
}

const corrupt = (message: string): LedgerError => new LedgerError('corrupt', message);

export async function auditStore(store: LedgerStore, options: AuditOptions = {}): Promise<AuditReport> {
  const chunk = options.chunkSize ?? 8192;
  const size = await store.size();
  let frontier: Frontier = EMPTY_FRONTIER;
  let nodesChecked = 0;
  for (let start = 0; start < size; start += chunk) {
    const end = Math.min(size, start + chunk);
    const entries = await store.getEntries(start, end);
    if (entries.length !== end - start) throw corrupt(`asked for entries [${start}, ${end}), the store returned ${entries.length}`);
    if (options.checkEntry) {
      entries.forEach((leaf, i) => {
        try {
          options.checkEntry?.(leaf, start + i);
        } catch (err) {
          throw new LedgerError('corrupt', `entry ${start + i}: ${(err as Error).message}`, { cause: err });
        }
      });
    }
    const ext = extendFrontier(frontier, entries);
    const leafIds: NodeId[] = entries.map((_, i) => ({ level: 0, index: start + i }));
    await compare(store, leafIds, ext.leafHashes, 'leaf hash of entry');
    // Level by level, so each level's nodes form one contiguous run a store can read as a range.
    const nodes = [...ext.nodes].sort((a, b) => a.level - b.level || a.index - b.index);
    await compare(store, nodes, nodes.map((n) => n.hash), 'node');
    nodesChecked += leafIds.length + ext.nodes.length;
    frontier = ext.frontier;
    options.onProgress?.(end, size);
  }

  let checkpointsChecked = 0;
  if (options.verifiers && options.verifiers.length > 0) {
    for (let after = -1; ;) {
      const page = await store.listCheckpoints(after, 1000);
      if (page.length === 0) break;
      for (const stored of page) {
        const where = `checkpoint at tree size ${stored.size}`;
        if (stored.size > size) throw corrupt(`${where} is beyond the log's ${size} entries`);
        let cp;
        try {
          cp = openCheckpoint(stored.note, options.verifiers, options.origin);
        } catch (err) {
          throw new LedgerError('corrupt', `${where}: ${(err as Error).message}`, { cause: err });
        }
        if (cp.size !== stored.size) throw corrupt(`${where} is stored under the wrong size: its note says ${cp.size}`);
        const root = await rootHash(store, stored.size);
        if (!bytesEqual(cp.rootHash, root)) throw corrupt(`${where} signs root ${toHex(cp.rootHash)}, but the log's root at that size is ${toHex(root)}`);
        checkpointsChecked++;
      }
      after = page[page.length - 1]?.size ?? after;
    }
  }
  return { size, rootHash: frontierRoot(frontier), nodesChecked, checkpointsChecked };
}

async function compare(store: LedgerStore, ids: readonly NodeId[], expected: readonly Uint8Array[], what: string): Promise<void> {
  if (ids.length === 0) return;
  let stored: Uint8Array[];
  try {
    stored = await store.getNodes(ids);
  } catch (err) {
    throw new LedgerError('corrupt', `reading ${ids.length} nodes from ${nodeKey(ids[0] as NodeId)}: ${(err as Error).message}`, { cause: err });
  }
  ids.forEach((id, i) => {
    const want = expected[i] as Uint8Array;
    const got = stored[i];
    if (!got || !bytesEqual(got, want)) {
      const name = id.level === 0 ? `${what} ${id.index}` : `${what} ${nodeKey(id)}`;
      throw corrupt(`${name}: stored ${got ? toHex(got) : 'nothing'}, recomputed from the entries ${toHex(want)}`);
    }
  });
}
