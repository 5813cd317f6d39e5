// The embedded storage driver: one SQLite file per node through better-sqlite3.
//
// better-sqlite3 is synchronous, so a method's promise settles only after SQLite has committed (and,
// with the PRAGMAs below, fsynced) its transaction: "resolved" means "durable", as the contract asks.
import type Database from 'better-sqlite3';
import type {
  AnomalyRecord, DeploymentRecord, FunctionRecord, InvocationInput, InvocationRecord, KvEntry, KvListResult, LogInput, LogRecord,
  Page, PageOptions, SecretRecord, StorageDriver, TenantRecord, TokenRecord, UsageGranularity, UsageQuery, UsageRebuildResult,
  UsageRow, UsageTotals, VersionRecord,
} from '../types.ts';
import { StorageError } from '../errors.ts';
import { KV_LIST_DEFAULT, KV_LIST_MAX, clampLimit, decodeCursor, encodeCursor, prefixUpperBound, toPage } from '../pagination.ts';
import { applyMigrations, assertSchemaKnown } from './migrations.ts';
import { openDatabase } from './connection.ts';

const FUNCTION_COLS = 'tenant, name, current_version AS currentVersion, created_at AS createdAt, updated_at AS updatedAt';
const VERSION_COLS = 'tenant, function, id, number, created_at AS createdAt, size, sha256, config, actor';
const DEPLOYMENT_COLS = 'id, tenant, function, version, previous, kind, actor, at';
const TOKEN_COLS = 'id, tenant, name, hash, role, created_at AS createdAt, revoked_at AS revokedAt';
const TENANT_COLS = 'id, name, created_at AS createdAt';
const INVOCATION_COLS = 'id, tenant, function, version, ts, trigger_type AS "trigger", method, path, status, duration_ms AS durationMs, cpu_ms AS cpuMs, ' +
  'cold_start AS coldStart, error, memory_mb AS memoryMb, billed_ms AS billedMs, bytes_in AS bytesIn, bytes_out AS bytesOut';
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** The roll-up's quantities, summed, named as UsageTotals. */
const USAGE_SUMS = 'SUM(requests) AS requests, SUM(errors) AS errors, SUM(cold_starts) AS coldStarts, SUM(billed_ms) AS billedMs, ' +
  'SUM(cpu_us) AS cpuUs, SUM(mb_ms) AS mbMs, SUM(bytes_in) AS bytesIn, SUM(bytes_out) AS bytesOut';
/** The roll-up of raw invocation rows, as usage_hourly stores it (also migration 2's seed). */
const ROLLUP_OF_INVOCATIONS = `SELECT tenant, function, ts - (ts % ${HOUR_MS}) AS hour, COUNT(*), SUM(error IS NOT NULL OR status >= 500), SUM(cold_start),
  SUM(billed_ms), SUM(cpu_us), SUM(memory_mb * billed_ms), SUM(bytes_in), SUM(bytes_out)
  FROM invocations GROUP BY tenant, function, ts - (ts % ${HOUR_MS})`;
const USAGE_COLS = 'tenant, function, hour, requests, errors, cold_starts, billed_ms, cpu_us, mb_ms, bytes_in, bytes_out';
const INSERT_INVOCATION = `INSERT INTO invocations (tenant, function, ts, id, version, trigger_type, method, path, status, duration_ms, cpu_ms, cold_start, error,
    memory_mb, billed_ms, cpu_us, bytes_in, bytes_out)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`;
const UPSERT_USAGE = `INSERT INTO usage_hourly (${USAGE_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (tenant, function, hour) DO UPDATE SET requests = requests + excluded.requests, errors = errors + excluded.errors,
    cold_starts = cold_starts + excluded.cold_starts, billed_ms = billed_ms + excluded.billed_ms, cpu_us = cpu_us + excluded.cpu_us,
    mb_ms = mb_ms + excluded.mb_ms, bytes_in = bytes_in + excluded.bytes_in, bytes_out = bytes_out + excluded.bytes_out`;
const ANOMALY_COLS = 'id, ts, tenant, function, version, signal, score, expected, observed, explanation';
const LOG_COLS = 'id, tenant, function, version, invocation_id AS invocationId, ts, level, message';

