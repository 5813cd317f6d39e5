// The entry envelope: validation, the exact leaf encoding (JCS), the actor's signature — checked
// against bytes and signatures built by hand from the documented format — and EntryLog on a Ledger.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { createEntry, decodeEntry, encodeEntry, signEntry, signingBytes, verifyEntrySignature } from '../../src/ledger/entry.ts';
import { EntryLog } from '../../src/ledger/entry-log.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { MemoryLedgerStore } from '../../src/ledger/memory-store.ts';
import { isLedgerError } from '../../src/ledger/errors.ts';

const TS = '2025-01-02T03:04:05.678Z';
const base = { type: 'control.deploy', tenant: 'acme', actor: 'user:alice', body: { fn: 'hello', version: 3 } };
const seed = Buffer.alloc(32, 5);
const privateKey = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });
const publicKey = Buffer.from(createPublicKey(privateKey).export({ format: 'jwk' }).x as string, 'base64url');
const invalid = (e: unknown): boolean => isLedgerError(e, 'invalid');
const badSignature = (e: unknown): boolean => isLedgerError(e, 'bad-signature');

describe('entry envelope', () => {
  it('encodes as the canonical JSON of the envelope, byte for byte', () => {
    const entry = createEntry({ ...base, timestamp: TS });
    assert.equal(Buffer.from(encodeEntry(entry)).toString('utf8'),
      '{"actor":"user:alice","body":{"fn":"hello","version":3},"tenant":"acme","timestamp":"2025-01-02T03:04:05.678Z","type":"control.deploy","v":1}');
    assert.deepEqual(decodeEntry(encodeEntry(entry)), entry);
  });

  it('takes the timestamp from the clock unless given, as RFC 3339 UTC with milliseconds', () => {
    assert.equal(createEntry(base, { now: () => new Date(Date.UTC(2030, 0, 1)) }).timestamp, '2030-01-01T00:00:00.000Z');
    assert.equal(createEntry({ ...base, timestamp: new Date(TS) }).timestamp, TS);
    for (const ts of ['2025-01-02T03:04:05Z', '2025-01-02 03:04:05.678Z', '2025-13-02T03:04:05.678Z', '2025-02-30T03:04:05.678Z', '2025-01-02T03:04:05.678+01:00']) {
      assert.throws(() => createEntry({ ...base, timestamp: ts }), invalid, ts);
    }
    assert.throws(() => createEntry({ ...base, timestamp: new Date(Number.NaN) }), invalid);
  });

  it('validates type, tenant and actor', () => {
    for (const type of ['', 'Deploy', '1deploy', 'a b', 'x'.repeat(129), 'déploy']) assert.throws(() => createEntry({ ...base, type }), invalid, type);
    for (const type of ['a', 'doc.revision', 'transfer/v1', 'control.token-created']) assert.doesNotThrow(() => createEntry({ ...base, type }));
    for (const tenant of ['', 'x'.repeat(129), 'a\nb', 'a\u007f']) assert.throws(() => createEntry({ ...base, tenant }), invalid);
    for (const actor of ['', 'x'.repeat(257), 'tab\t', '\ud800']) assert.throws(() => createEntry({ ...base, actor }), invalid);
    assert.throws(() => createEntry(null as never), invalid);
  });

  it('refuses bodies that are not I-JSON or too large', () => {
    assert.throws(() => createEntry({ ...base, body: { n: Number.NaN } }), invalid);
    assert.throws(() => createEntry({ ...base, body: { d: new Date() } as never }), invalid);
    assert.throws(() => createEntry({ ...base, body: 'x'.repeat(100) }, { maxBodyBytes: 64 }), (e) => isLedgerError(e, 'too-large'));
    assert.equal(createEntry({ ...base, body: 'x'.repeat(62) }, { maxBodyBytes: 64 }).body, 'x'.repeat(62)); // 64 bytes with the quotes
    assert.equal(createEntry({ ...base, body: null }).body, null);
  });

  it('detaches the body from the caller\'s objects', () => {
    const body = { list: [1, 2] };
    const entry = createEntry({ ...base, body, timestamp: TS });
    body.list.push(3);
    assert.deepEqual(entry.body, { list: [1, 2] });
  });

  it('decodes only what it would have encoded', () => {
    const good = '{"actor":"user:alice","body":{"fn":"hello"},"tenant":"acme","timestamp":"2025-01-02T03:04:05.678Z","type":"control.deploy","v":1}';
    assert.equal(decodeEntry(Buffer.from(good)).actor, 'user:alice');
    const bad = [
      good.replace('{"actor"', '{ "actor"'), // whitespace
      good.replace('"actor":"user:alice","body":{"fn":"hello"}', '"body":{"fn":"hello"},"actor":"user:alice"'), // key order
      good.replace('"v":1', '"v":2'),
      good.replace('"v":1', '"v":1,"w":0'),
      good.replace('"v":1', '"v":1.0'),
      good.replace(',"body":{"fn":"hello"}', ''),
      good.replace('"fn":"hello"', '"fn":"hello","fn":"hello"'), // duplicate key
      good.replace('"hello"', '"\\u0068ello"'), // escaped where JCS writes the character
      '[]', 'null', 'not json',
    ];
    for (const text of bad) assert.throws(() => decodeEntry(Buffer.from(text)), invalid, text);
    assert.throws(() => decodeEntry(Uint8Array.of(0xff)), invalid);
  });
});

