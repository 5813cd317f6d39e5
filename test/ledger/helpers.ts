// Shared test fixtures for the ledger: trees of distinct entries in a MemoryLedgerStore.
import { EMPTY_FRONTIER, extendFrontier, frontierRoot } from '../../src/ledger/compact.ts';
import { MemoryLedgerStore } from '../../src/ledger/memory-store.ts';
import type { LedgerStore } from '../../src/ledger/store.ts';

/** Entry i of the test trees: distinct, of varying length (including empty). */
export function entryOf(i: number): Uint8Array {
  return new Uint8Array(Buffer.from(i === 0 ? '' : `entry ${i} ${'x'.repeat(i % 7)}`));
}

export interface TestTree<S extends LedgerStore = MemoryLedgerStore> {
  readonly store: S;
  readonly entries: Uint8Array[];
  readonly leafHashes: Uint8Array[];
  /** roots[s] = MTH of the first s entries, for every s in 0..n. */
  readonly roots: Uint8Array[];
}

/** Builds a tree of n entries, appending in batches of varying size so batch boundaries fall everywhere. */
export async function buildTree<S extends LedgerStore>(n: number, store: S): Promise<TestTree<S>> {
  const entries = Array.from({ length: n }, (_, i) => entryOf(i));
  const leafHashes: Uint8Array[] = [];
  const roots = [frontierRoot(EMPTY_FRONTIER)];
  let f = EMPTY_FRONTIER;
  for (let start = 0, step = 1; start < n; start += step, step = (step % 5) + 1) {
    const batch = entries.slice(start, start + step);
    // One leaf at a time for the roots of every size, then the whole batch to the store.
    let g = f;
    for (const e of batch) {
      g = extendFrontier(g, [e]).frontier;
      roots.push(frontierRoot(g));
    }
    const ext = extendFrontier(f, batch);
    await store.append({ start: f.size, entries: batch, leafHashes: ext.leafHashes, nodes: ext.nodes });
    leafHashes.push(...ext.leafHashes);
    f = ext.frontier;
  }
  return { store, entries, leafHashes, roots };
}

export const memoryTree = (n: number): Promise<TestTree> => buildTree(n, new MemoryLedgerStore());

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
export const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));

/** A copy of `b` with bit `bit` (0 = MSB of byte 0) flipped. */
export function flipBit(b: Uint8Array, bit: number): Uint8Array {
  const c = new Uint8Array(b);
  c[bit >> 3] = (c[bit >> 3] as number) ^ (0x80 >> (bit & 7));
  return c;
}
