// Metering on the SQLite driver, beyond the shared conformance suite: migration 2 upgrades a
// schema-1 database (backfilling the usage fields and seeding the roll-ups from rows already there),
// and rebuildUsage repairs roll-ups that were changed behind the driver's back.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteDriver } from '../../src/storage/sqlite/driver.ts';
import { MIGRATIONS, applyMigrations, schemaVersion } from '../../src/storage/sqlite/migrations.ts';
import { makeVersion } from './conformance/helpers.ts';
import { randomRecords } from './conformance/usage.ts';
import { functionConfigSchema } from '../../src/config/schema.ts';
import { tempBase } from './sqlite-helpers.ts';

const { base } = tempBase('cairn-sqlite-usage-');
const H = 3_600_000;
const T0 = Date.UTC(2024, 4, 1);

describe('SQLite usage records', () => {
  it('migration 2 backfills rows written under schema 1 and seeds their hourly roll-ups', async () => {
    const path = join(base, 'upgrade.db');
    const raw = new Database(path);
    applyMigrations(raw, MIGRATIONS.filter((m) => m.version === 1));
    assert.equal(schemaVersion(raw), 1);
    const { v, code } = makeVersion('acme', 'hello', 'one');
    const config = functionConfigSchema.parse({ limits: { memoryMb: 512 } });
    raw.prepare('INSERT INTO functions (tenant, name, current_version, created_at, updated_at) VALUES (?, ?, ?, 1, 1)').run('acme', 'hello', v.id);
    raw.prepare('INSERT INTO code (sha256, body) VALUES (?, ?)').run(v.sha256, code);
    raw.prepare('INSERT INTO versions (tenant, function, id, number, created_at, size, sha256, config, actor) VALUES (?, ?, ?, 1, 1, ?, ?, ?, ?)')
      .run('acme', 'hello', v.id, v.size, v.sha256, JSON.stringify(config), 'alice');
    const ins = raw.prepare(`INSERT INTO invocations (id, tenant, function, version, ts, method, path, status, duration_ms, cpu_ms, cold_start, error)
      VALUES (?, ?, ?, ?, ?, 'GET', '/', ?, ?, ?, ?, ?)`);
    ins.run('a', 'acme', 'hello', v.id, T0 + 1, 200, 2.25, 0.0015, 1, null);
    ins.run('b', 'acme', 'hello', v.id, T0 + 2, 503, 4, 1.5, 0, 'overloaded');
    ins.run('c', 'acme', 'hello', 'v-gone', T0 + H, 200, 0.5, 0.25, 0, null); // its version no longer exists: the default 128 MB
    raw.close();

    const d = SqliteDriver.open(path);
    try {
      await d.migrate();
      const page = await d.listInvocations('acme', 'hello');
      assert.deepEqual(page.items.map((i) => [i.id, i.trigger, i.memoryMb, i.billedMs, i.bytesIn, i.bytesOut]), [
        ['c', 'http', 128, 1, 0, 0], ['b', 'http', 512, 4, 0, 0], ['a', 'http', 512, 3, 0, 0],
      ]);
      const rows = await d.queryUsage({ tenant: 'acme', function: 'hello', from: T0, to: T0 + 2 * H, granularity: 'hour' });
      assert.deepEqual(rows.items, [
        { tenant: 'acme', function: 'hello', start: T0, requests: 2, errors: 1, coldStarts: 1, billedMs: 7, cpuUs: 2 + 1500, mbMs: 512 * 7, bytesIn: 0, bytesOut: 0 },
        { tenant: 'acme', function: 'hello', start: T0 + H, requests: 1, errors: 0, coldStarts: 0, billedMs: 1, cpuUs: 250, mbMs: 128, bytesIn: 0, bytesOut: 0 },
      ]);
      assert.equal((await d.rebuildUsage()).corrected, 0, 'the seeded roll-ups are what a rebuild computes');
    } finally {
      await d.close();
    }
  });

  it('rebuildUsage repairs roll-ups changed, removed or added behind the driver, in one transaction', async () => {
    const path = join(base, 'tamper.db');
    const d = SqliteDriver.open(path);
    try {
      await d.migrate();
      const records = randomRecords(200, 21);
      await d.appendInvocations(records);
      const q = { tenant: null, function: null, from: T0 - 2 * H, to: T0 + 72 * H, granularity: 'hour' as const };
      const good = (await d.queryUsage(q, { limit: 200 })).items;
      const raw = new Database(path);
      raw.exec(`UPDATE usage_hourly SET mb_ms = mb_ms + 1 WHERE (tenant, function, hour) IN (SELECT tenant, function, hour FROM usage_hourly ORDER BY hour LIMIT 2);
        DELETE FROM usage_hourly WHERE (tenant, function, hour) IN (SELECT tenant, function, hour FROM usage_hourly ORDER BY hour DESC LIMIT 1);
        INSERT INTO usage_hourly VALUES ('ghost', 'fn', ${T0}, 1, 0, 0, 1, 1, 1, 1, 1);`);
      raw.close();
      assert.notDeepEqual((await d.queryUsage(q, { limit: 200 })).items, good);
      const r = await d.rebuildUsage();
      assert.equal(r.corrected, 4);
      assert.equal(r.invocations, 200);
      assert.deepEqual((await d.queryUsage(q, { limit: 200 })).items, good);
      assert.equal((await d.rebuildUsage()).corrected, 0);
    } finally {
      await d.close();
    }
  });
});
