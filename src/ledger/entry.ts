// The entry envelope: what Cairn puts in a leaf.
//
// Leaf bytes = UTF-8 of the RFC 8785 canonical JSON of the envelope object
//   { "actor", "body", ["signature"], "tenant", "timestamp", "type", "v" }
// (keys in JCS order, no whitespace). JSON keeps the leaves readable by any outside verifier, and
// JCS makes the encoding a function of the values, so decodeEntry can refuse every leaf that is
// not exactly what encodeEntry would write.
//
// - v:         1, the envelope version.
// - type:      what happened, e.g. "control.deploy": lowercase ASCII [a-z0-9._/-], ≤ 128 chars.
// - tenant:    the tenant the entry belongs to (≤ 128 chars); actor: the principal id (≤ 256 chars).
// - timestamp: when the log accepted it, RFC 3339 UTC with milliseconds ("2025-01-02T03:04:05.678Z").
// - body:      any I-JSON value, at most maxBodyBytes as canonical JSON (default 64 KiB).
// - signature: optional, the actor's Ed25519 signature, { alg: "ed25519", publicKey, value } in
//              base64, over signingBytes(): the canonical JSON of
//              { "actor", "body", "context": "cairn-ledger-entry-v1", "tenant", "type" }.
//              The timestamp is left out because the log assigns it after the client signed; the
//              context string keeps a signature made for a ledger entry from meaning anything else.
import type { KeyObject } from 'node:crypto';
import { bytesEqual, decodeUtf8, fromBase64, hasControlChar, toBase64 } from './bytes.ts';
import { ED25519_SIGNATURE_SIZE, ed25519Sign, ed25519Verify, privateKeyFromSeed, publicKeyFromRaw, rawPublicKey } from './ed25519.ts';
import { LedgerError } from './errors.ts';
import { type JsonValue, canonicalBytes } from './jcs.ts';

export const ENTRY_VERSION = 1;
export const ENTRY_SIGNING_CONTEXT = 'cairn-ledger-entry-v1';
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

export interface EntrySignature {
  readonly alg: 'ed25519';
  /** base64 of the 32-byte Ed25519 public key. */
  readonly publicKey: string;
  /** base64 of the 64-byte signature over signingBytes(). */
  readonly value: string;
}

export interface Entry {
  readonly v: typeof ENTRY_VERSION;
  readonly type: string;
  readonly tenant: string;
  readonly actor: string;
  readonly timestamp: string;
  readonly body: JsonValue;
  readonly signature?: EntrySignature;
}

/** The part of an entry its actor signs. */
export interface SignedFields {
  readonly type: string;
  readonly tenant: string;
  readonly actor: string;
  readonly body: JsonValue;
}

export interface EntryInput extends SignedFields {
  /** Defaults to now; the log, not the client, should normally set it. */
  readonly timestamp?: Date | string;
  readonly signature?: EntrySignature;
}

const TYPE_RE = /^[a-z][a-z0-9._/-]{0,127}$/;
const TIMESTAMP_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function invalid(message: string): never {
  throw new LedgerError('invalid', `invalid ledger entry: ${message}`);
}

function checkText(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) invalid(`${field} must be a string of 1 to ${max} characters`);
  if (hasControlChar(value, { includeDel: true }) || /\p{Cs}/u.test(value)) invalid(`${field} contains a control character or a lone surrogate`);
  return value;
}

function checkFields(f: SignedFields): void {
  if (typeof f.type !== 'string' || !TYPE_RE.test(f.type)) invalid('type must be 1 to 128 characters of [a-z0-9._/-], starting with a letter');
  checkText(f.tenant, 'tenant', 128);
  checkText(f.actor, 'actor', 256);
}

function checkTimestamp(ts: unknown): string {
  if (typeof ts !== 'string' || !TIMESTAMP_RE.test(ts) || Number.isNaN(Date.parse(ts)) || new Date(ts).toISOString() !== ts) {
    invalid('timestamp must be RFC 3339 UTC with milliseconds, e.g. 2025-01-02T03:04:05.678Z');
  }
  return ts;
}

function checkSignatureShape(sig: unknown): EntrySignature {
  const s = sig as Record<string, unknown>;
  if (typeof sig !== 'object' || sig === null || Array.isArray(sig) || Object.keys(s).sort().join(',') !== 'alg,publicKey,value') {
    invalid('signature must be { alg, publicKey, value }');
  }
  if (s.alg !== 'ed25519') invalid('signature alg must be "ed25519"');
  if (typeof s.publicKey !== 'string' || fromBase64(s.publicKey)?.byteLength !== 32) invalid('signature publicKey must be base64 of 32 bytes');
  if (typeof s.value !== 'string' || fromBase64(s.value)?.byteLength !== ED25519_SIGNATURE_SIZE) invalid('signature value must be base64 of 64 bytes');
  return { alg: 'ed25519', publicKey: s.publicKey, value: s.value };
}

