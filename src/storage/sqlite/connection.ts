// Opening a better-sqlite3 connection the way every SQLite store here does: create the file's folder,
// apply the store's PRAGMAs, run its set-up, and never leak the connection when either fails.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/**
 * Opens (creating if needed) the database at `path`, or an in-memory one for ':memory:' (and a
 * temporary one for ''), applies `pragmas` in order and then `init`. If either throws, the
 * connection is closed and the error rethrown.
 */
export function openDatabase(path: string, pragmas: readonly string[], init: (db: Database.Database) => void): Database.Database {
  if (path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    for (const p of pragmas) db.pragma(p);
    init(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}
