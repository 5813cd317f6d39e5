// RFC 9162 §2.1 written as literally as possible over the data itself — MTH, PATH, PROOF and
// SUBPROOF recurse on D[n] exactly as the RFC's definitions read — with its own SHA-256 calls, so
// that the library (which works on stored subtree hashes) is cross-checked against the text, not
// against itself. Exponential nothing, but O(n) hashing per call: for tests only.
import { createHash } from 'node:crypto';

const sha = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

/** k: the largest power of two smaller than n. */
function k(n: number): number {
  let p = 1;
  while (p * 2 < n) p *= 2;
  return p;
}

/** MTH(D[n]) of RFC 9162 §2.1.1. */
export function mth(d: readonly Uint8Array[]): Uint8Array {
  const n = d.length;
  if (n === 0) return sha();
  if (n === 1) return sha(Uint8Array.of(0), d[0] as Uint8Array);
  return sha(Uint8Array.of(1), mth(d.slice(0, k(n))), mth(d.slice(k(n))));
}

/** PATH(m, D[n]) of RFC 9162 §2.1.3.1. */
export function path(m: number, d: readonly Uint8Array[]): Uint8Array[] {
  const n = d.length;
  if (n === 1) return [];
  const s = k(n);
  return m < s ? [...path(m, d.slice(0, s)), mth(d.slice(s))] : [...path(m - s, d.slice(s)), mth(d.slice(0, s))];
}

/** SUBPROOF(m, D[n], b) of RFC 9162 §2.1.4.1. */
function subproof(m: number, d: readonly Uint8Array[], b: boolean): Uint8Array[] {
  const n = d.length;
  if (m === n) return b ? [] : [mth(d)];
  const s = k(n);
  return m <= s ? [...subproof(m, d.slice(0, s), b), mth(d.slice(s))] : [...subproof(m - s, d.slice(s), false), mth(d.slice(0, s))];
}

/** PROOF(m, D[n]) of RFC 9162 §2.1.4.1, for 0 < m < n. */
export function proof(m: number, d: readonly Uint8Array[]): Uint8Array[] {
  return subproof(m, d, true);
}
