// Identities: Ed25519 keys of nodes, tenants, functions and devices, registered and rotated in the
// log, exported as did:key (https://w3c-ccg.github.io/did-method-key/).
//
// did:key for Ed25519: "did:key:" + multibase base58btc ("z" + base58btc) of the multicodec
// ed25519-pub prefix (varint 0xed → bytes 0xed 0x01) followed by the 32-byte public key.
//
// Entries (the tenant is the envelope's; both must carry the envelope signature described):
//   identity.register { subject, kind, publicKey, did }
//       signed by the key being registered: proof of possession.
//   identity.rotate   { subject, version, previousKey, publicKey, did, possession }
//       signed by the subject's current key (it authorises its successor); `possession` is the new
//       key's Ed25519 signature over rotationPossessionBytes(): proof that the new key's holder
//       agreed. `version` counts keys from 1 (the registered one).
// Keys are base64 of the 32 raw bytes, as in entry signatures.
//
// State rows: identity (tenant, subject) → the current key; idkey (tenant, subject, version) → every key.
import type { KeyObject } from 'node:crypto';
import { bytesEqual, concatBytes, fromBase64, toBase64 } from './bytes.ts';
import { type Caller, type StateContext, checkCaller, checkName, checkTenant, invalidArg, isPlainObject } from './context.ts';
import { ED25519_KEY_SIZE, ed25519Sign, ed25519Verify, privateKeyFromSeed, publicKeyFromRaw, rawPublicKey } from './ed25519.ts';
import { type EntrySignature, type SignedFields, signEntry, verifyEntrySignature } from './entry.ts';
import type { LoggedEntry } from './entry-log.ts';
import { LedgerError } from './errors.ts';
import { canonicalBytes } from './jcs.ts';
import { KEY_SEPARATOR, type ReduceContext, type Reducer, corruptEntry, stateKey, statePrefix } from './state.ts';

// ---- base58btc and did:key

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const ALPHABET_INDEX = new Map([...ALPHABET].map((c, i) => [c, i]));

/** Base58 with the Bitcoin alphabet (multibase "base58btc"). */
export function base58btcEncode(bytes: Uint8Array): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  const digits: number[] = []; // base-58 digits, least significant first
  for (let i = zeros; i < bytes.length; i++) {
    let carry = bytes[i] as number;
    for (let j = 0; j < digits.length; j++) {
      carry += (digits[j] as number) * 256;
      digits[j] = carry % 58;
      carry = Math.floor(carry / 58);
    }
    while (carry > 0) {
      digits.push(carry % 58);
      carry = Math.floor(carry / 58);
    }
  }
  return '1'.repeat(zeros) + digits.reverse().map((d) => ALPHABET[d]).join('');
}

/** Decodes base58btc, or returns null for a character outside the alphabet. */
export function base58btcDecode(text: string): Uint8Array | null {
  let zeros = 0;
  while (zeros < text.length && text[zeros] === '1') zeros++;
  const bytes: number[] = []; // least significant first
  for (let i = zeros; i < text.length; i++) {
    const value = ALPHABET_INDEX.get(text[i] as string);
    if (value === undefined) return null;
    let carry = value;
    for (let j = 0; j < bytes.length; j++) {
      carry += (bytes[j] as number) * 58;
      bytes[j] = carry & 0xff;
      carry >>= 8;
    }
    while (carry > 0) {
      bytes.push(carry & 0xff);
      carry >>= 8;
    }
  }
  return Uint8Array.from([...new Array<number>(zeros).fill(0), ...bytes.reverse()]);
}

/** The multicodec code of an Ed25519 public key (0xed) as an unsigned varint. */
export const ED25519_PUB_MULTICODEC = Uint8Array.of(0xed, 0x01);
const DID_KEY_PREFIX = 'did:key:z';

/** did:key of an Ed25519 public key (32 raw bytes). */
export function didKeyFromPublicKey(publicKey: Uint8Array): string {
  if (!(publicKey instanceof Uint8Array) || publicKey.byteLength !== ED25519_KEY_SIZE) invalidArg('an Ed25519 public key is 32 bytes');
  return DID_KEY_PREFIX + base58btcEncode(concatBytes(ED25519_PUB_MULTICODEC, publicKey));
}

/** The Ed25519 public key a did:key names; LedgerError 'invalid' for anything else (another key type, a fragment, bad base58). */
export function publicKeyFromDidKey(did: string): Uint8Array {
  if (typeof did !== 'string' || !did.startsWith(DID_KEY_PREFIX)) invalidArg('a did:key starts with "did:key:z" (multibase base58btc)');
  const bytes = base58btcDecode(did.slice(DID_KEY_PREFIX.length));
  if (bytes === null) invalidArg('the did:key is not base58btc');
  if (bytes.byteLength !== ED25519_PUB_MULTICODEC.byteLength + ED25519_KEY_SIZE || bytes[0] !== 0xed || bytes[1] !== 0x01) {
    invalidArg('the did:key is not an Ed25519 key (multicodec 0xed01 followed by 32 bytes)');
  }
  const key = bytes.subarray(2);
  if (didKeyFromPublicKey(key) !== did) invalidArg('the did:key is not in canonical form');
  return key;
}

