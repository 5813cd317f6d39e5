// Identities: did:key against the did:key spec's published Ed25519 vectors, registration with proof
// of possession, key rotation recorded in the log and re-checked by verify.
import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { isLedgerError } from '../../src/ledger/errors.ts';
import { rawPublicKey, privateKeyFromSeed } from '../../src/ledger/ed25519.ts';
import { toBase64 } from '../../src/ledger/bytes.ts';
import { signEntry } from '../../src/ledger/entry.ts';
import { checkLedger } from '../../src/ledger/check.ts';
import { base58btcDecode, base58btcEncode, didKeyFromPublicKey, publicKeyFromDidKey, rotationPossessionBytes } from '../../src/ledger/identity.ts';
import { ed25519Sign } from '../../src/ledger/ed25519.ts';
import { type TestService, alice, openService } from './service-helpers.ts';

// https://github.com/w3c-ccg/did-method-key/blob/main/test-vectors/ed25519-x25519.json: seed → did
// and the Ed25519VerificationKey2018 publicKeyBase58.
const VECTORS = [
  { seed: '0000000000000000000000000000000000000000000000000000000000000000', did: 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp', base58: '4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS' },
  { seed: '0000000000000000000000000000000000000000000000000000000000000001', did: 'did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG', base58: '6ASf5EcmmEHTgDJ4X4ZT5vT6iHVJBXPg5AN5YoTCpGWt' },
  { seed: '0000000000000000000000000000000000000000000000000000000000000002', did: 'did:key:z6MknGc3ocHs3zdPiJbnaaqDi58NGb4pk1Sp9WxWufuXSdxf', base58: '8pM1DN3RiT8vbom5u1sNryaNT1nyL8CTTW3b5PwWXRBH' },
  { seed: '0000000000000000000000000000000000000000000000000000000000000003', did: 'did:key:z6MkvqoYXQfDDJRv8L4wKzxYeuKyVZBfi9Qo6Ro8MiLH3kDQ', base58: 'HPYVwAQmskwT1qEEeRzhoomyfyupJGASQQtCXSNG8XS2' },
  { seed: '0000000000000000000000000000000000000000000000000000000000000004', did: 'did:key:z6MkwW6aqMnjgrhJXFUko3NnZPGzVpkNzhYK7yEhnsibmLwL', base58: 'J3qYF7YJMKCqQke47UQwiHizgFUXapHxRxKmxbkar89x' },
];

// The example DID of the did:key specification (§ "Ed25519"), decoded and re-encoded.
const SPEC_EXAMPLE = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';

const seedOf = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));

describe('did:key', () => {
  it('matches the spec\'s Ed25519 test vectors', () => {
    for (const v of VECTORS) {
      const pub = rawPublicKey(privateKeyFromSeed(seedOf(v.seed)));
      assert.equal(base58btcEncode(pub), v.base58, v.seed);
      assert.equal(didKeyFromPublicKey(pub), v.did, v.seed);
      assert.deepEqual(publicKeyFromDidKey(v.did), pub);
      assert.deepEqual(base58btcDecode(v.base58), pub);
    }
  });

  it('round-trips the spec example and carries the ed25519-pub multicodec', () => {
    const pub = publicKeyFromDidKey(SPEC_EXAMPLE);
    assert.equal(pub.byteLength, 32);
    assert.equal(didKeyFromPublicKey(pub), SPEC_EXAMPLE);
    assert.deepEqual([...(base58btcDecode(SPEC_EXAMPLE.slice('did:key:z'.length)) as Uint8Array).subarray(0, 2)], [0xed, 0x01]);
  });

  it('base58btc keeps leading zero bytes and refuses characters outside the alphabet', () => {
    assert.equal(base58btcEncode(Uint8Array.of(0, 0, 1)), '112');
    assert.deepEqual(base58btcDecode('112'), Uint8Array.of(0, 0, 1));
    assert.equal(base58btcEncode(new Uint8Array(0)), '');
    for (const bad of ['0', 'O', 'I', 'l', '+']) assert.equal(base58btcDecode(`2${bad}`), null);
  });

  it('refuses what is not an Ed25519 did:key', () => {
    const bad = [
      'did:web:example.com', 'did:key:' + SPEC_EXAMPLE.slice(9), SPEC_EXAMPLE + '#frag', SPEC_EXAMPLE.slice(0, -1),
      // A secp256k1 did:key (multicodec 0xe7) from the spec.
      'did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme',
      'did:key:z0000',
    ];
    for (const did of bad) assert.throws(() => publicKeyFromDidKey(did), (e) => isLedgerError(e, 'invalid'), did);
    assert.throws(() => didKeyFromPublicKey(new Uint8Array(31)), (e) => isLedgerError(e, 'invalid'));
  });
});

