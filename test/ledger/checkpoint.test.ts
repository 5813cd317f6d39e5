// C2SP tlog-checkpoint bodies inside signed notes: hand-built checkpoints must open, ours must have
// exactly the spec's shape, and every malformed body is refused.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { formatCheckpoint, openCheckpoint, parseCheckpoint, signCheckpoint } from '../../src/ledger/checkpoint.ts';
import { createEd25519Signer, parseVerifierKey } from '../../src/ledger/note.ts';
import { isLedgerError } from '../../src/ledger/errors.ts';
import { EMPTY_ROOT } from '../../src/ledger/hash.ts';

const ORIGIN = 'example.com/behind-the-sofa';
const ROOT = Buffer.from('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=', 'base64');
const seed = Buffer.alloc(32, 3);
const malformed = (e: unknown): boolean => isLedgerError(e, 'invalid');

function handSigned(text: string, name = ORIGIN): { note: string; vkey: string } {
  const key = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });
  const pub = Buffer.from(createPublicKey(key).export({ format: 'jwk' }).x as string, 'base64url');
  const id = createHash('sha256').update(name).update(Buffer.from([0x0a, 0x01])).update(pub).digest().subarray(0, 4);
  const sig = sign(null, Buffer.from(text, 'utf8'), key);
  return {
    note: `${text}\n\u2014 ${name} ${Buffer.concat([id, sig]).toString('base64')}\n`,
    vkey: `${name}+${id.toString('hex')}+${Buffer.concat([Buffer.from([1]), pub]).toString('base64')}`,
  };
}

describe('tlog-checkpoint', () => {
  it('formats origin, decimal size and base64 root, each newline-terminated', () => {
    assert.equal(formatCheckpoint({ origin: ORIGIN, size: 20852163, rootHash: ROOT }),
      'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n');
    assert.equal(formatCheckpoint({ origin: ORIGIN, size: 0, rootHash: EMPTY_ROOT }), `${ORIGIN}\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n`);
    assert.equal(formatCheckpoint({ origin: ORIGIN, size: 1, rootHash: ROOT, extensions: ['ext one'] }).split('\n').length, 5);
  });

  it('opens a checkpoint note built by hand and checks the origin', () => {
    const { note, vkey } = handSigned('example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n');
    const cp = openCheckpoint(note, [parseVerifierKey(vkey)], ORIGIN);
    assert.equal(cp.origin, ORIGIN);
    assert.equal(cp.size, 20852163);
    assert.deepEqual(Buffer.from(cp.rootHash), ROOT);
    assert.throws(() => openCheckpoint(note, [parseVerifierKey(vkey)], 'example.com/another-log'), malformed);
    // Our signer, with the same seed and name, produces the very same note.
    assert.equal(signCheckpoint({ origin: ORIGIN, size: 20852163, rootHash: ROOT }, [createEd25519Signer(ORIGIN, seed)]), note);
  });

  it('keeps extension lines and refuses malformed bodies', () => {
    assert.deepEqual(parseCheckpoint(`${ORIGIN}\n5\n${ROOT.toString('base64')}\nfoo\nbar\n`).extensions, ['foo', 'bar']);
    const root = ROOT.toString('base64');
    const bad = [
      `${ORIGIN}\n5\n`, // two lines
      `${ORIGIN}\n5\n${root}`, // no final newline
      `\n5\n${root}\n`, // empty origin
      `${ORIGIN}\n05\n${root}\n`, // leading zero
      `${ORIGIN}\n-1\n${root}\n`,
      `${ORIGIN}\n+5\n${root}\n`,
      `${ORIGIN}\n5.0\n${root}\n`,
      `${ORIGIN}\n 5\n${root}\n`,
      `${ORIGIN}\n9007199254740992\n${root}\n`, // 2^53: not representable
      `${ORIGIN}\n5\n${root.slice(0, -1)}\n`, // not canonical base64
      `${ORIGIN}\n5\n${Buffer.alloc(31).toString('base64')}\n`, // 31 bytes
      `${ORIGIN}\n5\n${root}\n\n`, // empty extension line
    ];
    for (const text of bad) assert.throws(() => parseCheckpoint(text), malformed, JSON.stringify(text));
    assert.equal(parseCheckpoint(`${ORIGIN}\n0\n${root}\n`).size, 0);
    assert.equal(parseCheckpoint(`${ORIGIN}\n9007199254740991\n${root}\n`).size, 2 ** 53 - 1);
  });

  it('refuses to format a checkpoint it could not parse back', () => {
    assert.throws(() => formatCheckpoint({ origin: '', size: 1, rootHash: ROOT }), malformed);
    assert.throws(() => formatCheckpoint({ origin: 'a\nb', size: 1, rootHash: ROOT }), malformed);
    assert.throws(() => formatCheckpoint({ origin: ORIGIN, size: -1, rootHash: ROOT }), malformed);
    assert.throws(() => formatCheckpoint({ origin: ORIGIN, size: 1, rootHash: ROOT.subarray(1) }), malformed);
    assert.throws(() => formatCheckpoint({ origin: ORIGIN, size: 1, rootHash: ROOT, extensions: [''] }), malformed);
  });
});