type VersionRow = Omit<VersionRecord, 'config'> & { config: string };
type InvocationRow = Omit<InvocationRecord, 'coldStart'> & { coldStart: number };
interface KvRow { key: string; value: Buffer; expiresAt: number | null; metadata: string | null }

/**
 * Connection settings, applied on every open (all but journal_mode are per connection):
 * - journal_mode=WAL: readers never block the writer and a commit appends to one file.
 * - synchronous=FULL: every commit fsyncs the WAL before it returns. NORMAL would already survive a
 *   killed process (the OS keeps the written pages), but not a power cut or kernel panic; an
 *   acknowledged deploy, secret or queued write must survive those too. The cost is one fsync per
 *   transaction, which is why logs and invocations are written in batches.
 * - busy_timeout: another process (the CLI, a second node on the file) holding the write lock makes
 *   us wait rather than fail with SQLITE_BUSY.
 * - foreign_keys=ON: SQLite leaves them off by default; versions and deployments rely on them.
 * - trusted_schema=OFF: the schema cannot make us run SQL functions with side effects.
 * - journal_size_limit: after a checkpoint the WAL file is truncated to this size instead of
 *   staying as large as the largest burst.
 */
const PRAGMAS = [
  'journal_mode = WAL',
  'synchronous = FULL',
  'busy_timeout = 5000',
  'foreign_keys = ON',
  'trusted_schema = OFF',
  'journal_size_limit = 67108864',
];

export class SqliteDriver implements StorageDriver {
  readonly kind = 'sqlite';
  readonly path: string;
  readonly #db: Database.Database;
  /** Prepared statements by SQL text, prepared on first use (the tables exist only after migrate). */
  readonly #statements = new Map<string, Database.Statement>();

  private constructor(db: Database.Database, path: string) {
    this.#db = db;
    this.path = path;
  }

  /** Opens (creating if needed) the database at `path`, or an in-memory one for ':memory:'. Call migrate() before use. */
  static open(path: string): SqliteDriver {
    const db = openDatabase(path, PRAGMAS, (conn) => { assertSchemaKnown(conn); });
    return new SqliteDriver(db, path);
  }

  /** The connection's effective settings, for diagnostics and tests. */
  settings(): { journalMode: string; synchronous: number; busyTimeout: number; foreignKeys: boolean } {
    const one = (name: string): unknown => this.#db.pragma(name, { simple: true });
    return {
      journalMode: String(one('journal_mode')),
      synchronous: Number(one('synchronous')),
      busyTimeout: Number(one('busy_timeout')),
      foreignKeys: Number(one('foreign_keys')) === 1,
    };
  }

