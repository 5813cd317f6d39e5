// Proof verification, following RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency) step by
// step; the step numbers in the comments are the RFC's. These functions need nothing but the
// proof, so an offline verifier (a CLI, a browser, another implementation's test) can use them.
//
// fn and sn stay below 2^53, so "right-shift" is floor division by two and "LSB" is the remainder:
// JavaScript's >> would truncate them to 32 bits.
import { bytesEqual } from './bytes.ts';
import { EMPTY_ROOT, isHash, nodeHash } from './hash.ts';
import { isPowerOfTwo, isTreeSize } from './tree.ts';

/** No valid proof for a tree below 2^53 leaves is longer than this; longer ones are refused before any hashing. */
const MAX_PROOF_LENGTH = 2 * 54;

const lsb = (x: number): boolean => x % 2 === 1;
const half = (x: number): number => Math.floor(x / 2);

function validPath(path: readonly Uint8Array[]): boolean {
  return Array.isArray(path) && path.length <= MAX_PROOF_LENGTH && path.every(isHash);
}

/**
 * The root hash that an inclusion proof implies for `leaf` (a leaf hash, not the entry), or null
 * when the proof is malformed for (index, size): RFC 9162 §2.1.3.2 steps 1–5 minus the comparison.
 */
export function rootFromInclusionProof(leaf: Uint8Array, index: number, size: number, path: readonly Uint8Array[]): Uint8Array | null {
  if (!isHash(leaf) || !isTreeSize(index) || !isTreeSize(size) || !validPath(path)) return null;
  // 1. If leaf_index >= tree_size, fail.
  if (index >= size) return null;
  // 2. Set fn to leaf_index and sn to tree_size - 1.
  let fn = index;
  let sn = size - 1;
  // 3. Set r to hash.
  let r = leaf;
  // 4. For each value p in the inclusion_path array:
  for (const p of path) {
    // a. If sn is 0, stop the iteration and fail.
    if (sn === 0) return null;
    // b. If LSB(fn) is set, or if fn is equal to sn, then:
    if (lsb(fn) || fn === sn) {
      // i. Set r to HASH(0x01 || p || r).
      r = nodeHash(p, r);
      // ii. If LSB(fn) is not set, right-shift fn and sn equally until LSB(fn) is set or fn is 0.
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      // Otherwise: set r to HASH(0x01 || r || p).
      r = nodeHash(r, p);
    }
    // c. Finally, right-shift both fn and sn one time.
    fn = half(fn);
    sn = half(sn);
  }
  // 5. sn must be 0 (the comparison of r with root_hash is the caller's).
  return sn === 0 ? r : null;
}

/** RFC 9162 §2.1.3.2: does `path` prove that `leaf` (a leaf hash) is entry `index` of the tree (size, root)? */
export function verifyInclusion(leaf: Uint8Array, index: number, size: number, path: readonly Uint8Array[], root: Uint8Array): boolean {
  if (!isHash(root)) return false;
  const r = rootFromInclusionProof(leaf, index, size, path);
  // 5. If sn is equal to 0 and r and the root_hash are equal, the inclusion is proven.
  return r !== null && bytesEqual(r, root);
}

/**
 * RFC 9162 §2.1.4.2: does `path` prove that the tree (size2, root2) extends the tree (size1, root1)?
 *
 * The RFC's algorithm covers 0 < size1 < size2. For the two cases it leaves out, the proof must be
 * empty: size1 = size2 needs root1 = root2, and size1 = 0 needs root1 to be the empty tree's hash
 * (stricter than accepting any root1, so a bogus size-0 checkpoint is never "consistent").
 */
export function verifyConsistency(
  size1: number, size2: number, root1: Uint8Array, root2: Uint8Array, path: readonly Uint8Array[],
): boolean {
  if (!isTreeSize(size1) || !isTreeSize(size2) || size1 > size2) return false;
  if (!isHash(root1) || !isHash(root2) || !validPath(path)) return false;
  if (size1 === size2) return path.length === 0 && bytesEqual(root1, root2);
  if (size1 === 0) return path.length === 0 && bytesEqual(root1, EMPTY_ROOT);

  // 1. If consistency_path is an empty array, stop and fail.
  if (path.length === 0) return false;
  // 2. If first is an exact power of 2, prepend first_hash to the consistency_path array.
  const cp = isPowerOfTwo(size1) ? [root1, ...path] : path;
  // 3. Set fn to first - 1 and sn to second - 1.
  let fn = size1 - 1;
  let sn = size2 - 1;
  // 4. If LSB(fn) is set, right-shift both fn and sn equally until LSB(fn) is not set.
  while (lsb(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  // 5. Set both fr and sr to the first value in the consistency_path array.
  let fr = cp[0] as Uint8Array;
  let sr = cp[0] as Uint8Array;
  // 6. For each subsequent value c in the consistency_path array:
  for (let i = 1; i < cp.length; i++) {
    const c = cp[i] as Uint8Array;
    // a. If sn is 0, stop the iteration and fail.
    if (sn === 0) return false;
    // b. If LSB(fn) is set, or if fn is equal to sn, then:
    if (lsb(fn) || fn === sn) {
      // i. Set fr to HASH(0x01 || c || fr) and sr to HASH(0x01 || c || sr).
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      // ii. If LSB(fn) is not set, right-shift fn and sn equally until LSB(fn) is set or fn is 0.
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      // Otherwise: set sr to HASH(0x01 || sr || c).
      sr = nodeHash(sr, c);
    }
    // c. Finally, right-shift both fn and sn one time.
    fn = half(fn);
    sn = half(sn);
  }
  // 7. fr must equal first_hash, sr must equal second_hash, and sn must be 0.
  return sn === 0 && bytesEqual(fr, root1) && bytesEqual(sr, root2);
}
