// Ed25519 (RFC 8032) keys as raw bytes — 32-byte seeds and 32-byte public keys, the encodings the
// signed-note spec and entry signatures use — converted to and from node:crypto KeyObjects.
//
// node:crypto imports raw Ed25519 keys only inside DER containers, so the fixed ASN.1 headers of
// PKCS #8 (private) and SubjectPublicKeyInfo (public) for OID 1.3.101.112 (RFC 8410) are
// prepended here; for Ed25519 both are constant, the key is always the last 32 bytes.
import { type KeyObject, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { LedgerError } from './errors.ts';

export const ED25519_KEY_SIZE = 32;
export const ED25519_SIGNATURE_SIZE = 64;

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function assertSize(bytes: Uint8Array, what: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength !== ED25519_KEY_SIZE) {
    throw new LedgerError('invalid', `an Ed25519 ${what} is ${ED25519_KEY_SIZE} bytes`);
  }
}

export function privateKeyFromSeed(seed: Uint8Array): KeyObject {
  assertSize(seed, 'private key seed');
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

export function publicKeyFromRaw(raw: Uint8Array): KeyObject {
  assertSize(raw, 'public key');
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

function assertEd25519(key: KeyObject): void {
  if (key.asymmetricKeyType !== 'ed25519') throw new LedgerError('invalid', `expected an Ed25519 key, got ${key.asymmetricKeyType ?? key.type}`);
}

/** The 32-byte public key of a private or public Ed25519 KeyObject. */
export function rawPublicKey(key: KeyObject): Uint8Array {
  assertEd25519(key);
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return new Uint8Array(pub.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length));
}

/** The 32-byte seed of a private Ed25519 KeyObject. */
export function rawSeed(key: KeyObject): Uint8Array {
  assertEd25519(key);
  if (key.type !== 'private') throw new LedgerError('invalid', 'expected a private key');
  return new Uint8Array(key.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_PREFIX.length));
}

export function generateSeed(): Uint8Array {
  return rawSeed(generateKeyPairSync('ed25519').privateKey);
}

export function ed25519Sign(key: KeyObject, message: Uint8Array): Uint8Array {
  return new Uint8Array(sign(null, message, key));
}

/** False (never a throw) for a signature of the wrong length or one that does not verify. */
export function ed25519Verify(key: KeyObject, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.byteLength !== ED25519_SIGNATURE_SIZE) return false;
  try {
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}