// ---- identities in the log

export const IDENTITY_KINDS = ['node', 'tenant', 'function', 'device'] as const;
export type IdentityKind = (typeof IDENTITY_KINDS)[number];
export const SUBJECT_RE = /^[A-Za-z0-9_][A-Za-z0-9._:@/-]{0,127}$/;
export const SUBJECT_RULE = '1 to 128 characters of letters, digits and "._:@/-", starting with a letter, digit or "_"';
export const ROTATION_CONTEXT = 'cairn-identity-rotation-v1';
export const IDENTITY_REGISTER = 'identity.register';
export const IDENTITY_ROTATE = 'identity.rotate';

export interface IdentityInfo {
  readonly subject: string;
  readonly kind: IdentityKind;
  /** base64 of the current 32-byte Ed25519 public key. */
  readonly publicKey: string;
  readonly did: string;
  /** 1 for the registered key, +1 per rotation. */
  readonly version: number;
  /** The entry that registered or last rotated the key. */
  readonly index: number;
  readonly timestamp: string;
}

export interface IdentityKeyVersion {
  readonly version: number;
  readonly publicKey: string;
  readonly did: string;
  readonly index: number;
  readonly timestamp: string;
}

interface IdentityRow { kind: IdentityKind; publicKey: string; did: string; version: number; index: number; timestamp: string }

const checkSubject = (s: unknown): string => checkName(s, 'identity subject', SUBJECT_RE, SUBJECT_RULE);

function checkKind(kind: unknown): IdentityKind {
  if (!IDENTITY_KINDS.includes(kind as IdentityKind)) invalidArg(`identity kind must be one of ${IDENTITY_KINDS.join(', ')}`);
  return kind as IdentityKind;
}

function keyBytes(key: Uint8Array | string, what: string): Uint8Array {
  const bytes = typeof key === 'string' ? fromBase64(key) : key;
  if (!(bytes instanceof Uint8Array) || bytes.byteLength !== ED25519_KEY_SIZE) invalidArg(`${what} must be a 32-byte Ed25519 public key (base64 when a string)`);
  return bytes;
}

const toPrivate = (key: KeyObject | Uint8Array): KeyObject => (key instanceof Uint8Array ? privateKeyFromSeed(key) : key);

/** What the new key signs in a rotation: it agrees to succeed `previousKey` for this subject. */
export function rotationPossessionBytes(tenant: string, subject: string, previousKey: string, publicKey: string): Uint8Array {
  return canonicalBytes({ context: ROTATION_CONTEXT, previousKey, publicKey, subject, tenant });
}

function infoFrom(subject: string, row: IdentityRow): IdentityInfo {
  return { subject, kind: row.kind, publicKey: row.publicKey, did: row.did, version: row.version, index: row.index, timestamp: row.timestamp };
}

export class Identities {
  readonly #ctx: StateContext;

  constructor(ctx: StateContext) {
    this.#ctx = ctx;
  }

  /** The fields the key holder signs (signEntry) to register `publicKey` as `subject`. */
  registrationFields(caller: Caller, subject: string, kind: IdentityKind, publicKey: Uint8Array | string): SignedFields {
    checkCaller(caller);
    const key = keyBytes(publicKey, 'publicKey');
    return {
      type: IDENTITY_REGISTER, tenant: caller.tenant, actor: caller.actor,
      body: { subject: checkSubject(subject), kind: checkKind(kind), publicKey: toBase64(key), did: didKeyFromPublicKey(key) },
    };
  }

