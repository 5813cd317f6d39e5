// Versioned schema migrations for the SQLite driver. Each migration runs in its own IMMEDIATE
// transaction together with its row in `schema_migrations`, so a crash leaves the schema either
// before or after a migration, never half-way; re-running `migrate` applies only what is missing.
// Never edit a released migration: add a new one with the next version.
import type Database from 'better-sqlite3';
import { StorageError } from '../errors.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    // STRICT tables make SQLite reject a value of the wrong type instead of silently storing it.
    // Tenancy is not a foreign key: tokens and functions may name a tenant (e.g. "default") that was
    // never created with putTenant. Logs and invocations carry no foreign key either, so a late
    // telemetry batch for a just-deleted function cannot make the whole batch fail.
    sql: `
      CREATE TABLE tenants (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE tokens (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        name TEXT NOT NULL,
        hash TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'tenant')),
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
      ) STRICT;
      CREATE UNIQUE INDEX tokens_hash ON tokens (hash);
      CREATE INDEX tokens_tenant_created ON tokens (tenant, created_at, id);

      CREATE TABLE functions (
        tenant TEXT NOT NULL,
        name TEXT NOT NULL,
        current_version TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (tenant, name)
      ) STRICT;
      -- Routing is by name across tenants, so a name belongs to one tenant per node.
      CREATE UNIQUE INDEX functions_name ON functions (name);

      -- Bundles, stored once per content hash however many versions or functions share them.
      CREATE TABLE code (
        sha256 TEXT PRIMARY KEY,
        body TEXT NOT NULL
      ) STRICT;

      CREATE TABLE versions (
        tenant TEXT NOT NULL,
        function TEXT NOT NULL,
        id TEXT NOT NULL,
        number INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        size INTEGER NOT NULL,
        sha256 TEXT NOT NULL REFERENCES code (sha256),
        config TEXT NOT NULL,
        actor TEXT NOT NULL,
        PRIMARY KEY (tenant, function, id),
        UNIQUE (tenant, function, number),
        FOREIGN KEY (tenant, function) REFERENCES functions (tenant, name) ON DELETE CASCADE
      ) STRICT;
      -- Finds whether a bundle is still referenced when a function is deleted.
      CREATE INDEX versions_sha256 ON versions (sha256);

      -- AUTOINCREMENT: ids are never reused after deletes, so "newest first by id" stays true.
      CREATE TABLE deployments (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        tenant TEXT NOT NULL,
        function TEXT NOT NULL,
        version TEXT NOT NULL,
        previous TEXT,
        kind TEXT NOT NULL CHECK (kind IN ('deploy', 'rollback')),
        actor TEXT NOT NULL,
        at INTEGER NOT NULL,
        FOREIGN KEY (tenant, function, version) REFERENCES versions (tenant, function, id) ON DELETE CASCADE
      ) STRICT;
      CREATE INDEX deployments_function ON deployments (tenant, function, id);

      -- AUTOINCREMENT: "logs after id N" (cairn logs --follow) must never see a reused id.
      CREATE TABLE logs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        tenant TEXT NOT NULL,
        function TEXT NOT NULL,
        version TEXT NOT NULL,
        invocation_id TEXT NOT NULL,
        ts INTEGER NOT NULL,
        level TEXT NOT NULL CHECK (level IN ('debug', 'log', 'info', 'warn', 'error')),
        message TEXT NOT NULL
      ) STRICT;
      CREATE INDEX logs_function ON logs (tenant, function, id);
      CREATE INDEX logs_invocation ON logs (tenant, function, invocation_id, id);

      CREATE TABLE invocations (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        function TEXT NOT NULL,
        version TEXT NOT NULL,
        ts INTEGER NOT NULL,
        method TEXT NOT NULL,
        path TEXT NOT NULL,
        status INTEGER NOT NULL,
        duration_ms REAL NOT NULL,
        cpu_ms REAL NOT NULL,
        cold_start INTEGER NOT NULL CHECK (cold_start IN (0, 1)),
        error TEXT
      ) STRICT;
      -- Newest first is a backwards scan of this index; id breaks ties between equal timestamps.
      CREATE INDEX invocations_function_ts ON invocations (tenant, function, ts, id);

      -- A rowid table (not WITHOUT ROWID) because values may be large blobs.
      CREATE TABLE kv (
        ns TEXT NOT NULL,
        key TEXT NOT NULL,
        value BLOB NOT NULL,
        expires_at INTEGER,
        metadata TEXT,
        PRIMARY KEY (ns, key)
      ) STRICT;
      CREATE INDEX kv_expires ON kv (expires_at) WHERE expires_at IS NOT NULL;

      CREATE TABLE secrets (
        tenant TEXT NOT NULL,
        name TEXT NOT NULL,
        ciphertext BLOB NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (tenant, name)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: 'usage records and hourly usage roll-ups',
    // The invocation record becomes the usage record (no second table of raw rows): what started
    // it, the memory limit it ran under, the billed wall time (whole ms), CPU in whole µs, and the
    // request/response body bytes. Rows written before this migration get the version's memory
    // limit (or the 128 MB default), their duration rounded up as billed time, and no bytes.
    //
    // Every invocation now writes a row, so the table is rebuilt for the cost of that write: one
    // B-tree, clustered on (tenant, function, ts, id) — the order `listInvocations` reads — instead
    // of a rowid table plus an id index plus a (tenant, function, ts, id) index. Ids come from a
    // random generator; re-sending the same record (a retried batch) still hits the primary key
    // and is skipped.
    //
    // usage_hourly is maintained by appendInvocations in the same transaction as the raw rows, so
    // the two cannot disagree; every column is an INTEGER so that sums are exact in any order.
    // It is seeded here from the rows that already exist.
    sql: `
      CREATE TABLE invocations_v2 (
        tenant TEXT NOT NULL,
        function TEXT NOT NULL,
        -- when the invocation started, ms since the epoch
        ts INTEGER NOT NULL,
        id TEXT NOT NULL,
        version TEXT NOT NULL,
        trigger_type TEXT NOT NULL,
        method TEXT NOT NULL,
        path TEXT NOT NULL,
        status INTEGER NOT NULL,
        duration_ms REAL NOT NULL,
        cpu_ms REAL NOT NULL,
        cold_start INTEGER NOT NULL CHECK (cold_start IN (0, 1)),
        error TEXT,
        memory_mb INTEGER NOT NULL,
        billed_ms INTEGER NOT NULL,
        cpu_us INTEGER NOT NULL,
        bytes_in INTEGER NOT NULL,
        bytes_out INTEGER NOT NULL,
        PRIMARY KEY (tenant, function, ts, id)
      ) STRICT, WITHOUT ROWID;

      INSERT INTO invocations_v2 (tenant, function, ts, id, version, trigger_type, method, path, status, duration_ms, cpu_ms, cold_start, error,
                                  memory_mb, billed_ms, cpu_us, bytes_in, bytes_out)
        SELECT i.tenant, i.function, i.ts, i.id, i.version, 'http', i.method, i.path, i.status, i.duration_ms, i.cpu_ms, i.cold_start, i.error,
               COALESCE((SELECT CAST(json_extract(v.config, '$.limits.memoryMb') AS INTEGER) FROM versions v
                         WHERE v.tenant = i.tenant AND v.function = i.function AND v.id = i.version), 128),
               CAST(i.duration_ms AS INTEGER) + (i.duration_ms > CAST(i.duration_ms AS INTEGER)),
               CAST(round(i.cpu_ms * 1000) AS INTEGER), 0, 0
        FROM invocations i;
      DROP TABLE invocations;
      ALTER TABLE invocations_v2 RENAME TO invocations;

      CREATE TABLE usage_hourly (
        tenant TEXT NOT NULL,
        function TEXT NOT NULL,
        -- start of the UTC hour, ms since the epoch
        hour INTEGER NOT NULL,
        requests INTEGER NOT NULL,
        errors INTEGER NOT NULL,
        cold_starts INTEGER NOT NULL,
        billed_ms INTEGER NOT NULL,
        cpu_us INTEGER NOT NULL,
        mb_ms INTEGER NOT NULL,
        bytes_in INTEGER NOT NULL,
        bytes_out INTEGER NOT NULL,
        PRIMARY KEY (tenant, function, hour)
      ) STRICT, WITHOUT ROWID;
      -- Period queries over every tenant (?tenant=*) scan by hour.
      CREATE INDEX usage_hourly_hour ON usage_hourly (hour);

      INSERT INTO usage_hourly (tenant, function, hour, requests, errors, cold_starts, billed_ms, cpu_us, mb_ms, bytes_in, bytes_out)
        SELECT tenant, function, ts - (ts % 3600000), COUNT(*), SUM(error IS NOT NULL OR status >= 500), SUM(cold_start),
               SUM(billed_ms), SUM(cpu_us), SUM(memory_mb * billed_ms), SUM(bytes_in), SUM(bytes_out)
        FROM invocations GROUP BY tenant, function, ts - (ts % 3600000);
    `,
  },
  {
    version: 3,
    name: 'anomaly events',
    sql: `
      CREATE TABLE anomalies (
        tenant TEXT NOT NULL,
        ts INTEGER NOT NULL,
        id TEXT NOT NULL,
        function TEXT NOT NULL,
        version TEXT NOT NULL,
        signal TEXT NOT NULL,
        score REAL NOT NULL,
        expected REAL NOT NULL,
        observed REAL NOT NULL,
        explanation TEXT NOT NULL,
        PRIMARY KEY (tenant, ts, id)
      ) STRICT, WITHOUT ROWID;
      CREATE UNIQUE INDEX anomalies_id ON anomalies (id);
      CREATE INDEX anomalies_function ON anomalies (tenant, function, ts, id);
    `,
  },
];

const LEDGER_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at INTEGER NOT NULL
) STRICT`;

