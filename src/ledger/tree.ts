// Tree arithmetic shared by proof generation, appends and audits.
//
// A stored node is the hash of a *complete* subtree: NodeId {level, index} covers the leaves
// [index·2^level, (index+1)·2^level). Level 0 nodes are leaf hashes. Complete subtrees never change
// once the tree has grown past them, which is what lets a store keep them forever and answer any
// proof, for any past tree size, with O(log n) reads.
//
// Sizes and indexes are plain numbers up to Number.MAX_SAFE_INTEGER (2^53 - 1); the arithmetic
// uses division and remainder rather than bit operators, which JavaScript truncates to 32 bits.
import { nodeHash } from './hash.ts';

export interface NodeId {
  readonly level: number;
  readonly index: number;
}

/** Half-open leaf range [start, end). */
export interface LeafRange {
  readonly start: number;
  readonly end: number;
}

export function isTreeSize(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

export function isPowerOfTwo(n: number): boolean {
  if (!(n >= 1) || !Number.isSafeInteger(n)) return false;
  while (n % 2 === 0) n /= 2;
  return n === 1;
}

/** RFC 9162 §2.1.1's k: the largest power of two smaller than n (n ≥ 2), so that k < n ≤ 2k. */
export function splitPoint(n: number): number {
  if (!(n >= 2)) throw new RangeError(`splitPoint needs n ≥ 2, got ${n}`);
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function largestPowerOfTwoAtMost(n: number): { size: number; level: number } {
  let size = 1;
  let level = 0;
  while (size * 2 <= n) {
    size *= 2;
    level++;
  }
  return { size, level };
}

/**
 * The complete subtrees whose hashes make up MTH(D[start:end]), left to right, largest first.
 *
 * Valid for the ranges RFC 9162's recursions produce: a range [s, e) there always starts at a
 * multiple of the smallest power of two ≥ e - s (the left part of a split is a complete subtree,
 * the right part is no longer than it and starts where it ends). For such a range the RFC's split
 * "k = largest power of two < n" peels off one complete subtree per set bit of e - s, so
 *   MTH(D[s:e]) = H(c1, H(c2, … H(c_{m-1}, c_m)))   — see foldSubtrees.
 */
export function subtreesOf(range: LeafRange): NodeId[] {
  const out: NodeId[] = [];
  let start = range.start;
  while (start < range.end) {
    const { size, level } = largestPowerOfTwoAtMost(range.end - start);
    if (start % size !== 0) throw new RangeError(`[${range.start}, ${range.end}) is not a range of the RFC 9162 recursion`);
    out.push({ level, index: start / size });
    start += size;
  }
  return out;
}

/** Folds subtree hashes (as ordered by subtreesOf) right to left into the hash of their union. */
export function foldSubtrees(hashes: readonly Uint8Array[]): Uint8Array {
  if (hashes.length === 0) throw new RangeError('foldSubtrees needs at least one hash');
  let acc = hashes[hashes.length - 1] as Uint8Array;
  for (let i = hashes.length - 2; i >= 0; i--) acc = nodeHash(hashes[i] as Uint8Array, acc);
  return acc;
}

export function nodeKey(id: NodeId): string {
  return `${id.level}/${id.index}`;
}