describe('actor signatures', () => {
  it('signs the documented bytes: JCS of { actor, body, context, tenant, type }', () => {
    const handBytes = Buffer.from('{"actor":"user:alice","body":{"fn":"hello","version":3},"context":"cairn-ledger-entry-v1","tenant":"acme","type":"control.deploy"}');
    assert.deepEqual(Buffer.from(signingBytes(base)), handBytes);
    // A signature made by hand with node:crypto over those bytes is accepted.
    const signature = { alg: 'ed25519' as const, publicKey: publicKey.toString('base64'), value: sign(null, handBytes, privateKey).toString('base64') };
    const entry = createEntry({ ...base, timestamp: TS, signature });
    assert.ok(verifyEntrySignature(entry));
    assert.deepEqual(signEntry(base, seed), signature); // Ed25519 is deterministic
    assert.deepEqual(decodeEntry(encodeEntry(entry)), entry);
  });

  it('rejects, with a clear error, a signature over anything else', () => {
    const signature = signEntry(base, seed);
    for (const change of [{ body: { fn: 'hello', version: 4 } }, { tenant: 'other' }, { actor: 'user:bob' }, { type: 'control.rollback' }]) {
      assert.throws(() => createEntry({ ...base, ...change, signature }), (e) => badSignature(e) && /does not verify/.test((e as Error).message));
    }
    const otherKey = signEntry(base, Buffer.alloc(32, 6));
    assert.throws(() => createEntry({ ...base, signature: { ...signature, publicKey: otherKey.publicKey } }), badSignature);
  });

  it('refuses malformed signatures as invalid', () => {
    const signature = signEntry(base, seed);
    const bad = [
      { ...signature, alg: 'rsa' },
      { ...signature, publicKey: signature.publicKey.slice(4) },
      { ...signature, value: signature.value.slice(0, -4) },
      { ...signature, extra: 1 },
      'sig',
    ];
    for (const s of bad) assert.throws(() => createEntry({ ...base, signature: s as never }), invalid, JSON.stringify(s));
  });

  it('reports unsigned entries as unverified', () => {
    assert.equal(verifyEntrySignature(createEntry(base)), false);
  });
});

describe('EntryLog', () => {
  it('appends entries to the ledger and reads them back', async () => {
    const ledger = await Ledger.open(new MemoryLedgerStore());
    const log = new EntryLog(ledger, { now: () => new Date(TS) });
    const a = await log.append(base);
    const b = await log.append({ ...base, signature: signEntry(base, seed) });
    assert.deepEqual([a.index, b.index], [0, 1]);
    const got = await log.get(1);
    assert.deepEqual(got.entry, b.entry);
    assert.deepEqual(Buffer.from(got.leaf), Buffer.from(b.leaf));
    assert.ok(verifyEntrySignature(got.entry));
    await ledger.close();
  });

  it('writes nothing when an entry is invalid or its signature does not verify', async () => {
    const ledger = await Ledger.open(new MemoryLedgerStore());
    const log = new EntryLog(ledger);
    await assert.rejects(log.append({ ...base, body: { x: 2 }, signature: signEntry(base, seed) }), badSignature);
    await assert.rejects(log.append({ ...base, type: 'Bad' }), invalid);
    assert.equal(ledger.size, 0);
    assert.equal(await ledger.store.size(), 0);
    await ledger.close();
  });
});