describe('identities in the log', () => {
  let t: TestService;
  beforeEach(async () => { t = await openService(); });
  afterEach(() => t.service.close());
  const ids = () => t.service.identities;
  const k1 = seedOf(VECTORS[0]?.seed as string);
  const k2 = seedOf(VECTORS[1]?.seed as string);
  const k3 = seedOf(VECTORS[2]?.seed as string);

  it('registers a key with proof of possession and exports it as did:key', async () => {
    const info = await ids().registerKey(alice, 'device:pump-7', 'device', k1);
    assert.deepEqual({ ...info, index: 0, timestamp: '' }, {
      subject: 'device:pump-7', kind: 'device', publicKey: toBase64(rawPublicKey(privateKeyFromSeed(k1))), did: VECTORS[0]?.did, version: 1, index: 0, timestamp: '',
    });
    const { entry } = await t.service.entry(info.index);
    assert.equal(entry.type, 'identity.register');
    assert.equal(entry.signature?.publicKey, info.publicKey);
    assert.deepEqual(await ids().get('acme', 'device:pump-7'), info);
    await assert.rejects(ids().registerKey(alice, 'device:pump-7', 'device', k2), (e) => isLedgerError(e, 'exists'));
    await assert.rejects(ids().registerKey(alice, 'x', 'robot' as never, k2), (e) => isLedgerError(e, 'invalid'));
  });

  it('refuses a registration not signed by the registered key', async () => {
    const pub = rawPublicKey(privateKeyFromSeed(k1));
    const fields = ids().registrationFields(alice, 'fn:hello', 'function', pub);
    const size = t.service.size;
    await assert.rejects(ids().register(alice, 'fn:hello', 'function', pub, signEntry(fields, k2)), (e) => isLedgerError(e, 'bad-signature'));
    const forged = { ...signEntry(fields, k2), publicKey: toBase64(pub) };
    await assert.rejects(ids().register(alice, 'fn:hello', 'function', pub, forged), (e) => isLedgerError(e, 'bad-signature'));
    assert.equal(t.service.size, size);
    await ids().register(alice, 'fn:hello', 'function', pub, signEntry(fields, k1));
  });

  it('rotates keys: signed by the current key, accepted by the new one, every version kept', async () => {
    await ids().registerKey(alice, 'node-1', 'node', k1);
    const v2 = await ids().rotateKey(alice, 'node-1', k1, k2);
    assert.equal(v2.version, 2);
    assert.equal(v2.did, VECTORS[1]?.did);
    assert.equal(v2.kind, 'node');
    const size = t.service.size;
    // The old key can no longer rotate; a stranger cannot either.
    await assert.rejects(ids().rotateKey(alice, 'node-1', k1, k3), (e) => isLedgerError(e, 'bad-signature'));
    await assert.rejects(ids().rotateKey(alice, 'node-1', k3, k3), (e) => isLedgerError(e, 'invalid') || isLedgerError(e, 'bad-signature'));
    // The new key must agree (possession).
    const pub3 = rawPublicKey(privateKeyFromSeed(k3));
    const wrongPossession = ed25519Sign(privateKeyFromSeed(k1), rotationPossessionBytes('acme', 'node-1', v2.publicKey, toBase64(pub3)));
    const fields = await ids().rotationFields(alice, 'node-1', pub3, wrongPossession);
    await assert.rejects(ids().rotate(alice, 'node-1', pub3, wrongPossession, signEntry(fields, k2)), (e) => isLedgerError(e, 'bad-signature') && /possession/.test(e.message));
    await assert.rejects(ids().rotateKey(alice, 'node-1', k2, k2), (e) => isLedgerError(e, 'invalid'));
    await assert.rejects(ids().rotateKey(alice, 'nobody', k2, k3), (e) => isLedgerError(e, 'not-found'));
    assert.equal(t.service.size, size);
    const v3 = await ids().rotateKey(alice, 'node-1', k2, k3);
    assert.deepEqual((await ids().history('acme', 'node-1')).map((k) => [k.version, k.did]), [[1, VECTORS[0]?.did], [2, VECTORS[1]?.did], [3, VECTORS[2]?.did]]);
    assert.deepEqual(await ids().get('acme', 'node-1'), v3);
    const report = await checkLedger({ store: t.store, state: t.state, verifiers: [t.verifier] });
    assert.equal(report.problem, null);
    assert.equal(report.actorSignaturesChecked, 3);
  });
});
