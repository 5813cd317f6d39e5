// RFC 9162 §2.1.1 hashing with SHA-256 (the hash algorithm of RFC 9162 §10.2.1 and of RFC 6962):
//   MTH({})       = SHA-256()                            — the empty tree
//   leaf hash     = SHA-256(0x00 || entry)
//   interior node = SHA-256(0x01 || left || right)
// The distinct prefixes are the RFC's second-preimage defence: a leaf can never be passed off as
// an interior node or the other way round.
import { createHash } from 'node:crypto';

export const HASH_SIZE = 32;

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

export function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

/** MTH({}): the hash of an empty tree, SHA-256 of the empty string. */
export const EMPTY_ROOT: Uint8Array = sha256();

export function leafHash(entry: Uint8Array): Uint8Array {
  return createHash('sha256').update(LEAF_PREFIX).update(entry).digest();
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

export function isHash(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.byteLength === HASH_SIZE;
}
