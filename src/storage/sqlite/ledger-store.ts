// The ledger's LedgerStore on SQLite (better-sqlite3), in tables of its own that the store creates
// idempotently on open — it needs no driver migration and can share a database file with the
// SqliteDriver or live in one of its own.
//
//   ledger_entries     (idx → leaf_hash, data)  every entry and its leaf hash (the level-0 nodes)
//   ledger_nodes       ((level, idx) → hash)    interior complete subtrees, level ≥ 1, WITHOUT ROWID
//   ledger_checkpoints (size → note)            every checkpoint the log signed
//
// An append is one IMMEDIATE transaction: it takes the write lock, checks that the stored size is
// the size the batch extends (so a second writer, in this process or another, gets a 'conflict'
// instead of interleaving), then inserts the entries and the nodes they complete. With WAL and
// synchronous=FULL the commit fsyncs the WAL before append() returns, so a resolved append
// survives kill -9 and power loss alike; a killed transaction leaves no trace.
//
// Like the SqliteDriver, this store is synchronous underneath: a promise settles only after SQLite
// has committed. The Ledger's group commit (one transaction per batch) is what keeps the number of
// fsyncs, and the event-loop time they block, low.
import type Database from 'better-sqlite3';
import { LedgerError } from '../../ledger/errors.ts';
import { type AppendBatch, type LedgerStore, type StoredCheckpoint, checkAppendBatch, checkEntryRange } from '../../ledger/store.ts';
import type { NodeId } from '../../ledger/tree.ts';
import { openDatabase } from './connection.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ledger_entries (
  idx INTEGER PRIMARY KEY,
  leaf_hash BLOB NOT NULL,
  data BLOB NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS ledger_nodes (
  level INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  hash BLOB NOT NULL,
  PRIMARY KEY (level, idx)
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ledger_checkpoints (
  size INTEGER PRIMARY KEY,
  note TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
`;

/** The settings of the SqliteDriver, for the same reasons (see driver.ts): durable commits, no SQLITE_BUSY on contention. */
const PRAGMAS = ['journal_mode = WAL', 'synchronous = FULL', 'busy_timeout = 5000', 'trusted_schema = OFF'];

const toBytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

export class SqliteLedgerStore implements LedgerStore {
  readonly path: string;
  readonly #db: Database.Database;
  readonly #size: Database.Statement<[], { size: number }>;
  readonly #insertEntry: Database.Statement<[number, Uint8Array, Uint8Array]>;
  readonly #insertNode: Database.Statement<[number, number, Uint8Array]>;
  readonly #leafAt: Database.Statement<[number], Buffer>;
  readonly #leafRange: Database.Statement<[number, number], Buffer>;
  readonly #nodeAt: Database.Statement<[number, number], Buffer>;
  readonly #nodeRange: Database.Statement<[number, number, number], Buffer>;
  readonly #entries: Database.Statement<[number, number], Buffer>;
  readonly #putCheckpoint: Database.Statement<[number, string, number]>;
  readonly #latestCheckpoint: Database.Statement<[], StoredCheckpoint>;
  readonly #listCheckpoints: Database.Statement<[number, number], StoredCheckpoint>;
  readonly #append: (batch: AppendBatch) => void;

  private constructor(db: Database.Database, path: string) {
    this.#db = db;
    this.path = path;
    this.#size = db.prepare('SELECT coalesce(max(idx) + 1, 0) AS size FROM ledger_entries');
    this.#insertEntry = db.prepare('INSERT INTO ledger_entries (idx, leaf_hash, data) VALUES (?, ?, ?)');
    this.#insertNode = db.prepare('INSERT INTO ledger_nodes (level, idx, hash) VALUES (?, ?, ?)');
    this.#leafAt = db.prepare<[number], Buffer>('SELECT leaf_hash FROM ledger_entries WHERE idx = ?').pluck();
    this.#leafRange = db.prepare<[number, number], Buffer>('SELECT leaf_hash FROM ledger_entries WHERE idx >= ? AND idx < ? ORDER BY idx').pluck();
    this.#nodeAt = db.prepare<[number, number], Buffer>('SELECT hash FROM ledger_nodes WHERE level = ? AND idx = ?').pluck();
    this.#nodeRange = db.prepare<[number, number, number], Buffer>('SELECT hash FROM ledger_nodes WHERE level = ? AND idx >= ? AND idx < ? ORDER BY idx').pluck();
    this.#entries = db.prepare<[number, number], Buffer>('SELECT data FROM ledger_entries WHERE idx >= ? AND idx < ? ORDER BY idx').pluck();
    this.#putCheckpoint = db.prepare('INSERT OR IGNORE INTO ledger_checkpoints (size, note, created_at) VALUES (?, ?, ?)');
    this.#latestCheckpoint = db.prepare('SELECT size, note FROM ledger_checkpoints ORDER BY size DESC LIMIT 1');
    this.#listCheckpoints = db.prepare('SELECT size, note FROM ledger_checkpoints WHERE size > ? ORDER BY size LIMIT ?');
    const tx = db.transaction((batch: AppendBatch) => {
      checkAppendBatch(batch, this.#size.get()?.size ?? 0);
      batch.entries.forEach((data, i) => this.#insertEntry.run(batch.start + i, batch.leafHashes[i] as Uint8Array, data));
      for (const n of batch.nodes) this.#insertNode.run(n.level, n.index, n.hash);
    });
    // IMMEDIATE: take the write lock before reading the size, so the check and the inserts are atomic
    // with respect to every other connection.
    this.#append = (batch) => tx.immediate(batch);
  }

  /** Opens (creating if needed) the ledger tables in the database at `path`, or in memory for ':memory:'. */
  static open(path: string): SqliteLedgerStore {
    const db = openDatabase(path, PRAGMAS, (conn) => { conn.exec(SCHEMA); });
    return new SqliteLedgerStore(db, path);
  }

  /** The connection's effective durability settings, for diagnostics and tests. */
  settings(): { journalMode: string; synchronous: number } {
    return {
      journalMode: String(this.#db.pragma('journal_mode', { simple: true })),
      synchronous: Number(this.#db.pragma('synchronous', { simple: true })),
    };
  }

  async size(): Promise<number> {
    this.#checkOpen();
    return this.#size.get()?.size ?? 0;
  }

  async append(batch: AppendBatch): Promise<void> {
    this.#checkOpen();
    this.#append(batch);
  }

  async getEntries(start: number, end: number): Promise<Uint8Array[]> {
    this.#checkOpen();
    checkEntryRange(start, end, await this.size());
    const rows = this.#entries.all(start, end);
    if (rows.length !== end - start) throw new LedgerError('corrupt', `entries [${start}, ${end}) have gaps in the store`);
    return rows.map(toBytes);
  }

  /** Consecutive ids on one level (an audit's chunk) are read as one range; proof ids one by one. */
  async getNodes(ids: readonly NodeId[]): Promise<Uint8Array[]> {
    this.#checkOpen();
    const out: Uint8Array[] = [];
    for (let i = 0; i < ids.length;) {
      const first = ids[i] as NodeId;
      let j = i + 1;
      while (j < ids.length && ids[j]?.level === first.level && ids[j]?.index === first.index + (j - i)) j++;
      const count = j - i;
      const rows = count === 1
        ? [first.level === 0 ? this.#leafAt.get(first.index) : this.#nodeAt.get(first.level, first.index)].filter((r): r is Buffer => r !== undefined)
        : first.level === 0 ? this.#leafRange.all(first.index, first.index + count) : this.#nodeRange.all(first.level, first.index, first.index + count);
      if (rows.length !== count) {
        throw new LedgerError('corrupt', `node${count > 1 ? 's' : ''} ${first.level}/${first.index}${count > 1 ? `..${first.index + count - 1}` : ''} missing from the store`);
      }
      for (const r of rows) out.push(toBytes(r));
      i = j;
    }
    return out;
  }

  async putCheckpoint(cp: StoredCheckpoint): Promise<void> {
    this.#checkOpen();
    this.#putCheckpoint.run(cp.size, cp.note, Date.now());
  }

  async latestCheckpoint(): Promise<StoredCheckpoint | null> {
    this.#checkOpen();
    return this.#latestCheckpoint.get() ?? null;
  }

  async listCheckpoints(afterSize: number, limit: number): Promise<StoredCheckpoint[]> {
    this.#checkOpen();
    return this.#listCheckpoints.all(afterSize, limit);
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  #checkOpen(): void {
    if (!this.#db.open) throw new LedgerError('closed', 'the ledger store is closed');
  }
}
