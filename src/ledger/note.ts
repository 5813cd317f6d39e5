// C2SP signed-note (https://c2sp.org/signed-note), Ed25519 signature type 0x01.
//
//   <text ending in "\n">
//   "\n"                                           — one blank line
//   "— <key name> <base64(key ID || signature)>\n"  — one or more, em dash U+2014 then a space
//
// key ID = SHA-256(key name || 0x0A || 0x01 || 32-byte public key)[:4], read as a big-endian uint32;
// the signature is Ed25519 (RFC 8032) over the UTF-8 bytes of the text, final newline included,
// separating blank line excluded. Verifier keys travel as "<name>+<hex key ID>+<base64(0x01 || key)>"
// and signer keys as "PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || seed)>" (the encodings of
// golang.org/x/mod/sumdb/note, which the C2SP spec grew out of).
import type { KeyObject } from 'node:crypto';
import { createHash } from 'node:crypto';
import { concatBytes, decodeUtf8, encodeUtf8, fromBase64, hasControlChar, toBase64 } from './bytes.ts';
import { ed25519Sign, ed25519Verify, generateSeed, privateKeyFromSeed, publicKeyFromRaw, rawPublicKey, rawSeed } from './ed25519.ts';
import { LedgerError } from './errors.ts';

export const SIGNATURE_TYPE_ED25519 = 0x01;
/** The spec asks verifiers to bound signatures per note and to accept at least 16; Go's reader allows 100. */
export const MAX_NOTE_SIGNATURES = 100;
export const MAX_NOTE_BYTES = 1 << 20;

const EM_DASH_SPACE = '\u2014 ';

export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  /** Ed25519 public key of the signer (32 bytes). */
  readonly publicKey: Uint8Array;
  sign(text: Uint8Array): Uint8Array;
}

export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  verify(text: Uint8Array, signature: Uint8Array): boolean;
}

export interface NoteSignature {
  readonly name: string;
  readonly keyId: number;
}

export interface OpenedNote {
  /** The note text, final newline included: the only part a caller may act on. */
  readonly text: string;
  /** Known keys whose signatures verified. Never empty. */
  readonly verified: NoteSignature[];
  /** Signatures from keys the caller did not supply (ignored, as the spec requires). */
  readonly unverified: NoteSignature[];
}

/** Key names: non-empty, no Unicode white space, no '+' (signed-note §Format). */
export function isValidKeyName(name: unknown): name is string {
  return typeof name === 'string' && name.length > 0 && !/[\p{White_Space}+]/u.test(name) && !/\p{Cs}/u.test(name);
}

function assertKeyName(name: unknown): asserts name is string {
  if (!isValidKeyName(name)) throw new LedgerError('invalid', `invalid note key name ${JSON.stringify(name)}: it must be non-empty, with no spaces and no '+'`);
}

/** The recommended key ID of an Ed25519 note key. */
export function ed25519KeyId(name: string, publicKey: Uint8Array): number {
  assertKeyName(name);
  const digest = createHash('sha256').update(name, 'utf8').update(Uint8Array.of(0x0a, SIGNATURE_TYPE_ED25519)).update(publicKey).digest();
  return digest.readUInt32BE(0);
}

const hex8 = (id: number): string => id.toString(16).padStart(8, '0');

export function createEd25519Signer(name: string, key: KeyObject | Uint8Array): NoteSigner {
  assertKeyName(name);
  const privateKey = key instanceof Uint8Array ? privateKeyFromSeed(key) : key;
  const publicKey = rawPublicKey(privateKey);
  return { name, keyId: ed25519KeyId(name, publicKey), publicKey, sign: (text) => ed25519Sign(privateKey, text) };
}

export function createEd25519Verifier(name: string, publicKey: Uint8Array): NoteVerifier {
  assertKeyName(name);
  const key = publicKeyFromRaw(publicKey);
  return { name, keyId: ed25519KeyId(name, publicKey), verify: (text, sig) => ed25519Verify(key, text, sig) };
}

