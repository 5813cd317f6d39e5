// The SQLite LedgerStore: the shared contract on a file and in memory, plus what only a file has —
// durability settings, persistence across reopen, atomic batches, two connections writing one log,
// tampering found by the audit, and no acknowledged entry lost when the writer is killed with SIGKILL.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteLedgerStore } from '../../src/storage/sqlite/ledger-store.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { auditStore } from '../../src/ledger/audit.ts';
import { isLedgerError } from '../../src/ledger/errors.ts';
import { createEd25519Signer, formatVerifierKey, parseVerifierKey } from '../../src/ledger/note.ts';
import { openCheckpoint } from '../../src/ledger/checkpoint.ts';
import { verifyConsistency, verifyInclusion } from '../../src/ledger/verify.ts';
import { leafHash } from '../../src/ledger/hash.ts';
import { runLedgerStoreContract } from '../ledger/store-contract.ts';
import { entryOf, hex } from '../ledger/helpers.ts';
import { runUntilKilled, tempBase } from './sqlite-helpers.ts';

const { freshDir } = tempBase('cairn-ledger-');
const freshPath = (): string => join(freshDir(), 'ledger.db');

runLedgerStoreContract('sqlite (file)', async () => SqliteLedgerStore.open(freshPath()));
runLedgerStoreContract('sqlite (:memory:)', async () => SqliteLedgerStore.open(':memory:'));

