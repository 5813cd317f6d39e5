// The ledger's state on SQLite and the node's ledger files: the StateStore contract, the key file,
// ledger tables beside the SqliteDriver's in one file, verification finding one flipped byte in the
// database file, and transfers that survive kill -9 exactly once.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStateStore } from '../../src/storage/sqlite/state-store.ts';
import { SqliteLedgerStore } from '../../src/storage/sqlite/ledger-store.ts';
import { SqliteDriver } from '../../src/storage/sqlite/driver.ts';
import { LedgerService } from '../../src/ledger/service.ts';
import { checkLedger } from '../../src/ledger/check.ts';
import { parseVerifierKey } from '../../src/ledger/note.ts';
import { LEDGER_DB_FILE, LEDGER_KEY_FILE, loadLedgerKey, openNodeLedger } from '../../src/node/ledger.ts';
import { runStateStoreContract } from '../ledger/state-contract.ts';
import { signer, ORIGIN } from '../ledger/service-helpers.ts';
import { runUntilKilled, tempBase } from './sqlite-helpers.ts';

const { freshDir } = tempBase('cairn-state-');

runStateStoreContract('sqlite (file)', async () => SqliteStateStore.open(join(freshDir(), 'state.db')));
runStateStoreContract('sqlite (:memory:)', async () => SqliteStateStore.open(':memory:'));

const caller = { tenant: 'acme', actor: 'user:alice' };

/** Replaces every occurrence of `needle` in the file with `replacement` (same length); returns how many. */
function patchFile(path: string, needle: Uint8Array, replacement: Uint8Array): number {
  const bytes = readFileSync(path);
  let count = 0;
  for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + 1)) {
    Buffer.from(replacement).copy(bytes, at);
    count++;
  }
  writeFileSync(path, bytes);
  return count;
}

async function openStores(path: string): Promise<{ store: SqliteLedgerStore; state: SqliteStateStore }> {
  return { store: SqliteLedgerStore.open(path), state: SqliteStateStore.open(path) };
}

describe('the node\'s ledger files', () => {
  it('generates ledger.key once (mode 0600, origin cairn.local/<id>), refuses a readable key or a changed origin', async () => {
    const dir = freshDir();
    const { service, key } = await openNodeLedger(dir);
    assert.equal(key.generated, true);
    assert.match(key.origin, /^cairn\.local\/[0-9a-f]{16}$/);
    assert.equal(statSync(join(dir, LEDGER_KEY_FILE)).mode & 0o777, 0o600);
    assert.match(readFileSync(join(dir, LEDGER_KEY_FILE), 'utf8'), /^PRIVATE\+KEY\+cairn\.local\/[0-9a-f]{16}\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*\n$/);
    assert.match(service.verifierKey, new RegExp(`^${key.origin.replace('.', '\\.')}\\+[0-9a-f]{8}\\+`));
    await service.append(caller, { type: 'app.event', body: 1 });
    await service.close();
    assert.ok(existsSync(join(dir, LEDGER_DB_FILE)));

    const again = await openNodeLedger(dir);
    assert.equal(again.key.generated, false);
    assert.equal(again.key.origin, key.origin);
    assert.equal(again.service.size, 1);
    await again.service.close();
    assert.throws(() => loadLedgerKey(dir, { create: false, origin: 'other.example/log' }), /origin cannot change/);
    chmodSync(join(dir, LEDGER_KEY_FILE), 0o644);
    assert.throws(() => loadLedgerKey(dir, { create: false }), /readable by other users/);
    assert.throws(() => loadLedgerKey(freshDir(), { create: false }), /no ledger key/);
  });

  it('can share one database file with the SqliteDriver', async () => {
    const path = join(freshDir(), 'cairn.db');
    const driver = SqliteDriver.open(path);
    await driver.migrate();
    const { store, state } = await openStores(path);
    const service = await LedgerService.open({ store, state, origin: ORIGIN, signer });
    await driver.putTenant({ id: 'acme', name: 'Acme', createdAt: 1 });
    await service.documents.createTable(caller, 'orders');
    await service.documents.insert(caller, 'orders', 'o1', { v: 1 });
    await driver.putTenant({ id: 'globex', name: 'Globex', createdAt: 2 });
    await service.close();
    await driver.close();

    const driver2 = SqliteDriver.open(path);
    await driver2.migrate(); // the ledger's tables do not upset the driver's migrations
    assert.equal((await driver2.listTenants()).items.length, 2);
    const reopened = await openStores(path);
    const report = await checkLedger({ store: reopened.store, state: reopened.state, verifiers: [parseVerifierKey(service.verifierKey)] });
    assert.equal(report.problem, null);
    assert.equal(report.size, 2);
    await Promise.all([reopened.store.close(), reopened.state.close(), driver2.close()]);
  });
});