/** The bytes an actor signs. */
export function signingBytes(f: SignedFields): Uint8Array {
  checkFields(f);
  return canonicalBytes({ actor: f.actor, body: f.body, context: ENTRY_SIGNING_CONTEXT, tenant: f.tenant, type: f.type });
}

/** The actor's side: sign the fields with an Ed25519 private key (KeyObject or 32-byte seed). */
export function signEntry(f: SignedFields, key: KeyObject | Uint8Array): EntrySignature {
  const privateKey = key instanceof Uint8Array ? privateKeyFromSeed(key) : key;
  return {
    alg: 'ed25519',
    publicKey: toBase64(rawPublicKey(privateKey)),
    value: toBase64(ed25519Sign(privateKey, signingBytes(f))),
  };
}

/** True if the entry carries a signature that verifies over its fields; false if unsigned or bad. Throws LedgerError 'invalid' for a malformed signature object. */
export function verifyEntrySignature(entry: SignedFields & { readonly signature?: EntrySignature }): boolean {
  if (!entry.signature) return false;
  const sig = checkSignatureShape(entry.signature);
  const key = publicKeyFromRaw(fromBase64(sig.publicKey) as Uint8Array);
  return ed25519Verify(key, signingBytes(entry), fromBase64(sig.value) as Uint8Array);
}

export interface CreateEntryOptions {
  readonly maxBodyBytes?: number;
  readonly now?: () => Date;
}

/**
 * Validates input and builds the envelope. A signature, when present, must verify, or this
 * throws LedgerError 'bad-signature': a bad signature never reaches the log.
 */
export function createEntry(input: EntryInput, options: CreateEntryOptions = {}): Entry {
  if (typeof input !== 'object' || input === null) invalid('expected an object');
  checkFields(input);
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const bodyBytes = canonicalBytes(input.body);
  if (bodyBytes.byteLength > maxBody) {
    throw new LedgerError('too-large', `invalid ledger entry: the body is ${bodyBytes.byteLength} bytes as canonical JSON; the limit is ${maxBody}`);
  }
  const ts = input.timestamp ?? (options.now ?? (() => new Date()))();
  const timestamp = checkTimestamp(ts instanceof Date ? (Number.isNaN(ts.getTime()) ? 'invalid' : ts.toISOString()) : ts);
  // Re-parse the canonical body: the entry then holds plain data, detached from the caller's objects.
  const body = JSON.parse(new TextDecoder().decode(bodyBytes)) as JsonValue;
  const base = { v: ENTRY_VERSION, type: input.type, tenant: input.tenant, actor: input.actor, timestamp, body } as const;
  if (input.signature === undefined) return base;
  const signature = checkSignatureShape(input.signature);
  if (!verifyEntrySignature({ ...base, signature })) {
    throw new LedgerError('bad-signature', `the signature on this ${input.type} entry does not verify: it must be Ed25519 by the given key over the canonical JSON of { actor, body, context: "${ENTRY_SIGNING_CONTEXT}", tenant, type }`);
  }
  return { ...base, signature };
}

/** The leaf bytes of an entry. */
export function encodeEntry(entry: Entry): Uint8Array {
  return canonicalBytes(entry);
}

const ENTRY_KEYS = new Set(['v', 'type', 'tenant', 'actor', 'timestamp', 'body', 'signature']);

/** Parses leaf bytes; refuses anything encodeEntry would not have produced byte for byte. Does not verify the signature. */
export function decodeEntry(bytes: Uint8Array): Entry {
  const text = decodeUtf8(bytes);
  if (text === null) invalid('leaf is not valid UTF-8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    invalid('leaf is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) invalid('leaf is not a JSON object');
  const o = parsed as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!ENTRY_KEYS.has(k)) invalid(`unknown field ${JSON.stringify(k)}`);
  if (o.v !== ENTRY_VERSION) invalid(`unsupported envelope version ${JSON.stringify(o.v)}`);
  if (!('body' in o)) invalid('body is missing');
  const fields = { type: o.type, tenant: o.tenant, actor: o.actor, body: o.body } as SignedFields;
  checkFields(fields);
  const entry: Entry = {
    v: ENTRY_VERSION, ...fields, timestamp: checkTimestamp(o.timestamp),
    ...(o.signature === undefined ? {} : { signature: checkSignatureShape(o.signature) }),
  };
  if (!bytesEqual(encodeEntry(entry), bytes)) invalid('leaf is not in canonical form');
  return entry;
}