/** The newest schema version this code knows. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);

/** The schema version recorded in the database; 0 for a database never migrated. */
export function schemaVersion(db: Database.Database): number {
  const table = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).get();
  if (!table) return 0;
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
  return row.v ?? 0;
}

/** Throws `schema-too-new` when the database was migrated by a newer Cairn than this one. */
export function assertSchemaKnown(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): void {
  const known = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  const found = schemaVersion(db);
  if (found > known) {
    throw new StorageError('schema-too-new',
      `the database ${db.name} has schema version ${found}, but this Cairn knows versions up to ${known}; ` +
      'upgrade Cairn (or restore a backup taken before the upgrade) instead of opening it with an older release');
  }
}

/** Applies the migrations the database lacks, in version order; returns the versions applied. */
export function applyMigrations(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS, now: () => number = Date.now): number[] {
  db.exec(LEDGER_TABLE);
  assertSchemaKnown(db, migrations);
  const applied: number[] = [];
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const isApplied = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?');
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    // IMMEDIATE takes the write lock before the check, so two processes migrating the same file
    // at once serialise and the second sees the first's row instead of applying the DDL twice.
    db.transaction(() => {
      if (isApplied.get(m.version)) return;
      db.exec(m.sql);
      record.run(m.version, m.name, now());
      applied.push(m.version);
    }).immediate();
  }
  return applied;
}
