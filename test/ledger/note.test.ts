// C2SP signed-note: checked against notes built byte by byte from the spec text (independent of our
// signer), and against the reference vector of golang.org/x/mod/sumdb/note (the implementation the
// spec was written from), which our signer must reproduce exactly — Ed25519 is deterministic.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, createPublicKey, sign } from 'node:crypto';
import {
  MAX_NOTE_SIGNATURES, createEd25519Signer, formatSignerKey, formatVerifierKey, generateNoteKey, isValidKeyName, openNote,
  parseSignerKey, parseVerifierKey, signNote,
} from '../../src/ledger/note.ts';
import { isLedgerError } from '../../src/ledger/errors.ts';

const GO_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const GO_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const GO_TEXT = 'If you think cryptography is the answer to your problem,\nthen you don\'t know what your problem is.\n';
const GO_NOTE = `${GO_TEXT}\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

const malformed = (e: unknown): boolean => isLedgerError(e, 'invalid');
const unverified = (e: unknown): boolean => isLedgerError(e, 'bad-signature');

/** A hand-made Ed25519 note key, straight from node:crypto and the spec's formulas. */
function handKey(name: string, seedByte: number) {
  const seed = Buffer.alloc(32, seedByte);
  const privateKey = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  const pub = Buffer.from(jwk.x as string, 'base64url');
  // key ID = SHA-256(key name || 0x0A || 0x01 || 32-byte public key)[:4]
  const keyId = createHash('sha256').update(Buffer.concat([Buffer.from(name, 'utf8'), Buffer.from([0x0a, 0x01]), pub])).digest().subarray(0, 4);
  const vkey = `${name}+${keyId.toString('hex')}+${Buffer.concat([Buffer.from([0x01]), pub]).toString('base64')}`;
  /** "— <name> <base64(keyid || sig)>\n" as bytes: E2 80 94 is U+2014 in UTF-8. */
  const line = (text: Buffer, lineName = name, id: Buffer = keyId): Buffer => Buffer.concat([
    Buffer.from([0xe2, 0x80, 0x94, 0x20]), Buffer.from(lineName, 'utf8'), Buffer.from(' '),
    Buffer.from(Buffer.concat([id, sign(null, text, privateKey)]).toString('base64')), Buffer.from('\n'),
  ]);
  return { seed, pub, keyId, vkey, line };
}

const TEXT = Buffer.from('example.com/log\n42\nQUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=\n', 'utf8');
const alice = handKey('example.com/alice', 7);
const bob = handKey('example.com/bob', 9);
const note = (...lines: Buffer[]): Buffer => Buffer.concat([TEXT, Buffer.from('\n'), ...lines]);

describe('signed-note verification against hand-built notes', () => {
  const v = parseVerifierKey(alice.vkey);

  it('accepts a note built byte by byte from the spec', () => {
    const opened = openNote(note(alice.line(TEXT)), [v]);
    assert.equal(opened.text, TEXT.toString('utf8'));
    assert.deepEqual(opened.verified, [{ name: 'example.com/alice', keyId: alice.keyId.readUInt32BE(0) }]);
    assert.deepEqual(opened.unverified, []);
    // The same note as a string.
    assert.equal(openNote(note(alice.line(TEXT)).toString('utf8'), [v]).text, TEXT.toString('utf8'));
  });

  it('rejects altered text, whatever the alteration', () => {
    const good = note(alice.line(TEXT));
    for (let i = 0; i < TEXT.length; i++) {
      const bad = Buffer.from(good);
      bad[i] = TEXT[i] === 0x41 ? 0x42 : 0x41;
      assert.throws(() => openNote(bad, [v]), (e) => unverified(e) || malformed(e), `byte ${i}`);
    }
  });

  it('ignores a signature under another key name (unknown key) and then has no known signature', () => {
    // Same key and ID, different name: "MUST ignore signatures from unknown keys, even if they share a name or ID".
    assert.throws(() => openNote(note(alice.line(TEXT, 'example.com/mallory')), [v]), unverified);
    // Same name, different ID.
    assert.throws(() => openNote(note(alice.line(TEXT, 'example.com/alice', Buffer.from('00000000', 'hex'))), [v]), unverified);
  });

  it('rejects a note signed only by a key the verifier does not know, and reports unknown ones beside a known one', () => {
    assert.throws(() => openNote(note(bob.line(TEXT)), [v]), unverified);
    const opened = openNote(note(bob.line(TEXT), alice.line(TEXT)), [v]);
    assert.deepEqual(opened.unverified, [{ name: 'example.com/bob', keyId: bob.keyId.readUInt32BE(0) }]);
    assert.equal(opened.verified.length, 1);
    const both = openNote(note(bob.line(TEXT), alice.line(TEXT)), [v, parseVerifierKey(bob.vkey)]);
    assert.equal(both.verified.length, 2);
  });

  it('rejects the whole note when a known key\'s signature fails, even beside a good one', () => {
    const forged = alice.line(Buffer.from('another text\n'));
    assert.throws(() => openNote(note(alice.line(TEXT), forged), [v]), unverified);
  });

  it('rejects a missing final newline, a missing blank line, and malformed signature lines', () => {
    const good = note(alice.line(TEXT));
    const cases: Array<[string, Buffer]> = [
      ['no final newline', good.subarray(0, -1)],
      ['no blank line', Buffer.concat([TEXT, alice.line(TEXT)])],
      ['no signature lines', Buffer.concat([TEXT, Buffer.from('\n')])],
      ['hyphen instead of em dash', Buffer.from(good.toString('utf8').replace('\u2014', '-'))],
      ['en dash instead of em dash', Buffer.from(good.toString('utf8').replace('\u2014', '\u2013'))],
      ['two spaces', Buffer.from(good.toString('utf8').replace('\u2014 ', '\u2014  '))],
      ['CRLF', Buffer.from(good.toString('utf8').replace(/\n/g, '\r\n'))],
      ['tab in the text', Buffer.concat([Buffer.from('a\tb\n\n'), alice.line(Buffer.from('a\tb\n'))])],
      ['non-canonical base64 (no padding)', Buffer.from(good.toString('utf8').replace(/=\n$/, '\n'))],
      ['base64 with junk', Buffer.from(good.toString('utf8').replace(/ (\S+)\n$/, ' $1!\n'))],
      ['invalid UTF-8', Buffer.concat([Buffer.from([0xff, 0x0a, 0x0a]), alice.line(Buffer.from([0xff, 0x0a]))])],
      ['signature shorter than 5 bytes', Buffer.concat([TEXT, Buffer.from('\n\u2014 example.com/alice AAAAAA==\n')])],
    ];
    for (const [what, bytes] of cases) assert.throws(() => openNote(bytes, [v]), malformed, what);
    // An empty note text line is fine; the last blank line separates text and signatures.
    const withBlank = Buffer.from('first\n\nthird\n');
    assert.equal(openNote(Buffer.concat([withBlank, Buffer.from('\n'), alice.line(withBlank)]), [v]).text, 'first\n\nthird\n');
  });

  it('accepts at least 16 signatures and bounds their number', () => {
    const many = (n: number): Buffer => note(alice.line(TEXT), ...Array.from({ length: n - 1 }, () => bob.line(TEXT)));
    assert.equal(openNote(many(16), [v]).verified.length, 1);
    assert.equal(openNote(many(MAX_NOTE_SIGNATURES), [v]).verified.length, 1);
    assert.throws(() => openNote(many(MAX_NOTE_SIGNATURES + 1), [v]), malformed);
  });
});

describe('signed-note keys', () => {
  it('parses a hand-built verifier key and computes the spec\'s key ID', () => {
    const v = parseVerifierKey(alice.vkey);
    assert.equal(v.name, 'example.com/alice');
    assert.equal(v.keyId, alice.keyId.readUInt32BE(0));
    assert.equal(formatVerifierKey('example.com/alice', alice.pub), alice.vkey);
  });

  it('refuses every truncation and every one-byte change of a verifier key (as Go\'s note tests do)', () => {
    assert.doesNotThrow(() => parseVerifierKey(GO_VKEY));
    for (let i = 0; i <= GO_VKEY.length; i++) {
      for (let j = i + 1; j <= GO_VKEY.length; j++) {
        if (i === 0 && j === GO_VKEY.length) continue;
        assert.throws(() => parseVerifierKey(GO_VKEY.slice(i, j)), malformed, `substring ${i}..${j}`);
      }
    }
    for (let i = 0; i < GO_VKEY.length; i++) {
      const mangled = GO_VKEY.slice(0, i) + String.fromCharCode(GO_VKEY.charCodeAt(i) + 1) + GO_VKEY.slice(i + 1);
      assert.throws(() => parseVerifierKey(mangled), malformed, `byte ${i}`);
    }
    // Wrong length key with an adjusted key ID, and an unknown algorithm byte.
    assert.throws(() => parseVerifierKey('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=='), malformed);
    assert.throws(() => parseVerifierKey('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'), malformed);
  });

  it('enforces key names: non-empty, no Unicode spaces, no plus', () => {
    for (const bad of ['', 'a b', 'a+b', 'a\u00a0b', 'a\u2003b', 'a\nb', 'a\tb']) assert.equal(isValidKeyName(bad), false, JSON.stringify(bad));
    for (const good of ['a', 'example.com/log42', 'ünïcödé/名前', 'sigsum.org/v1/tree/4e89']) assert.equal(isValidKeyName(good), true, good);
    assert.throws(() => createEd25519Signer('has space', alice.seed), malformed);
  });

  it('generates signer and verifier keys that work together', () => {
    const { signerKey, verifierKey } = generateNoteKey('cairn.example/node-1');
    assert.match(signerKey, /^PRIVATE\+KEY\+cairn\.example\/node-1\+[0-9a-f]{8}\+/);
    const signer = parseSignerKey(signerKey);
    const signed = signNote('hello\n', [signer]);
    assert.equal(openNote(signed, [parseVerifierKey(verifierKey)]).text, 'hello\n');
    const seed = Buffer.from(signerKey.split('+').slice(4).join('+'), 'base64').subarray(1); // the base64 may contain '+'
    assert.equal(formatSignerKey(signer.name, seed), signerKey);
  });
});

describe('interoperability with golang.org/x/mod/sumdb/note', () => {
  it('verifies Go\'s signed note and rejects it once altered', () => {
    const v = parseVerifierKey(GO_VKEY);
    assert.equal(openNote(GO_NOTE, [v]).text, GO_TEXT);
    assert.throws(() => openNote(GO_NOTE.replace('cryptography', 'cryptographY'), [v]), unverified);
  });

  it('reproduces Go\'s signed note byte for byte from Go\'s signer key', () => {
    const signer = parseSignerKey(GO_SKEY);
    assert.equal(formatVerifierKey(signer.name, signer.publicKey), GO_VKEY);
    assert.equal(signNote(GO_TEXT, [signer]), GO_NOTE);
  });

  it('refuses to sign text that could not be opened again', () => {
    const signer = parseSignerKey(GO_SKEY);
    for (const bad of ['', 'no newline', 'tab\there\n', 'cr\r\n', 'lone \ud800\n']) assert.throws(() => signNote(bad, [signer]), malformed, JSON.stringify(bad));
    assert.throws(() => signNote('x\n', []), malformed);
  });
});