  #stmt(sql: string): Database.Statement {
    let s = this.#statements.get(sql);
    if (!s) {
      s = this.#db.prepare(sql);
      this.#statements.set(sql, s);
    }
    return s;
  }

  #get<T>(sql: string, ...params: unknown[]): T | undefined {
    return this.#stmt(sql).get(...params) as T | undefined;
  }

  #all<T>(sql: string, ...params: unknown[]): T[] {
    return this.#stmt(sql).all(...params) as T[];
  }

  #run(sql: string, ...params: unknown[]): number {
    return this.#stmt(sql).run(...params).changes;
  }

  /**
   * Runs `fn` in a write transaction. IMMEDIATE takes the write lock up front: a deferred transaction
   * that reads and then writes could fail with SQLITE_BUSY on the upgrade without the busy timeout
   * ever being consulted when another process wrote in between.
   */
  #write<T>(fn: () => T): T {
    return this.#db.transaction(fn).immediate();
  }

  async migrate(): Promise<void> {
    applyMigrations(this.#db);
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
    this.#statements.clear();
  }

  // ---- tenants & tokens

  async putTenant(t: TenantRecord): Promise<void> {
    // created_at is kept on update: a tenant is created once, renamed any number of times.
    this.#run('INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name', t.id, t.name, t.createdAt);
  }

  async getTenant(id: string): Promise<TenantRecord | null> {
    return this.#get<TenantRecord>(`SELECT ${TENANT_COLS} FROM tenants WHERE id = ?`, id) ?? null;
  }

  async listTenants(page: PageOptions = {}): Promise<Page<TenantRecord>> {
    const limit = clampLimit(page.limit);
    const after = decodeCursor<[string]>(page.cursor, ['string']);
    const rows = after
      ? this.#all<TenantRecord>(`SELECT ${TENANT_COLS} FROM tenants WHERE id > ? ORDER BY id LIMIT ?`, after[0], limit + 1)
      : this.#all<TenantRecord>(`SELECT ${TENANT_COLS} FROM tenants ORDER BY id LIMIT ?`, limit + 1);
    return toPage(rows, limit, (r) => r, (r) => [r.id]);
  }

  async putToken(t: TokenRecord): Promise<void> {
    this.#run(
      `INSERT INTO tokens (id, tenant, name, hash, role, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET tenant = excluded.tenant, name = excluded.name, hash = excluded.hash,
         role = excluded.role, created_at = excluded.created_at, revoked_at = excluded.revoked_at`,
      t.id, t.tenant, t.name, t.hash, t.role, t.createdAt, t.revokedAt,
    );
  }

  async findTokenByHash(hash: string): Promise<TokenRecord | null> {
    return this.#get<TokenRecord>(`SELECT ${TOKEN_COLS} FROM tokens WHERE hash = ?`, hash) ?? null;
  }

  async listTokens(tenant: string, page: PageOptions = {}): Promise<Page<TokenRecord>> {
    const limit = clampLimit(page.limit);
    const after = decodeCursor<[number, string]>(page.cursor, ['number', 'string']);
    const rows = after
      ? this.#all<TokenRecord>(`SELECT ${TOKEN_COLS} FROM tokens WHERE tenant = ? AND (created_at, id) > (?, ?) ORDER BY created_at, id LIMIT ?`, tenant, after[0], after[1], limit + 1)
      : this.#all<TokenRecord>(`SELECT ${TOKEN_COLS} FROM tokens WHERE tenant = ? ORDER BY created_at, id LIMIT ?`, tenant, limit + 1);
    return toPage(rows, limit, (r) => r, (r) => [r.createdAt, r.id]);
  }

  async revokeToken(tenant: string, id: string, at: number): Promise<boolean> {
    // Revoking twice is not an error and keeps the first revocation time.
    return this.#run('UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE tenant = ? AND id = ?', at, tenant, id) > 0;
  }

  // ---- functions, versions, deployments

  async deployVersion(v: Omit<VersionRecord, 'number'>, code: string, at: number): Promise<{ version: VersionRecord; created: boolean; previous: string | null }> {
    return this.#write(() => {
      const fn = this.#get<{ tenant: string; currentVersion: string | null }>(
        'SELECT tenant, current_version AS currentVersion FROM functions WHERE name = ?', v.function);
      if (fn && fn.tenant !== v.tenant) {
        throw new StorageError('conflict', `the function name "${v.function}" is taken by another tenant; choose another name`);
      }
      if (!fn) {
        this.#run('INSERT INTO functions (tenant, name, current_version, created_at, updated_at) VALUES (?, ?, NULL, ?, ?)', v.tenant, v.function, at, at);
      }
      const previous = fn?.currentVersion ?? null;
      let row = this.#version(v.tenant, v.function, v.id);
      const created = row === undefined;
      if (!row) {
        this.#run('INSERT INTO code (sha256, body) VALUES (?, ?) ON CONFLICT (sha256) DO NOTHING', v.sha256, code);
        const next = this.#get<{ n: number }>('SELECT COALESCE(MAX(number), 0) + 1 AS n FROM versions WHERE tenant = ? AND function = ?', v.tenant, v.function);
        this.#run(
          'INSERT INTO versions (tenant, function, id, number, created_at, size, sha256, config, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
          v.tenant, v.function, v.id, next?.n ?? 1, v.createdAt, v.size, v.sha256, JSON.stringify(v.config), v.actor,
        );
        row = this.#version(v.tenant, v.function, v.id);
      }
      this.#run('UPDATE functions SET current_version = ?, updated_at = ? WHERE tenant = ? AND name = ?', v.id, at, v.tenant, v.function);
      this.#run(
        `INSERT INTO deployments (tenant, function, version, previous, kind, actor, at) VALUES (?, ?, ?, ?, 'deploy', ?, ?)`,
        v.tenant, v.function, v.id, previous, v.actor, at,
      );
      if (!row) throw new Error('the version just written cannot be read back'); // unreachable: same transaction
      return { version: toVersion(row), created, previous };
    });
  }

  #version(tenant: string, fn: string, id: string): VersionRow | undefined {
    return this.#get<VersionRow>(`SELECT ${VERSION_COLS} FROM versions WHERE tenant = ? AND function = ? AND id = ?`, tenant, fn, id);
  }

  async setCurrentVersion(tenant: string, fn: string, versionId: string, actor: string, at: number): Promise<{ previous: string | null } | null> {
    return this.#write(() => {
      const f = this.#get<{ currentVersion: string | null }>('SELECT current_version AS currentVersion FROM functions WHERE tenant = ? AND name = ?', tenant, fn);
      if (!f || !this.#version(tenant, fn, versionId)) return null;
      this.#run('UPDATE functions SET current_version = ?, updated_at = ? WHERE tenant = ? AND name = ?', versionId, at, tenant, fn);
      this.#run(
        `INSERT INTO deployments (tenant, function, version, previous, kind, actor, at) VALUES (?, ?, ?, ?, 'rollback', ?, ?)`,
        tenant, fn, versionId, f.currentVersion, actor, at,
      );
      return { previous: f.currentVersion };
    });
  }

  async getFunction(tenant: string, name: string): Promise<FunctionRecord | null> {
    return this.#get<FunctionRecord>(`SELECT ${FUNCTION_COLS} FROM functions WHERE tenant = ? AND name = ?`, tenant, name) ?? null;
  }

  async findFunction(name: string): Promise<FunctionRecord | null> {
    return this.#get<FunctionRecord>(`SELECT ${FUNCTION_COLS} FROM functions WHERE name = ?`, name) ?? null;
  }

  async listFunctions(tenant: string | null, page: PageOptions = {}): Promise<Page<FunctionRecord>> {
    const limit = clampLimit(page.limit);
    const after = decodeCursor<[string]>(page.cursor, ['string']);
    // Names are unique across tenants, so the name alone is the sort key in both cases.
    const where = [tenant === null ? null : 'tenant = ?', after ? 'name > ?' : null].filter((c) => c !== null);
    const sql = `SELECT ${FUNCTION_COLS} FROM functions ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY name LIMIT ?`;
    const params: unknown[] = [...(tenant === null ? [] : [tenant]), ...(after ? [after[0]] : []), limit + 1];
    return toPage(this.#all<FunctionRecord>(sql, ...params), limit, (r) => r, (r) => [r.name]);
  }

  async deleteFunction(tenant: string, name: string): Promise<boolean> {
    return this.#write(() => {
      if (!this.#get('SELECT 1 FROM functions WHERE tenant = ? AND name = ?', tenant, name)) return false;
      const shas = this.#all<{ sha256: string }>('SELECT DISTINCT sha256 FROM versions WHERE tenant = ? AND function = ?', tenant, name);
      this.#run('DELETE FROM logs WHERE tenant = ? AND function = ?', tenant, name);
      // Invocation records are usage records: they (and their roll-ups) outlive the function, so
      // what it used before it was deleted is still billed and still reconciles.
      this.#run('DELETE FROM deployments WHERE tenant = ? AND function = ?', tenant, name);
      this.#run('DELETE FROM versions WHERE tenant = ? AND function = ?', tenant, name);
      this.#run('DELETE FROM functions WHERE tenant = ? AND name = ?', tenant, name);
      // A bundle may be shared with another function's version (same code, same hash): keep it then.
      for (const { sha256 } of shas) {
        this.#run('DELETE FROM code WHERE sha256 = ? AND NOT EXISTS (SELECT 1 FROM versions WHERE sha256 = ?)', sha256, sha256);
      }
      return true;
    });
  }

  async getVersion(tenant: string, fn: string, versionId: string): Promise<VersionRecord | null> {
    const row = this.#version(tenant, fn, versionId);
    return row ? toVersion(row) : null;
  }

  async listVersions(tenant: string, fn: string, page: PageOptions = {}): Promise<Page<VersionRecord>> {
    const limit = clampLimit(page.limit);
    const after = decodeCursor<[number]>(page.cursor, ['number']);
    const rows = after
      ? this.#all<VersionRow>(`SELECT ${VERSION_COLS} FROM versions WHERE tenant = ? AND function = ? AND number < ? ORDER BY number DESC LIMIT ?`, tenant, fn, after[0], limit + 1)
      : this.#all<VersionRow>(`SELECT ${VERSION_COLS} FROM versions WHERE tenant = ? AND function = ? ORDER BY number DESC LIMIT ?`, tenant, fn, limit + 1);
    return toPage(rows, limit, toVersion, (r) => [r.number]);
  }

  async getCode(sha256: string): Promise<string | null> {
    return this.#get<{ body: string }>('SELECT body FROM code WHERE sha256 = ?', sha256)?.body ?? null;
  }

  async listDeployments(tenant: string, fn: string, page: PageOptions = {}): Promise<Page<DeploymentRecord>> {
    const limit = clampLimit(page.limit);
    const after = decodeCursor<[number]>(page.cursor, ['number']);
    const rows = after
      ? this.#all<DeploymentRecord>(`SELECT ${DEPLOYMENT_COLS} FROM deployments WHERE tenant = ? AND function = ? AND id < ? ORDER BY id DESC LIMIT ?`, tenant, fn, after[0], limit + 1)
      : this.#all<DeploymentRecord>(`SELECT ${DEPLOYMENT_COLS} FROM deployments WHERE tenant = ? AND function = ? ORDER BY id DESC LIMIT ?`, tenant, fn, limit + 1);
    return toPage(rows, limit, (r) => r, (r) => [r.id]);
  }

  // ---- logs and invocations

  async appendLogs(batch: LogInput[]): Promise<void> {
    if (batch.length === 0) return;
    this.#write(() => {
      for (const l of batch) {
        this.#run('INSERT INTO logs (tenant, function, version, invocation_id, ts, level, message) VALUES (?, ?, ?, ?, ?, ?, ?)',
          l.tenant, l.function, l.version, l.invocationId, l.ts, l.level, l.message);
      }
    });
  }

  async listLogs(tenant: string, fn: string, opts: { afterId?: number; limit?: number; invocationId?: string }): Promise<LogRecord[]> {
    const limit = clampLimit(opts.limit);
    const afterId = opts.afterId ?? 0;
    return opts.invocationId === undefined
      ? this.#all<LogRecord>(`SELECT ${LOG_COLS} FROM logs WHERE tenant = ? AND function = ? AND id > ? ORDER BY id LIMIT ?`, tenant, fn, afterId, limit)
      : this.#all<LogRecord>(`SELECT ${LOG_COLS} FROM logs WHERE tenant = ? AND function = ? AND invocation_id = ? AND id > ? ORDER BY id LIMIT ?`, tenant, fn, opts.invocationId, afterId, limit);
  }

  async appendInvocations(batch: InvocationInput[]): Promise<void> {
    if (batch.length === 0) return;
    // This runs for every invocation the node serves, so it is kept lean: statements looked up once
    // per batch, arguments passed directly, and the batch's usage summed per (tenant, function,
    // hour) in memory so that a busy function costs one roll-up write per batch, not one per row.
    const insert = this.#stmt(INSERT_INVOCATION);
    const upsert = this.#stmt(UPSERT_USAGE);
    this.#write(() => {
      const sums = new Map<string, UsageRow>();
      let last = null as UsageRow | null; // a batch is mostly runs of one function in one hour: skip the map for those
      for (const i of batch) {
        checkUsage(i);
        const cpuUs = Math.round(i.cpuMs * 1000);
        // A record sent again (a retried batch) hits the primary key and is skipped: never counted twice.
        const inserted = insert.run(i.tenant, i.function, i.ts, i.id, i.version, i.trigger, i.method, i.path, i.status, i.durationMs, i.cpuMs,
          i.coldStart ? 1 : 0, i.error, i.memoryMb, i.billedMs, cpuUs, i.bytesIn, i.bytesOut).changes;
        if (inserted === 0) continue;
        const hour = i.ts - (i.ts % HOUR_MS);
        let u: UsageRow | null = last;
        if (u === null || u.start !== hour || u.function !== i.function || u.tenant !== i.tenant) {
          const key = i.tenant + '\0' + i.function + '\0' + hour;
          u = sums.get(key) ?? null;
          if (u === null) {
            u = { tenant: i.tenant, function: i.function, start: hour, requests: 0, errors: 0, coldStarts: 0, billedMs: 0, cpuUs: 0, mbMs: 0, bytesIn: 0, bytesOut: 0 };
            sums.set(key, u);
          }
          last = u;
        }
        u.requests++;
        if (i.error !== null || i.status >= 500) u.errors++;
        if (i.coldStart) u.coldStarts++;
        u.billedMs += i.billedMs;
        u.cpuUs += cpuUs;
        u.mbMs += i.memoryMb * i.billedMs;
        u.bytesIn += i.bytesIn;
        u.bytesOut += i.bytesOut;
      }
      for (const u of sums.values()) {
        upsert.run(u.tenant, u.function, u.start, u.requests, u.errors, u.coldStarts, u.billedMs, u.cpuUs, u.mbMs, u.bytesIn, u.bytesOut);
      }
    });
  }

  async listInvocations(tenant: string, fn: string, page: PageOptions = {}): Promise<Page<InvocationRecord>> {
    const limit = clampLimit(page.limit);
    const after = decodeCursor<[number, string]>(page.cursor, ['number', 'string']);
    const rows = after
      ? this.#all<InvocationRow>(`SELECT ${INVOCATION_COLS} FROM invocations WHERE tenant = ? AND function = ? AND (ts, id) < (?, ?) ORDER BY ts DESC, id DESC LIMIT ?`, tenant, fn, after[0], after[1], limit + 1)
      : this.#all<InvocationRow>(`SELECT ${INVOCATION_COLS} FROM invocations WHERE tenant = ? AND function = ? ORDER BY ts DESC, id DESC LIMIT ?`, tenant, fn, limit + 1);
    return toPage(rows, limit, (r) => ({ ...r, coldStart: r.coldStart === 1 }), (r) => [r.ts, r.id]);
  }

  // ---- metering

  #usageWhere(q: UsageQuery): { where: string; params: unknown[] } {
    checkPeriod(q);
    const conds = ['hour >= ?', 'hour < ?'];
    const params: unknown[] = [q.from, q.to];
    if (q.tenant !== null) { conds.push('tenant = ?'); params.push(q.tenant); }
    if (q.function !== null) { conds.push('function = ?'); params.push(q.function); }
    return { where: conds.join(' AND '), params };
  }

  async queryUsage(q: UsageQuery & { granularity: UsageGranularity }, page: PageOptions = {}): Promise<Page<UsageRow>> {
    const limit = clampLimit(page.limit);
    const after = decodeCursor<[number, string, string]>(page.cursor, ['number', 'string', 'string']);
    const { where, params } = this.#usageWhere(q);
    // Only fixed SQL and an integer checked by #usageWhere reach the statement's text.
    const bucket = q.granularity === 'hour' ? 'hour' : q.granularity === 'day' ? `hour - (hour % ${DAY_MS})` : String(q.from);
    const grouped = `SELECT tenant, function, ${bucket} AS start, ${USAGE_SUMS} FROM usage_hourly WHERE ${where} GROUP BY start, tenant, function`;
    const rows = after
      ? this.#all<UsageRow>(`SELECT * FROM (${grouped}) WHERE (start, tenant, function) > (?, ?, ?) ORDER BY start, tenant, function LIMIT ?`, ...params, ...after, limit + 1)
      : this.#all<UsageRow>(`${grouped} ORDER BY start, tenant, function LIMIT ?`, ...params, limit + 1);
    return toPage(rows, limit, (r) => r, (r) => [r.start, r.tenant, r.function]);
  }

  async usageTotals(q: UsageQuery): Promise<UsageTotals> {
    const { where, params } = this.#usageWhere(q);
    const row = this.#get<Record<keyof UsageTotals, number | null>>(`SELECT ${USAGE_SUMS} FROM usage_hourly WHERE ${where}`, ...params);
    return {
      requests: row?.requests ?? 0, errors: row?.errors ?? 0, coldStarts: row?.coldStarts ?? 0, billedMs: row?.billedMs ?? 0,
      cpuUs: row?.cpuUs ?? 0, mbMs: row?.mbMs ?? 0, bytesIn: row?.bytesIn ?? 0, bytesOut: row?.bytesOut ?? 0,
    };
  }

  async rebuildUsage(): Promise<UsageRebuildResult> {
    return this.#write(() => {
      // Computed into a temporary table first, so that the rows that were wrong can be counted.
      this.#db.exec(`DROP TABLE IF EXISTS temp.usage_rebuild;
        CREATE TEMP TABLE usage_rebuild AS SELECT * FROM usage_hourly WHERE 0;
        INSERT INTO temp.usage_rebuild (${USAGE_COLS}) ${ROLLUP_OF_INVOCATIONS};`);
      const corrected = (this.#db.prepare(`SELECT COUNT(*) AS n FROM (
          SELECT tenant, function, hour FROM (SELECT * FROM main.usage_hourly EXCEPT SELECT * FROM temp.usage_rebuild)
          UNION SELECT tenant, function, hour FROM (SELECT * FROM temp.usage_rebuild EXCEPT SELECT * FROM main.usage_hourly))`).get() as { n: number }).n;
      this.#db.exec(`DELETE FROM main.usage_hourly;
        INSERT INTO main.usage_hourly (${USAGE_COLS}) SELECT ${USAGE_COLS} FROM temp.usage_rebuild;
        DROP TABLE temp.usage_rebuild;`);
      const hours = (this.#db.prepare('SELECT COUNT(*) AS n FROM usage_hourly').get() as { n: number }).n;
      const invocations = (this.#db.prepare('SELECT COUNT(*) AS n FROM invocations').get() as { n: number }).n;
      return { hours, invocations, corrected };
    });
  }

  // ---- KV: an entry is visible while expiresAt is null or later than `now`.

  // ---- anomalies

  async appendAnomalies(batch: AnomalyRecord[]): Promise<void> {
    if (batch.length === 0) return;
    this.#write(() => {
      for (const a of batch) {
        this.#run('INSERT INTO anomalies (id, ts, tenant, function, version, signal, score, expected, observed, explanation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
          a.id, a.ts, a.tenant, a.function, a.version, a.signal, a.score, a.expected, a.observed, a.explanation);
      }
    });
  }

  async listAnomalies(tenant: string, opts: PageOptions & { function?: string | null } = {}): Promise<Page<AnomalyRecord>> {
    const limit = clampLimit(opts.limit);
    const after = decodeCursor<[number, string]>(opts.cursor, ['number', 'string']);
    const fn = opts.function ?? null;
    const where = ['tenant = ?'];
    const params: unknown[] = [tenant];
    if (fn !== null) { where.push('function = ?'); params.push(fn); }
    if (after) { where.push('(ts < ? OR (ts = ? AND id < ?))'); params.push(after[0], after[0], after[1]); }
    const rows = this.#all<AnomalyRecord>(`SELECT ${ANOMALY_COLS} FROM anomalies WHERE ${where.join(' AND ')} ORDER BY ts DESC, id DESC LIMIT ?`, ...params, limit + 1);
    return toPage(rows, limit, (r) => r, (r) => [r.ts, r.id]);
  }

  async kvGet(ns: string, key: string, now: number): Promise<KvEntry | null> {
    const row = this.#get<KvRow>('SELECT key, value, expires_at AS expiresAt, metadata FROM kv WHERE ns = ? AND key = ? AND (expires_at IS NULL OR expires_at > ?)', ns, key, now);
    return row ? { value: bytes(row.value), expiresAt: row.expiresAt, metadata: parseMetadata(row.metadata) } : null;
  }

  async kvPut(ns: string, key: string, entry: KvEntry): Promise<void> {
    this.#run(
      `INSERT INTO kv (ns, key, value, expires_at, metadata) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at, metadata = excluded.metadata`,
      ns, key, toBuffer(entry.value), entry.expiresAt, stringifyMetadata(entry.metadata),
    );
  }

  async kvDelete(ns: string, key: string): Promise<void> {
    this.#run('DELETE FROM kv WHERE ns = ? AND key = ?', ns, key);
  }

  async kvList(ns: string, opts: { prefix?: string; cursor?: string | null; limit?: number }, now: number): Promise<KvListResult> {
    const limit = clampLimit(opts.limit, KV_LIST_DEFAULT, KV_LIST_MAX);
    const after = decodeCursor<[string]>(opts.cursor, ['string']);
    const prefix = opts.prefix ?? '';
    const upper = prefixUpperBound(prefix);
    // Keys sort in UTF-8 byte order (SQLite's BINARY collation), as in Workers KV.
    const conds = ['ns = ?', '(expires_at IS NULL OR expires_at > ?)', 'key >= ?'];
    const params: unknown[] = [ns, now, prefix];
    if (upper !== null) { conds.push('key < ?'); params.push(upper); }
    if (after) { conds.push('key > ?'); params.push(after[0]); }
    const rows = this.#all<Omit<KvRow, 'value'>>(
      `SELECT key, expires_at AS expiresAt, metadata FROM kv WHERE ${conds.join(' AND ')} ORDER BY key LIMIT ?`, ...params, limit + 1);
    const more = rows.length > limit;
    const kept = more ? rows.slice(0, limit) : rows;
    const last = kept[kept.length - 1];
    return {
      keys: kept.map((r) => ({ name: r.key, expiresAt: r.expiresAt, metadata: parseMetadata(r.metadata) })),
      cursor: more && last ? encodeCursor([last.key]) : null,
    };
  }

  async kvSweep(now: number): Promise<number> {
    return this.#run('DELETE FROM kv WHERE expires_at IS NOT NULL AND expires_at <= ?', now);
  }

  // ---- secrets

  async putSecret(s: SecretRecord): Promise<void> {
    this.#run(
      `INSERT INTO secrets (tenant, name, ciphertext, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (tenant, name) DO UPDATE SET ciphertext = excluded.ciphertext, updated_at = excluded.updated_at`,
      s.tenant, s.name, toBuffer(s.ciphertext), s.updatedAt,
    );
  }

  async getSecret(tenant: string, name: string): Promise<SecretRecord | null> {
    const row = this.#get<{ tenant: string; name: string; ciphertext: Buffer; updatedAt: number }>(
      'SELECT tenant, name, ciphertext, updated_at AS updatedAt FROM secrets WHERE tenant = ? AND name = ?', tenant, name);
    return row ? { ...row, ciphertext: bytes(row.ciphertext) } : null;
  }

  async listSecrets(tenant: string): Promise<Array<{ name: string; updatedAt: number }>> {
    return this.#all<{ name: string; updatedAt: number }>('SELECT name, updated_at AS updatedAt FROM secrets WHERE tenant = ? ORDER BY name', tenant);
  }

  async deleteSecret(tenant: string, name: string): Promise<boolean> {
    return this.#run('DELETE FROM secrets WHERE tenant = ? AND name = ?', tenant, name) > 0;
  }
}

const isCount = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;

/** The usage fields are integers ≥ 0 (STRICT columns reject the wrong type, not a negative count). */
function checkUsage(i: InvocationInput): void {
  if (isCount(i.memoryMb) && isCount(i.billedMs) && isCount(i.bytesIn) && isCount(i.bytesOut) && isCount(i.ts) && typeof i.cpuMs === 'number' && i.cpuMs >= 0) return;
  for (const k of ['memoryMb', 'billedMs', 'bytesIn', 'bytesOut', 'ts'] as const) {
    if (!isCount(i[k])) throw new TypeError(`invocation ${i.id}: ${k} must be an integer ≥ 0, got ${String(i[k])}`);
  }
  throw new TypeError(`invocation ${i.id}: cpuMs must be a number ≥ 0, got ${String(i.cpuMs)}`);
}

function checkPeriod(q: UsageQuery): void {
  if (!Number.isSafeInteger(q.from) || !Number.isSafeInteger(q.to) || q.from % HOUR_MS !== 0 || q.to % HOUR_MS !== 0 || q.to <= q.from) {
    throw new StorageError('invalid-request', `a usage period is whole UTC hours with from < to (got ${q.from}..${q.to})`);
  }
}

function toVersion(r: VersionRow): VersionRecord {
  return { ...r, config: JSON.parse(r.config) as VersionRecord['config'] };
}

/** Buffer view of caller bytes without copying (better-sqlite3 binds Buffers as BLOBs). */
function toBuffer(u: Uint8Array): Buffer {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

/**
 * Plain Uint8Array of a BLOB, so results compare equal to what was stored and never expose a
 * shared pool through `.buffer`.
 */
function bytes(b: Buffer): Uint8Array {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength
    ? new Uint8Array(b.buffer, 0, b.byteLength)
    : new Uint8Array(b);
}

/** Metadata is JSON; undefined and null are both stored as SQL NULL and read back as null. */
function stringifyMetadata(m: unknown): string | null {
  return m === undefined || m === null ? null : JSON.stringify(m);
}

function parseMetadata(m: string | null): unknown {
  return m === null ? null : JSON.parse(m);
}
