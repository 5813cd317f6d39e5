// The SQLite driver: the shared conformance suite on a file and in memory, plus what only a file
// database has — persistence across reopen, schema version checks, and durability under SIGKILL.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteDriver } from '../../src/storage/sqlite/driver.ts';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, applyMigrations, schemaVersion } from '../../src/storage/sqlite/migrations.ts';
import { runStorageConformance } from './conformance.ts';
import { assertBytes, collect, makeInvocation, makeVersion, rejectsWithCode } from './conformance/helpers.ts';
import { runUntilKilled, tempBase } from './sqlite-helpers.ts';

const { freshDir } = tempBase('cairn-sqlite-');
const freshPath = (): string => join(freshDir(), 'cairn.db');

runStorageConformance('sqlite (file)', async () => SqliteDriver.open(freshPath()));
runStorageConformance('sqlite (:memory:)', async () => SqliteDriver.open(':memory:'));

describe('SqliteDriver', () => {
  it('runs WAL with synchronous=FULL, a busy timeout and foreign keys on', async () => {
    const d = SqliteDriver.open(freshPath()); // the parent folder does not exist yet: open creates it
    try {
      assert.deepEqual(d.settings(), { journalMode: 'wal', synchronous: 2, busyTimeout: 5000, foreignKeys: true });
      assert.equal(d.kind, 'sqlite');
    } finally {
      await d.close();
    }
  });

  it('keeps every kind of record across close and reopen', async () => {
    const path = freshPath();
    const { v, code } = makeVersion('acme', 'hello', 'one');
    const d = SqliteDriver.open(path);
    await d.migrate();
    await d.putTenant({ id: 'acme', name: 'Acme', createdAt: 1 });
    await d.putToken({ id: 'k', tenant: 'acme', name: 'ci', hash: 'h', role: 'tenant', createdAt: 1, revokedAt: null });
    await d.deployVersion(v, code, 2);
    await d.appendLogs([{ tenant: 'acme', function: 'hello', version: v.id, invocationId: 'i', ts: 3, level: 'log', message: 'm' }]);
    await d.appendInvocations([makeInvocation('acme', 'hello', 'i', 3)]);
    await d.kvPut('acme/ns', 'k', { value: Uint8Array.from([7]), expiresAt: null, metadata: { m: 1 } });
    await d.putSecret({ tenant: 'acme', name: 'S', ciphertext: Uint8Array.from([8]), updatedAt: 4 });
    await d.close();
    await d.close(); // closing twice is harmless

    const r = SqliteDriver.open(path);
    try {
      await r.migrate();
      assert.equal((await r.getTenant('acme'))?.name, 'Acme');
      assert.equal((await r.findTokenByHash('h'))?.id, 'k');
      assert.equal((await r.getFunction('acme', 'hello'))?.currentVersion, v.id);
      assert.equal(await r.getCode(v.sha256), code);
      assert.equal((await r.listLogs('acme', 'hello', {})).length, 1);
      assert.equal((await r.listInvocations('acme', 'hello')).items.length, 1);
      assertBytes((await r.kvGet('acme/ns', 'k', 0))?.value, Uint8Array.from([7]));
      assertBytes((await r.getSecret('acme', 'S'))?.ciphertext, Uint8Array.from([8]));
    } finally {
      await r.close();
    }
  });

  it('sees writes made through another connection to the same file', async () => {
    const path = freshPath();
    const a = SqliteDriver.open(path);
    const b = SqliteDriver.open(path);
    try {
      await a.migrate();
      await b.migrate();
      await a.kvPut('acme/ns', 'k', { value: Uint8Array.from([1]), expiresAt: null, metadata: null });
      assert.notEqual(await b.kvGet('acme/ns', 'k', 0), null);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('refuses a database whose schema is newer than this code, on open and on migrate', async () => {
    const path = freshPath();
    const d = SqliteDriver.open(path);
    await d.migrate();
    const raw = new Database(path);
    raw.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(LATEST_SCHEMA_VERSION + 1, 'from the future', 0);
    raw.close();
    try {
      await rejectsWithCode(d.migrate(), 'schema-too-new');
    } finally {
      await d.close();
    }
    assert.throws(() => SqliteDriver.open(path), (err: Error & { code?: string }) =>
      err.code === 'schema-too-new' && err.message.includes(`schema version ${LATEST_SCHEMA_VERSION + 1}`) && err.message.includes('upgrade Cairn'));
  });

  it('records migrations, applies each at most once, and rolls a failing one back entirely', () => {
    const db = new Database(':memory:');
    try {
      assert.equal(schemaVersion(db), 0);
      assert.deepEqual(applyMigrations(db), MIGRATIONS.map((m) => m.version));
      assert.deepEqual(applyMigrations(db), []);
      assert.equal(schemaVersion(db), LATEST_SCHEMA_VERSION);
      const broken = { version: LATEST_SCHEMA_VERSION + 1, name: 'broken', sql: 'CREATE TABLE extra (x INTEGER); SELECT * FROM no_such_table;' };
      assert.throws(() => applyMigrations(db, [...MIGRATIONS, broken]), /no_such_table/);
      assert.equal(schemaVersion(db), LATEST_SCHEMA_VERSION);
      assert.equal(db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'extra'`).get(), undefined);
      const good = { ...broken, name: 'good', sql: 'CREATE TABLE extra (x INTEGER);' };
      assert.deepEqual(applyMigrations(db, [...MIGRATIONS, good]), [good.version]);
      assert.equal(schemaVersion(db), good.version);
    } finally {
      db.close();
    }
  });

  it('keeps every acknowledged write when the writing process is killed with SIGKILL', { timeout: 120_000 }, async () => {
    const path = freshPath();
    const acked: number[] = [];
    const { signal, stderr } = await runUntilKilled('test/storage/fixtures/append-until-killed.ts', path, (line) => {
      const m = /^ack (\d+)$/.exec(line);
      if (m) acked.push(Number(m[1]));
    }, () => acked.length >= 150);
    assert.equal(signal, 'SIGKILL', `the writer ended on its own; stderr:\n${stderr}`);
    assert.ok(acked.length >= 150);
    assert.deepEqual(acked, acked.map((_, i) => i), 'acks are consecutive from 0');

    const raw = new Database(path);
    assert.equal(raw.pragma('integrity_check', { simple: true }), 'ok');
    raw.close();
    const d = SqliteDriver.open(path);
    try {
      await d.migrate();
      for (const i of acked) {
        const got = await d.kvGet('acme/ns', `k${i}`, 0);
        assert.deepEqual(got?.metadata, { i }, `kv write ${i} was acknowledged but is missing`);
      }
      const invocations = new Set((await collect((cursor) => d.listInvocations('acme', 'hello', { cursor, limit: 200 }))).items.map((x) => x.id));
      for (const i of acked) assert.ok(invocations.has(`inv-${i}`), `invocation ${i} was acknowledged but is missing`);
      const logs = new Set<string>();
      for (let afterId = 0; ;) {
        const batch = await d.listLogs('acme', 'hello', { afterId, limit: 200 });
        if (batch.length === 0) break;
        for (const l of batch) logs.add(l.message);
        afterId = batch[batch.length - 1]?.id ?? afterId;
      }
      for (const i of acked) assert.ok(logs.has(`log ${i}`), `log ${i} was acknowledged but is missing`);
      const lastDeploy = Math.floor((acked.length - 1) / 10) + 1;
      const [newest] = (await d.listVersions('acme', 'hello', { limit: 1 })).items;
      assert.ok((newest?.number ?? 0) >= lastDeploy, `expected at least ${lastDeploy} versions`);
      assert.equal((await d.findFunction('hello'))?.currentVersion, newest?.id);
    } finally {
      await d.close();
    }
  });
});