  /** Registers a key, given its holder's signature over registrationFields(); LedgerError 'exists' if the subject has one. */
  async register(caller: Caller, subject: string, kind: IdentityKind, publicKey: Uint8Array | string, signature: EntrySignature): Promise<IdentityInfo> {
    const fields = this.registrationFields(caller, subject, kind, publicKey);
    const body = fields.body as { publicKey: string };
    if (!signature || signature.publicKey !== body.publicKey) throw new LedgerError('bad-signature', 'an identity registration must be signed by the key it registers (proof of possession)');
    const key = stateKey(caller.tenant, subject);
    return this.#ctx.locks.run([`identity${KEY_SEPARATOR}${key}`], async () => {
      const existing = await this.#ctx.state.get('identity', key) as IdentityRow | null;
      if (existing) throw new LedgerError('exists', `identity "${subject}" of tenant "${caller.tenant}" is registered (key version ${existing.version}); rotate its key instead`);
      const logged = await this.#ctx.commit({ ...fields, signature });
      return this.#info(caller.tenant, subject, logged);
    });
  }

  /** Registers the public key of `privateKey` (a KeyObject or a 32-byte seed), signing with it. */
  async registerKey(caller: Caller, subject: string, kind: IdentityKind, privateKey: KeyObject | Uint8Array): Promise<IdentityInfo> {
    const key = toPrivate(privateKey);
    const publicKey = rawPublicKey(key);
    return this.register(caller, subject, kind, publicKey, signEntry(this.registrationFields(caller, subject, kind, publicKey), key));
  }

  /** The fields the current key signs to rotate to `publicKey`; `possession` is the new key's signature over rotationPossessionBytes(). */
  async rotationFields(caller: Caller, subject: string, publicKey: Uint8Array | string, possession: Uint8Array | string): Promise<SignedFields> {
    checkCaller(caller);
    checkSubject(subject);
    const next = toBase64(keyBytes(publicKey, 'publicKey'));
    const sig = typeof possession === 'string' ? fromBase64(possession) : possession;
    if (!(sig instanceof Uint8Array) || sig.byteLength !== 64) invalidArg('possession must be a 64-byte Ed25519 signature (base64 when a string)');
    const current = await this.#ctx.state.get('identity', stateKey(caller.tenant, subject)) as IdentityRow | null;
    if (!current) throw new LedgerError('not-found', `tenant "${caller.tenant}" has no identity "${subject}"`);
    return {
      type: IDENTITY_ROTATE, tenant: caller.tenant, actor: caller.actor,
      body: { subject, version: current.version + 1, previousKey: current.publicKey, publicKey: next, did: didKeyFromPublicKey(keyBytes(next, 'publicKey')), possession: toBase64(sig) },
    };
  }

  /**
   * Rotates a subject's key: the entry must be signed by the current key over rotationFields(), and
   * `possession` must verify under the new key. LedgerError 'bad-signature' otherwise.
   */
  async rotate(caller: Caller, subject: string, publicKey: Uint8Array | string, possession: Uint8Array | string, signature: EntrySignature): Promise<IdentityInfo> {
    checkCaller(caller);
    checkSubject(subject);
    const key = stateKey(caller.tenant, subject);
    return this.#ctx.locks.run([`identity${KEY_SEPARATOR}${key}`], async () => {
      const fields = await this.rotationFields(caller, subject, publicKey, possession);
      const body = fields.body as { previousKey: string; publicKey: string; possession: string };
      if (body.publicKey === body.previousKey) invalidArg('a key rotation needs a new key');
      if (!signature || signature.publicKey !== body.previousKey) throw new LedgerError('bad-signature', `a key rotation must be signed by the subject's current key ${body.previousKey}`);
      if (!ed25519Verify(publicKeyFromRaw(fromBase64(body.publicKey) as Uint8Array), rotationPossessionBytes(caller.tenant, subject, body.previousKey, body.publicKey), fromBase64(body.possession) as Uint8Array)) {
        throw new LedgerError('bad-signature', 'possession is not the new key\'s signature over rotationPossessionBytes(tenant, subject, previousKey, publicKey)');
      }
      return this.#info(caller.tenant, subject, await this.#ctx.commit({ ...fields, signature }));
    });
  }

  /** Rotates from `current` to `next` (KeyObjects or seeds), signing both parts. */
  async rotateKey(caller: Caller, subject: string, current: KeyObject | Uint8Array, next: KeyObject | Uint8Array): Promise<IdentityInfo> {
    checkCaller(caller);
    const cur = toPrivate(current);
    const nxt = toPrivate(next);
    const previousKey = toBase64(rawPublicKey(cur));
    const publicKey = rawPublicKey(nxt);
    const possession = ed25519Sign(nxt, rotationPossessionBytes(caller.tenant, subject, previousKey, toBase64(publicKey)));
    const fields = await this.rotationFields(caller, subject, publicKey, possession);
    return this.rotate(caller, subject, publicKey, possession, signEntry(fields, cur));
  }

  async get(tenant: string, subject: string): Promise<IdentityInfo | null> {
    checkTenant(tenant);
    checkSubject(subject);
    const row = await this.#ctx.state.get('identity', stateKey(tenant, subject)) as IdentityRow | null;
    return row ? infoFrom(subject, row) : null;
  }

  /** Every key the subject has had, oldest first. */
  async history(tenant: string, subject: string): Promise<IdentityKeyVersion[]> {
    checkTenant(tenant);
    checkSubject(subject);
    const out: IdentityKeyVersion[] = [];
    for (let after: string | null = null; ;) {
      const rows = await this.#ctx.state.list('idkey', statePrefix(tenant, subject), after, 500);
      for (const r of rows) out.push(r.value as unknown as IdentityKeyVersion);
      if (rows.length < 500) break;
      after = (rows[rows.length - 1] as { key: string }).key;
    }
    if (out.length === 0) throw new LedgerError('not-found', `tenant "${tenant}" has no identity "${subject}"`);
    return out;
  }

  async #info(tenant: string, subject: string, logged: LoggedEntry): Promise<IdentityInfo> {
    const row = await this.#ctx.state.get('identity', stateKey(tenant, subject)) as IdentityRow | null;
    if (!row || row.index !== logged.index) throw new LedgerError('corrupt', `identity "${subject}" does not reflect entry ${logged.index}`);
    return infoFrom(subject, row);
  }
}

