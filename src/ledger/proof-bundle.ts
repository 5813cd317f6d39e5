// A self-contained inclusion proof: everything an offline verifier needs to check that an entry is
// in the log — the exact leaf bytes, the RFC 9162 audit path, the signed checkpoint it is relative
// to and the log's verifier key. `cairn ledger proof` prints one, `cairn ledger check-proof` checks
// one with no server, and the documents API returns one for a revision.
//
// The key in a bundle only makes it self-describing: a verifier that takes it from the bundle learns
// that the bundle is consistent, not that it comes from the log it trusts. Pin the log's key
// (`trustedKeys`) to learn that.
import { bytesEqual, fromBase64, toBase64 } from './bytes.ts';
import { openCheckpoint } from './checkpoint.ts';
import { type Entry, decodeEntry, verifyEntrySignature } from './entry.ts';
import { LedgerError } from './errors.ts';
import { leafHash } from './hash.ts';
import { parseVerifierKey } from './note.ts';
import { verifyInclusion } from './verify.ts';

export const PROOF_BUNDLE_FORMAT = 'cairn-inclusion-proof-v1';

export interface ProofBundle {
  readonly format: typeof PROOF_BUNDLE_FORMAT;
  /** The log's origin (first line of its checkpoints). */
  readonly origin: string;
  /** The log's verifier key, `<name>+<hex id>+<base64>`. */
  readonly key: string;
  readonly index: number;
  /** The tree size the proof is relative to: the checkpoint's. */
  readonly size: number;
  /** base64 of the exact leaf bytes. */
  readonly leaf: string;
  /** base64 of SHA-256(0x00 ‖ leaf). */
  readonly leafHash: string;
  /** The RFC 9162 audit path, base64, in the RFC's order. */
  readonly hashes: readonly string[];
  /** The signed checkpoint note, exactly as signed. */
  readonly checkpoint: string;
}

export interface CheckedProof {
  readonly index: number;
  readonly size: number;
  readonly origin: string;
  /** The key that verified the checkpoint, `<name>+<hex id>`. */
  readonly keyId: string;
  readonly rootHash: string;
  readonly entry: Entry;
  /** True when the entry carries an actor signature and it verifies. */
  readonly signedByActor: boolean;
}

function bad(message: string): never {
  throw new LedgerError('invalid', `malformed proof bundle: ${message}`);
}

/**
 * Checks a bundle with no server: the checkpoint's signature (by a pinned key, or else by the key the
 * bundle names), the leaf hash, the audit path against the checkpoint's root, and the entry's
 * encoding and actor signature. Throws LedgerError ('invalid' or 'bad-signature') saying what failed.
 */
export function checkProofBundle(bundle: unknown, options: { trustedKeys?: readonly string[] } = {}): CheckedProof {
  if (typeof bundle !== 'object' || bundle === null || Array.isArray(bundle)) bad('expected a JSON object');
  const b = bundle as Record<string, unknown>;
  if (b.format !== PROOF_BUNDLE_FORMAT) bad(`format must be "${PROOF_BUNDLE_FORMAT}"`);
  for (const field of ['origin', 'key', 'leaf', 'leafHash', 'checkpoint'] as const) if (typeof b[field] !== 'string') bad(`${field} must be a string`);
  if (!Number.isSafeInteger(b.index) || (b.index as number) < 0) bad('index must be a non-negative integer');
  if (!Number.isSafeInteger(b.size) || (b.size as number) < 1) bad('size must be a positive integer');
  if (!Array.isArray(b.hashes) || !b.hashes.every((h) => typeof h === 'string')) bad('hashes must be an array of base64 strings');
  const leaf = fromBase64(b.leaf as string) ?? bad('leaf is not base64');
  const claimedLeafHash = fromBase64(b.leafHash as string) ?? bad('leafHash is not base64');
  const path = (b.hashes as string[]).map((h, i) => fromBase64(h) ?? bad(`hashes[${i}] is not base64`));

  const keys = (options.trustedKeys && options.trustedKeys.length > 0 ? options.trustedKeys : [b.key as string]).map((k) => parseVerifierKey(k));
  const cp = openCheckpoint(b.checkpoint as string, keys, b.origin as string);
  if (cp.size !== b.size) throw new LedgerError('invalid', `the checkpoint is for tree size ${cp.size}, the proof for ${String(b.size)}`);
  const hash = leafHash(leaf);
  if (!bytesEqual(hash, claimedLeafHash)) throw new LedgerError('invalid', 'leafHash is not the hash of leaf');
  if (!verifyInclusion(hash, b.index as number, cp.size, path, cp.rootHash)) {
    throw new LedgerError('invalid', `the audit path does not lead from entry ${String(b.index)} to the checkpoint's root at tree size ${cp.size}`);
  }
  const entry = decodeEntry(leaf);
  let signedByActor = false;
  if (entry.signature) {
    if (!verifyEntrySignature(entry)) throw new LedgerError('bad-signature', 'the entry carries an actor signature that does not verify');
    signedByActor = true;
  }
  const verifiedBy = cp.note.verified[0] as { name: string; keyId: number };
  return {
    index: b.index as number, size: cp.size, origin: cp.origin, keyId: `${verifiedBy.name}+${verifiedBy.keyId.toString(16).padStart(8, '0')}`,
    rootHash: toBase64(cp.rootHash), entry, signedByActor,
  };
}
