// The ledger's materialised state (src/ledger/state.ts) on SQLite, in two tables the store creates
// idempotently on open, beside the log's tables (ledger-store.ts) or in any other database file:
//
//   ledger_state      ((ns, key) → value)   canonical JSON rows: documents, balances, identities…
//   ledger_state_meta (applied)             how many log entries the rows reflect
//
// A commit writes its rows and the watermark in one IMMEDIATE transaction. The state is derived
// data — the log is the truth, and the applier replays whatever lies past the watermark on open —
// so this connection runs synchronous=NORMAL: a power cut may lose its last commits (rows and
// watermark together, never one without the other), never the log's. `value` is JSON text, so
// SQL can look inside it: json_extract(value, '$.data.status').
import type Database from 'better-sqlite3';
import type { JsonValue } from '../../ledger/jcs.ts';
import { canonicalize } from '../../ledger/jcs.ts';
import { LedgerError } from '../../ledger/errors.ts';
import { type StateCommit, type StateRow, type StateStore, checkStateCommit } from '../../ledger/state.ts';
import { prefixUpperBound } from '../pagination.ts';
import { openDatabase } from './connection.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ledger_state (
  ns TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (ns, key)
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ledger_state_meta (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  applied INTEGER NOT NULL
) STRICT;
INSERT OR IGNORE INTO ledger_state_meta (id, applied) VALUES (1, 0);
`;

const PRAGMAS = ['journal_mode = WAL', 'synchronous = NORMAL', 'busy_timeout = 5000', 'trusted_schema = OFF'];

interface Row { ns: string; key: string; value: string }

const toRow = (r: Row): StateRow => ({ ns: r.ns, key: r.key, value: JSON.parse(r.value) as JsonValue });

export class SqliteStateStore implements StateStore {
  readonly path: string;
  readonly #db: Database.Database;
  readonly #applied: Database.Statement<[], number>;
  readonly #get: Database.Statement<[string, string], string>;
  readonly #listBounded: Database.Statement<[string, string, string, string, number], Row>;
  readonly #listOpen: Database.Statement<[string, string, string, number], Row>;
  readonly #scanFirst: Database.Statement<[number], Row>;
  readonly #scanAfter: Database.Statement<[string, string, string, number], Row>;
  readonly #commit: (c: StateCommit) => void;

  private constructor(db: Database.Database, path: string) {
    this.#db = db;
    this.path = path;
    this.#applied = db.prepare<[], number>('SELECT applied FROM ledger_state_meta WHERE id = 1').pluck();
    this.#get = db.prepare<[string, string], string>('SELECT value FROM ledger_state WHERE ns = ? AND key = ?').pluck();
    this.#listBounded = db.prepare<[string, string, string, string, number], Row>('SELECT ns, key, value FROM ledger_state WHERE ns = ? AND key >= ? AND key > ? AND key < ? ORDER BY key LIMIT ?');
    this.#listOpen = db.prepare<[string, string, string, number], Row>('SELECT ns, key, value FROM ledger_state WHERE ns = ? AND key >= ? AND key > ? ORDER BY key LIMIT ?');
    this.#scanFirst = db.prepare<[number], Row>('SELECT ns, key, value FROM ledger_state ORDER BY ns, key LIMIT ?');
    this.#scanAfter = db.prepare<[string, string, string, number], Row>('SELECT ns, key, value FROM ledger_state WHERE ns > ? OR (ns = ? AND key > ?) ORDER BY ns, key LIMIT ?');
    const upsert = db.prepare<[string, string, string]>('INSERT INTO ledger_state (ns, key, value) VALUES (?, ?, ?) ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value');
    const remove = db.prepare<[string, string]>('DELETE FROM ledger_state WHERE ns = ? AND key = ?');
    const setApplied = db.prepare<[number]>('UPDATE ledger_state_meta SET applied = ? WHERE id = 1');
    const tx = db.transaction((c: StateCommit) => {
      checkStateCommit(c, this.#applied.get() ?? 0);
      for (const p of c.puts) {
        if (p.value === null) remove.run(p.ns, p.key);
        else upsert.run(p.ns, p.key, canonicalize(p.value));
      }
      setApplied.run(c.to);
    });
    this.#commit = (c) => tx.immediate(c);
  }

  /** Opens (creating if needed) the state tables in the database at `path`, or in memory for ':memory:'. */
  static open(path: string): SqliteStateStore {
    const db = openDatabase(path, PRAGMAS, (conn) => { conn.exec(SCHEMA); });
    return new SqliteStateStore(db, path);
  }

  async appliedSize(): Promise<number> {
    this.#checkOpen();
    return this.#applied.get() ?? 0;
  }

  async get(ns: string, key: string): Promise<JsonValue | null> {
    this.#checkOpen();
    const text = this.#get.get(ns, key);
    return text === undefined ? null : (JSON.parse(text) as JsonValue);
  }

  async list(ns: string, prefix: string, after: string | null, limit: number): Promise<StateRow[]> {
    this.#checkOpen();
    // Keys with the prefix are exactly those in [prefix, prefixUpperBound(prefix)) in BINARY order.
    const upper = prefixUpperBound(prefix);
    const rows = upper === null ? this.#listOpen.all(ns, prefix, after ?? '', limit) : this.#listBounded.all(ns, prefix, after ?? '', upper, limit);
    return rows.map(toRow);
  }

  async scan(after: { ns: string; key: string } | null, limit: number): Promise<StateRow[]> {
    this.#checkOpen();
    const rows = after === null ? this.#scanFirst.all(limit) : this.#scanAfter.all(after.ns, after.ns, after.key, limit);
    return rows.map(toRow);
  }

  async commit(c: StateCommit): Promise<void> {
    this.#checkOpen();
    this.#commit(c);
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  #checkOpen(): void {
    if (!this.#db.open) throw new LedgerError('closed', 'the ledger state store is closed');
  }
}