async function reduceRegister({ index, entry, state }: ReduceContext): Promise<void> {
  const b = entry.body as Record<string, unknown>;
  const fail = (message: string): never => { throw corruptEntry(index, entry, message); };
  if (!isPlainObject(b) || Object.keys(b).sort().join(',') !== 'did,kind,publicKey,subject') fail('the body is not { subject, kind, publicKey, did }');
  checkTenant(entry.tenant);
  const subject = checkSubject(b.subject);
  const kind = checkKind(b.kind);
  const key = keyBytes(b.publicKey as string, 'publicKey');
  if (b.did !== didKeyFromPublicKey(key)) fail(`did ${JSON.stringify(b.did)} is not the did:key of publicKey`);
  if (entry.signature?.publicKey !== b.publicKey || !verifyEntrySignature(entry)) fail('the registration is not signed by the key it registers');
  const rowKey = stateKey(entry.tenant, subject);
  const existing = await state.get('identity', rowKey) as IdentityRow | null;
  if (existing) fail(`identity "${subject}" was already registered by entry ${existing.index}`);
  const row: IdentityRow = { kind, publicKey: b.publicKey as string, did: b.did as string, version: 1, index, timestamp: entry.timestamp };
  state.put('identity', rowKey, { ...row });
  state.put('idkey', stateKey(entry.tenant, subject, 1), { version: 1, publicKey: row.publicKey, did: row.did, index, timestamp: entry.timestamp });
}

async function reduceRotate({ index, entry, state }: ReduceContext): Promise<void> {
  const b = entry.body as Record<string, unknown>;
  const fail = (message: string): never => { throw corruptEntry(index, entry, message); };
  if (!isPlainObject(b) || Object.keys(b).sort().join(',') !== 'did,possession,previousKey,publicKey,subject,version') {
    fail('the body is not { subject, version, previousKey, publicKey, did, possession }');
  }
  checkTenant(entry.tenant);
  const subject = checkSubject(b.subject);
  const rowKey = stateKey(entry.tenant, subject);
  const current = await state.get('identity', rowKey) as IdentityRow | null;
  if (!current) fail(`identity "${subject}" is not registered at this point of the log`);
  const cur = current as IdentityRow;
  if (b.version !== cur.version + 1) fail(`version ${JSON.stringify(b.version)} does not follow version ${cur.version}`);
  if (b.previousKey !== cur.publicKey) fail(`previousKey is not the subject's current key ${cur.publicKey}`);
  const next = keyBytes(b.publicKey as string, 'publicKey');
  if (bytesEqual(next, fromBase64(cur.publicKey) as Uint8Array)) fail('a rotation to the same key');
  if (b.did !== didKeyFromPublicKey(next)) fail(`did ${JSON.stringify(b.did)} is not the did:key of publicKey`);
  if (entry.signature?.publicKey !== cur.publicKey || !verifyEntrySignature(entry)) fail('the rotation is not signed by the subject\'s current key');
  const possession = typeof b.possession === 'string' ? fromBase64(b.possession) : null;
  if (!possession || !ed25519Verify(publicKeyFromRaw(next), rotationPossessionBytes(entry.tenant, subject, cur.publicKey, b.publicKey as string), possession)) {
    fail('possession is not the new key\'s signature');
  }
  const version = cur.version + 1;
  state.put('identity', rowKey, { kind: cur.kind, publicKey: b.publicKey as string, did: b.did as string, version, index, timestamp: entry.timestamp });
  state.put('idkey', stateKey(entry.tenant, subject, version), { version, publicKey: b.publicKey as string, did: b.did as string, index, timestamp: entry.timestamp });
}

export const identityReducers: ReadonlyMap<string, Reducer> = new Map([[IDENTITY_REGISTER, reduceRegister], [IDENTITY_ROTATE, reduceRotate]]);