describe('verification of the database file', () => {
  async function buildLedger(): Promise<{ path: string; vkey: string; markerIndex: number; nodeHash: Uint8Array }> {
    const dir = freshDir();
    const { service, path } = await openNodeLedger(dir, { origin: 'cairn.test/tamper' });
    await service.documents.createTable(caller, 'orders');
    await service.accounts.open(caller, 'mint', { allowOverdraft: true });
    await service.accounts.open(caller, 'shop');
    for (let i = 0; i < 40; i++) {
      await service.documents.put(caller, 'orders', `o${i % 7}`, { qty: i, note: `order-${i}` });
      if (i % 4 === 0) await service.accounts.transfer(caller, { from: 'mint', to: 'shop', amount: String(i + 1), currency: 'EUR', idempotencyKey: `k${i}` });
      if (i % 10 === 0) await service.checkpoint();
    }
    const marker = await service.append(caller, { type: 'app.event', body: { marker: 'MARKER-abcdefgh' } });
    await service.append(caller, { type: 'app.event', body: { after: true } });
    await service.checkpoint();
    const [nodeHash] = await service.ledger.store.getNodes([{ level: 2, index: 3 }]);
    const vkey = service.verifierKey;
    await service.close(); // the last connection checkpoints the WAL into the file
    assert.equal(existsSync(`${path}-wal`), false);
    return { path, vkey, markerIndex: marker.index, nodeHash: nodeHash as Uint8Array };
  }

  const check = async (path: string, vkey: string) => {
    const { store, state } = await openStores(path);
    try {
      return await checkLedger({ store, state, verifiers: [parseVerifierKey(vkey)], origin: 'cairn.test/tamper' });
    } finally {
      await store.close();
      await state.close();
    }
  };

  it('passes an untouched file', async () => {
    const { path, vkey } = await buildLedger();
    const r = await check(path, vkey);
    assert.equal(r.problem, null);
    assert.equal(r.checkpointsChecked, 5);
    assert.equal(r.consistencyProofsChecked, 4);
  });

  it('finds one flipped byte in a leaf and names the entry', async () => {
    const { path, vkey, markerIndex } = await buildLedger();
    assert.ok(patchFile(path, Buffer.from('MARKER-abcdefgh'), Buffer.from('MARKER-abcdefgi')) >= 1);
    const raw = new Database(path);
    assert.equal(raw.pragma('integrity_check', { simple: true }), 'ok', 'SQLite itself sees nothing wrong');
    raw.close();
    const r = await check(path, vkey);
    assert.equal(r.ok, false);
    assert.equal(r.problem?.stage, 'log');
    assert.match(r.problem?.message ?? '', new RegExp(`^leaf hash of entry ${markerIndex}: stored [0-9a-f]{64}, recomputed from the entries [0-9a-f]{64}$`));
  });

  it('finds one flipped byte in an interior node and names it', async () => {
    const { path, vkey, nodeHash } = await buildLedger();
    const flipped = Buffer.from(nodeHash);
    flipped[5] = (flipped[5] as number) ^ 0x01;
    assert.ok(patchFile(path, nodeHash, flipped) >= 1);
    const r = await check(path, vkey);
    assert.equal(r.problem?.stage, 'log');
    assert.match(r.problem?.message ?? '', /^node 2\/3: stored [0-9a-f]{64}, recomputed from the entries [0-9a-f]{64}$/);
  });

  it('finds one flipped byte in the materialised state and names the row', async () => {
    const { path, vkey } = await buildLedger();
    // The document o3's current data, in the state table only (the log holds it as part of a leaf too).
    const raw = new Database(path);
    const value = raw.prepare("SELECT value FROM ledger_state WHERE ns = 'doc' AND key = ?").pluck().get('acme\u001forders\u001fo3') as string;
    raw.close();
    const needle = Buffer.from(value);
    const changed = Buffer.from(value.replace('"qty":38', '"qty":39'));
    assert.notDeepEqual(needle, changed);
    assert.ok(patchFile(path, needle, changed) >= 1);
    const r = await check(path, vkey);
    assert.equal(r.problem?.stage, 'state');
    assert.match(r.problem?.message ?? '', /^state row doc acme\/orders\/o3: stored .*"qty":39.*, but replaying the log gives .*"qty":38/);
  });
});

describe('transfers and kill -9', () => {
  it('keep every acknowledged transfer exactly once, and a state that verifies', { timeout: 120_000 }, async () => {
    const dir = freshDir();
    const acked = new Map<string, number>();
    const { signal, stderr } = await runUntilKilled('test/ledger/fixtures/transfer-until-killed.ts', dir, (line) => {
      const m = /^ack (t-\d+) (\d+)$/.exec(line);
      if (m) acked.set(m[1] as string, Number(m[2]));
    }, () => acked.size >= 600);
    assert.equal(signal, 'SIGKILL', `the writer ended on its own; stderr:\n${stderr}`);

    const { service } = await openNodeLedger(dir, { origin: 'cairn.test/crash' });
    try {
      for (const [key, index] of acked) {
        const t = await service.accounts.getTransfer('acme', key);
        assert.equal(t?.index, index, `acknowledged transfer ${key} is missing`);
        const n = Number(key.slice(2));
        // A retry after the crash finds it and does not transfer again.
        const retry = await service.accounts.transfer(caller, { from: n % 3 === 0 ? 'mint' : `a${n % 8}`, to: `a${(n + 1) % 8}`, amount: '1', currency: 'EUR', idempotencyKey: key });
        assert.equal(retry.replayed, true);
        assert.equal(retry.index, index);
      }
      const r = await checkLedger({ store: service.ledger.store, state: service.state, verifiers: [parseVerifierKey(service.verifierKey)] });
      assert.equal(r.problem, null, r.problem?.message);
      assert.equal(r.stateApplied, r.size);
    } finally {
      await service.close();
    }
  });
});