/** "<name>+<hex key ID>+<base64(0x01 || public key)>" */
export function formatVerifierKey(name: string, publicKey: Uint8Array): string {
  return `${name}+${hex8(ed25519KeyId(name, publicKey))}+${toBase64(concatBytes(Uint8Array.of(SIGNATURE_TYPE_ED25519), publicKey))}`;
}

/** "PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || seed)>" — a secret: store it like one. */
export function formatSignerKey(name: string, key: KeyObject | Uint8Array): string {
  const seed = key instanceof Uint8Array ? key : rawSeed(key);
  const publicKey = rawPublicKey(privateKeyFromSeed(seed));
  return `PRIVATE+KEY+${name}+${hex8(ed25519KeyId(name, publicKey))}+${toBase64(concatBytes(Uint8Array.of(SIGNATURE_TYPE_ED25519), seed))}`;
}

/** Splits "<name>+<hex id>+<base64>" (the base64 may itself contain '+') and checks name, id and type byte. */
function splitKey(text: string, what: string): { name: string; keyId: number; key: Uint8Array } {
  const first = text.indexOf('+');
  const second = first < 0 ? -1 : text.indexOf('+', first + 1);
  if (second < 0) throw new LedgerError('invalid', `malformed ${what}: expected <name>+<hex key ID>+<base64 key>`);
  const name = text.slice(0, first);
  const id = text.slice(first + 1, second);
  const material = fromBase64(text.slice(second + 1));
  assertKeyName(name);
  if (!/^[0-9a-f]{8}$/i.test(id)) throw new LedgerError('invalid', `malformed ${what}: the key ID must be 8 hex digits`);
  if (!material || material.byteLength !== 33) throw new LedgerError('invalid', `malformed ${what}: the key must be base64 of a type byte and 32 key bytes`);
  if (material[0] !== SIGNATURE_TYPE_ED25519) throw new LedgerError('invalid', `unsupported ${what} type 0x${(material[0] ?? 0).toString(16).padStart(2, '0')}: only Ed25519 (0x01) is supported`);
  return { name, keyId: Number.parseInt(id, 16), key: material.subarray(1) };
}

export function parseVerifierKey(vkey: string): NoteVerifier {
  const { name, keyId, key } = splitKey(vkey, 'verifier key');
  const verifier = createEd25519Verifier(name, key);
  if (verifier.keyId !== keyId) throw new LedgerError('invalid', `verifier key ${name}: key ID ${hex8(keyId)} does not match the key (${hex8(verifier.keyId)})`);
  return verifier;
}

export function parseSignerKey(skey: string): NoteSigner {
  if (!skey.startsWith('PRIVATE+KEY+')) throw new LedgerError('invalid', 'malformed signer key: expected PRIVATE+KEY+<name>+<hex key ID>+<base64 key>');
  const { name, keyId, key } = splitKey(skey.slice('PRIVATE+KEY+'.length), 'signer key');
  const signer = createEd25519Signer(name, key);
  if (signer.keyId !== keyId) throw new LedgerError('invalid', `signer key ${name}: key ID ${hex8(keyId)} does not match the key (${hex8(signer.keyId)})`);
  return signer;
}

/** A fresh Ed25519 key pair in signer/verifier key form. */
export function generateNoteKey(name: string): { signerKey: string; verifierKey: string } {
  assertKeyName(name);
  const seed = generateSeed();
  return { signerKey: formatSignerKey(name, seed), verifierKey: formatVerifierKey(name, rawPublicKey(privateKeyFromSeed(seed))) };
}

/** Only newline below U+0020, and well-formed UTF-16 so it encodes to valid UTF-8. */
function checkNoteChars(text: string, what: string): void {
  if (hasControlChar(text, { allowNewline: true })) throw new LedgerError('invalid', `${what} contains an ASCII control character other than newline`);
  if (/\p{Cs}/u.test(text)) throw new LedgerError('invalid', `${what} is not valid Unicode (lone surrogate)`);
}

