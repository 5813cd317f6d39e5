// Proof generation, RFC 9162 §2.1.3.1 (inclusion) and §2.1.4.1 (consistency), over a store of
// complete-subtree hashes.
//
// The RFC defines both proofs recursively over the leaf data. The functions below follow that
// recursion literally, but over leaf *ranges* instead of data: each proof element is MTH of some
// range D[s:e]. A second step turns every range into the few stored complete subtrees it consists
// of (tree.ts, subtreesOf), fetches all of them in one batched read, and folds them. A proof of
// length O(log n) therefore costs O(log n) node reads: at most one element is an incomplete right
// edge of the tree (O(log n) subtrees); every other element is a single complete subtree.
import { LedgerError } from './errors.ts';
import { EMPTY_ROOT, isHash } from './hash.ts';
import { type LeafRange, type NodeId, foldSubtrees, isTreeSize, nodeKey, splitPoint, subtreesOf } from './tree.ts';

/** Where proofs read complete-subtree hashes from: a LedgerStore, or anything shaped like one. */
export interface NodeReader {
  /** The hashes of the given complete subtrees, in the same order. */
  getNodes(ids: readonly NodeId[]): Promise<Uint8Array[]>;
}

/** PATH(m, D[start:end]) of RFC 9162 §2.1.3.1, as the ranges whose MTH the path lists, in order. */
function pathRanges(m: number, start: number, end: number): LeafRange[] {
  const n = end - start;
  // PATH(0, {d(0)}) = {}
  if (n === 1) return [];
  const k = splitPoint(n);
  // m < k:  PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n])
  if (m < k) return [...pathRanges(m, start, start + k), { start: start + k, end }];
  // m >= k: PATH(m, D[n]) = PATH(m - k, D[k:n]) : MTH(D[0:k])
  return [...pathRanges(m - k, start + k, end), { start, end: start + k }];
}

/** SUBPROOF(m, D[start:end], b) of RFC 9162 §2.1.4.1, as ranges. */
function subproofRanges(m: number, start: number, end: number, b: boolean): LeafRange[] {
  const n = end - start;
  // SUBPROOF(m, D[m], true) = {};  SUBPROOF(m, D[m], false) = {MTH(D[m])}
  if (m === n) return b ? [] : [{ start, end }];
  const k = splitPoint(n);
  // m <= k: SUBPROOF(m, D[n], b) = SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
  if (m <= k) return [...subproofRanges(m, start, start + k, b), { start: start + k, end }];
  // m > k:  SUBPROOF(m, D[n], b) = SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
  return [...subproofRanges(m - k, start + k, end, false), { start, end: start + k }];
}

/** The ranges of the inclusion proof for leaf `index` in the tree of `size` leaves. */
export function inclusionRanges(index: number, size: number): LeafRange[] {
  checkInclusionArgs(index, size);
  return pathRanges(index, 0, size);
}

/**
 * The ranges of the consistency proof from tree size `size1` to `size2`: PROOF(m, D[n]) =
 * SUBPROOF(m, D[n], true). The RFC defines it for 0 < m < n; for m = 0 and m = n the proof is
 * empty (nothing to prove: every tree extends the empty one, and a tree is consistent with
 * itself), and verifyConsistency accepts exactly those empty proofs.
 */
export function consistencyRanges(size1: number, size2: number): LeafRange[] {
  checkConsistencyArgs(size1, size2);
  if (size1 === 0 || size1 === size2) return [];
  return subproofRanges(size1, 0, size2, true);
}

/** MTH of each range, from one batched read of the complete subtrees they consist of. */
export async function hashRanges(reader: NodeReader, ranges: readonly LeafRange[]): Promise<Uint8Array[]> {
  const perRange = ranges.map((r) => subtreesOf(r));
  const unique = new Map<string, NodeId>();
  for (const ids of perRange) for (const id of ids) unique.set(nodeKey(id), id);
  const ids = [...unique.values()];
  const hashes = ids.length === 0 ? [] : await reader.getNodes(ids);
  if (hashes.length !== ids.length) throw new LedgerError('corrupt', `asked the store for ${ids.length} nodes, got ${hashes.length}`);
  const byKey = new Map<string, Uint8Array>();
  ids.forEach((id, i) => {
    const h = hashes[i];
    if (!isHash(h)) throw new LedgerError('corrupt', `the store returned no valid hash for node ${nodeKey(id)}`);
    byKey.set(nodeKey(id), h);
  });
  return perRange.map((ids) => foldSubtrees(ids.map((id) => byKey.get(nodeKey(id)) as Uint8Array)));
}

/** MTH(D[0:size]) — the tree head of any size up to the store's. */
export async function rootHash(reader: NodeReader, size: number): Promise<Uint8Array> {
  if (!isTreeSize(size)) throw new LedgerError('out-of-range', `tree size must be a non-negative safe integer, got ${String(size)}`);
  if (size === 0) return new Uint8Array(EMPTY_ROOT); // a copy: callers may write to what they get
  const [root] = await hashRanges(reader, [{ start: 0, end: size }]);
  return root as Uint8Array;
}

export async function inclusionProof(reader: NodeReader, index: number, size: number): Promise<Uint8Array[]> {
  return hashRanges(reader, inclusionRanges(index, size));
}

export async function consistencyProof(reader: NodeReader, size1: number, size2: number): Promise<Uint8Array[]> {
  return hashRanges(reader, consistencyRanges(size1, size2));
}

function checkInclusionArgs(index: number, size: number): void {
  if (!isTreeSize(index) || !isTreeSize(size) || index >= size) {
    throw new LedgerError('out-of-range', `an inclusion proof needs 0 ≤ index < size, got index ${String(index)}, size ${String(size)}`);
  }
}

function checkConsistencyArgs(size1: number, size2: number): void {
  if (!isTreeSize(size1) || !isTreeSize(size2) || size1 > size2) {
    throw new LedgerError('out-of-range', `a consistency proof needs 0 ≤ from ≤ to, got from ${String(size1)}, to ${String(size2)}`);
  }
}
