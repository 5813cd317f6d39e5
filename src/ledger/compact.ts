// The right edge of the tree: the complete subtrees that make up MTH(D[0:n]) — one per set bit of
// n, largest first (tree.ts, subtreesOf). Keeping these O(log n) hashes in memory lets an append
// compute every node it completes, and the new root, without reading the store.
import { EMPTY_ROOT, isHash, leafHash, nodeHash } from './hash.ts';
import type { StoredNode } from './store.ts';
import { foldSubtrees, subtreesOf } from './tree.ts';

export interface Frontier {
  readonly size: number;
  /** Hashes of subtreesOf({start: 0, end: size}), in that order. */
  readonly hashes: readonly Uint8Array[];
}

export const EMPTY_FRONTIER: Frontier = { size: 0, hashes: [] };

export function frontierRoot(f: Frontier): Uint8Array {
  return f.size === 0 ? new Uint8Array(EMPTY_ROOT) : foldSubtrees(f.hashes);
}

export interface Extension {
  readonly frontier: Frontier;
  readonly leafHashes: Uint8Array[];
  /** Interior nodes completed by the new leaves, in the order they were completed. */
  readonly nodes: StoredNode[];
}

/** Appends entries to the tree described by `f`; pure (the caller writes the result). */
export function extendFrontier(f: Frontier, entries: readonly Uint8Array[]): Extension {
  const ids = subtreesOf({ start: 0, end: f.size });
  if (ids.length !== f.hashes.length || !f.hashes.every(isHash)) throw new RangeError('frontier hashes do not match its size');
  const stack: StoredNode[] = ids.map((id, i) => ({ ...id, hash: f.hashes[i] as Uint8Array }));
  const leafHashes: Uint8Array[] = [];
  const nodes: StoredNode[] = [];
  let index = f.size;
  for (const entry of entries) {
    const h = leafHash(entry);
    leafHashes.push(h);
    stack.push({ level: 0, index: index++, hash: h });
    // Two subtrees of equal height side by side are the two halves of a new complete subtree.
    while (stack.length >= 2 && stack[stack.length - 1]?.level === stack[stack.length - 2]?.level) {
      const right = stack.pop() as StoredNode;
      const left = stack.pop() as StoredNode;
      const parent: StoredNode = { level: left.level + 1, index: left.index / 2, hash: nodeHash(left.hash, right.hash) };
      nodes.push(parent);
      stack.push(parent);
    }
  }
  return { frontier: { size: index, hashes: stack.map((n) => n.hash) }, leafHashes, nodes };
}