/** Signs `text` (non-empty, ending in a newline) with each signer, in order. */
export function signNote(text: string, signers: readonly NoteSigner[]): string {
  if (typeof text !== 'string' || !text.endsWith('\n')) throw new LedgerError('invalid', 'note text must be non-empty and end in a newline');
  checkNoteChars(text, 'note text');
  if (signers.length === 0) throw new LedgerError('invalid', 'a signed note needs at least one signer');
  const bytes = encodeUtf8(text);
  const lines = signers.map((s) => {
    const sig = s.sign(bytes);
    const blob = new Uint8Array(4 + sig.byteLength);
    new DataView(blob.buffer).setUint32(0, s.keyId);
    blob.set(sig, 4);
    return `${EM_DASH_SPACE}${s.name} ${toBase64(blob)}\n`;
  });
  return `${text}\n${lines.join('')}`;
}

/**
 * Parses and verifies a signed note against the caller's trusted keys. Follows the spec's rules:
 * signatures from unknown keys (name and ID not both matching a known key) are ignored; a known
 * key's signature that fails rejects the whole note; a note without any verified signature from a
 * known key is rejected. Throws LedgerError 'invalid' (malformed) or 'bad-signature'.
 */
export function openNote(note: string | Uint8Array, verifiers: readonly NoteVerifier[]): OpenedNote {
  let msg: string;
  if (typeof note === 'string') {
    if (note.length > MAX_NOTE_BYTES) throw new LedgerError('too-large', `a note is at most ${MAX_NOTE_BYTES} bytes`);
    msg = note;
  } else {
    if (note.byteLength > MAX_NOTE_BYTES) throw new LedgerError('too-large', `a note is at most ${MAX_NOTE_BYTES} bytes`);
    const decoded = decodeUtf8(note);
    if (decoded === null) throw new LedgerError('invalid', 'malformed note: not valid UTF-8');
    msg = decoded;
  }
  checkNoteChars(msg, 'note');
  if (encodeUtf8(msg).byteLength > MAX_NOTE_BYTES) throw new LedgerError('too-large', `a note is at most ${MAX_NOTE_BYTES} bytes`);

  // The text is separated from the signatures by the last empty line.
  const split = msg.lastIndexOf('\n\n');
  if (split < 0) throw new LedgerError('invalid', 'malformed note: no blank line before the signatures');
  const text = msg.slice(0, split + 1);
  let sigs = msg.slice(split + 2);
  if (sigs.length === 0 || !sigs.endsWith('\n')) throw new LedgerError('invalid', 'malformed note: the signature block is empty or does not end in a newline');

  const textBytes = encodeUtf8(text);
  const verified = new Map<string, NoteSignature>();
  const unverified = new Map<string, NoteSignature>();
  let count = 0;
  while (sigs.length > 0) {
    const nl = sigs.indexOf('\n');
    const line = sigs.slice(0, nl);
    sigs = sigs.slice(nl + 1);
    if (++count > MAX_NOTE_SIGNATURES) throw new LedgerError('invalid', `malformed note: more than ${MAX_NOTE_SIGNATURES} signatures`);
    if (!line.startsWith(EM_DASH_SPACE)) throw new LedgerError('invalid', 'malformed note: a signature line does not start with "\u2014 "');
    const rest = line.slice(EM_DASH_SPACE.length);
    const space = rest.indexOf(' ');
    const name = space < 0 ? '' : rest.slice(0, space);
    const blob = space < 0 ? null : fromBase64(rest.slice(space + 1));
    if (!isValidKeyName(name) || blob === null || blob.byteLength < 5) {
      throw new LedgerError('invalid', 'malformed note: a signature line is not "\u2014 <key name> <base64 signature>"');
    }
    const keyId = new DataView(blob.buffer, blob.byteOffset, 4).getUint32(0);
    const id = `${name}+${hex8(keyId)}`;
    const verifier = verifiers.find((v) => v.name === name && v.keyId === keyId);
    if (!verifier) {
      unverified.set(id, { name, keyId });
      continue;
    }
    if (!verifier.verify(textBytes, blob.subarray(4))) {
      throw new LedgerError('bad-signature', `the note's signature by known key ${id} does not verify`);
    }
    verified.set(id, { name, keyId });
  }
  if (verified.size === 0) throw new LedgerError('bad-signature', 'the note has no signature from a known key');
  return { text, verified: [...verified.values()], unverified: [...unverified.values()] };
}