describe('SqliteLedgerStore', () => {
  it('runs WAL with synchronous=FULL and creates its tables idempotently', async () => {
    const path = freshPath(); // the folder does not exist yet
    const s = SqliteLedgerStore.open(path);
    assert.deepEqual(s.settings(), { journalMode: 'wal', synchronous: 2 });
    await s.close();
    const again = SqliteLedgerStore.open(path);
    assert.equal(await again.size(), 0);
    await again.close();
  });

  it('keeps entries, nodes and checkpoints across close and reopen', async () => {
    const path = freshPath();
    const signer = createEd25519Signer('cairn.test/log', Buffer.alloc(32, 8));
    const ledger = await Ledger.open(SqliteLedgerStore.open(path), { origin: 'cairn.test/log', signer });
    await Promise.all(Array.from({ length: 300 }, (_, i) => ledger.append(entryOf(i))));
    const cp = await ledger.checkpoint();
    const root = await ledger.rootHash();
    await ledger.close();

    const reopened = await Ledger.open(SqliteLedgerStore.open(path), { origin: 'cairn.test/log', signer });
    assert.equal(reopened.size, 300);
    assert.equal(hex(await reopened.rootHash()), hex(root));
    assert.equal((await reopened.store.latestCheckpoint())?.note, cp.note);
    assert.deepEqual(await reopened.append(entryOf(300)), { index: 300 });
    const verifier = parseVerifierKey(formatVerifierKey('cairn.test/log', signer.publicKey));
    const cp2 = await reopened.checkpoint();
    assert.ok(verifyConsistency(300, 301, openCheckpoint(cp.note, [verifier]).rootHash, cp2.rootHash, await reopened.consistencyProof(300)));
    assert.ok(verifyInclusion(leafHash(entryOf(123)), 123, 301, await reopened.inclusionProof(123), cp2.rootHash));
    const report = await auditStore(reopened.store, { verifiers: [verifier], origin: 'cairn.test/log' });
    assert.deepEqual([report.size, report.checkpointsChecked], [301, 2]);
    await reopened.close();
  });

  it('writes a batch all or nothing', async () => {
    const path = freshPath();
    const ledger = await Ledger.open(SqliteLedgerStore.open(path));
    await ledger.append(entryOf(0));
    // A stray row where the next batch's node (1, 0) will go makes its insert fail mid-transaction.
    const raw = new Database(path);
    raw.prepare('INSERT INTO ledger_nodes (level, idx, hash) VALUES (1, 0, ?)').run(Buffer.alloc(32));
    raw.close();
    await assert.rejects(ledger.append(entryOf(1)), /UNIQUE/);
    assert.equal(await ledger.store.size(), 1, 'the entry of the failed batch was rolled back');
    assert.equal(ledger.size, 1);
    await ledger.close();
  });

  it('serialises two connections writing one file: the second one retries after a conflict', async () => {
    const path = freshPath();
    const a = await Ledger.open(SqliteLedgerStore.open(path));
    const b = await Ledger.open(SqliteLedgerStore.open(path));
    await a.append(entryOf(0));
    assert.deepEqual(await b.append(entryOf(1)), { index: 1 });
    assert.deepEqual(await a.append(entryOf(2)), { index: 2 });
    assert.equal((await auditStore(a.store)).size, 3);
    await a.close();
    await b.close();
  });

  it('an audit finds one changed byte in an entry, and a changed node hash', async () => {
    const path = freshPath();
    const ledger = await Ledger.open(SqliteLedgerStore.open(path));
    await Promise.all(Array.from({ length: 50 }, (_, i) => ledger.append(entryOf(i))));
    await ledger.close();
    const raw = new Database(path);
    const data = raw.prepare('SELECT data FROM ledger_entries WHERE idx = 31').pluck().get() as Buffer;
    data[3] = (data[3] as number) ^ 1;
    raw.prepare('UPDATE ledger_entries SET data = ? WHERE idx = 31').run(data);
    raw.close();
    const store = SqliteLedgerStore.open(path);
    await assert.rejects(auditStore(store), (e) => isLedgerError(e, 'corrupt') && /entry 31/.test((e as Error).message));
    await store.close();

    const raw2 = new Database(path);
    raw2.prepare('UPDATE ledger_entries SET data = ? WHERE idx = 31').run(entryOf(31));
    raw2.prepare('UPDATE ledger_nodes SET hash = ? WHERE level = 4 AND idx = 1').run(Buffer.alloc(32, 0xee));
    raw2.close();
    const store2 = SqliteLedgerStore.open(path);
    await assert.rejects(auditStore(store2), (e) => isLedgerError(e, 'corrupt') && /node 4\/1: stored e{64}/.test((e as Error).message));
    await store2.close();
  });

  it('keeps every acknowledged entry, and a tree that verifies, when the writer is killed with SIGKILL', { timeout: 120_000 }, async () => {
    const path = freshPath();
    const acked = new Map<number, number>(); // index → seq
    let checkpoints = 0;
    const { signal, stderr } = await runUntilKilled('test/ledger/fixtures/append-until-killed.ts', path, (line) => {
      const m = /^ack (\d+) (\d+)$/.exec(line);
      if (m) acked.set(Number(m[1]), Number(m[2]));
      if (line.startsWith('checkpoint ')) checkpoints++;
    }, () => acked.size >= 3000 && checkpoints >= 2);
    assert.equal(signal, 'SIGKILL', `the writer ended on its own; stderr:\n${stderr}`);
    assert.ok(acked.size >= 3000);

    const raw = new Database(path);
    assert.equal(raw.pragma('integrity_check', { simple: true }), 'ok');
    raw.close();
    const store = SqliteLedgerStore.open(path);
    const size = await store.size();
    const maxAcked = Math.max(...acked.keys());
    assert.ok(size > maxAcked, `acknowledged index ${maxAcked} but the log holds ${size} entries`);
    const entries = await store.getEntries(0, size);
    for (const [index, s] of acked) {
      assert.equal(Buffer.from(entries[index] as Uint8Array).toString(), `entry ${s}`, `acknowledged entry ${index} is missing or wrong`);
    }
    // Every stored hash recomputed from the leaves, every stored checkpoint's signature and root.
    const signer = createEd25519Signer('cairn.test/crash', Buffer.alloc(32, 4));
    const report = await auditStore(store, { verifiers: [parseVerifierKey(formatVerifierKey(signer.name, signer.publicKey))], origin: 'cairn.test/crash' });
    assert.equal(report.size, size);
    assert.ok(report.checkpointsChecked >= 2);
    // And the log carries on from where it was killed.
    const ledger = await Ledger.open(store);
    assert.deepEqual(await ledger.append(Buffer.from('after the crash')), { index: size });
    await ledger.close();
  });
});
