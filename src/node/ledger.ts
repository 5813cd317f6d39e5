// The node's ledger: its log key (<data-dir>/ledger.key) and its database (<data-dir>/ledger.db).
//
// Key. An Ed25519 signed-note signer key, "PRIVATE+KEY+<origin>+<hex id>+<base64>", generated on
// first start (mode 0600, never overwritten). Its name is the log's origin, the first line of every
// checkpoint: "cairn.local/<node id>" with a random node id unless CAIRN_LEDGER_ORIGIN (or the
// node option) names another at first start. Whoever holds this file can sign checkpoints for the
// log: back it up like the master key, and publish only the verifier key (GET /api/v1/ledger/key).
//
// Database. ledger.db, not cairn.db: the log only grows and is kept forever, so it gets its own
// file (own WAL, own backups, its own volume if need be), and `cairn ledger verify` reads it
// without touching the platform's database. SqliteLedgerStore and SqliteStateStore share it, each
// on its own connection. (The ledger tables can also live in cairn.db beside the SqliteDriver's:
// test/storage/sqlite-state.test.ts checks that they coexist.)
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type NoteSigner, generateNoteKey, isValidKeyName, parseSignerKey } from '../ledger/note.ts';
import { LedgerService } from '../ledger/service.ts';
import { SqliteLedgerStore } from '../storage/sqlite/ledger-store.ts';
import { SqliteStateStore } from '../storage/sqlite/state-store.ts';

export const LEDGER_KEY_FILE = 'ledger.key';
export const LEDGER_DB_FILE = 'ledger.db';

export interface LedgerKey {
  readonly signer: NoteSigner;
  readonly origin: string;
  readonly path: string;
  /** True when this call created the key. */
  readonly generated: boolean;
}

/** A fresh origin for a node: "cairn.local/" and 16 random hex digits. */
export function newLedgerOrigin(): string {
  return `cairn.local/${randomBytes(8).toString('hex')}`;
}

/**
 * Loads <data-dir>/ledger.key; with `create`, generates it when it is missing. A key file readable
 * by group or others is refused, as ssh refuses such private keys.
 */
export function loadLedgerKey(dataDir: string, options: { create: boolean; origin?: string | undefined }): LedgerKey {
  const path = join(dataDir, LEDGER_KEY_FILE);
  if (!existsSync(path)) {
    if (!options.create) throw new Error(`no ledger key at ${path}: is this a Cairn data dir? (a node creates the key on its first start)`);
    const origin = options.origin ?? newLedgerOrigin();
    if (!isValidKeyName(origin)) throw new Error(`ledger origin ${JSON.stringify(origin)} is not valid: it is the key name, non-empty, without spaces or "+"`);
    const { signerKey } = generateNoteKey(origin);
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(path, `${signerKey}\n`, { mode: 0o600, flag: 'wx' });
    return { signer: parseSignerKey(signerKey), origin, path, generated: true };
  }
  if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) {
    throw new Error(`the ledger key ${path} is readable by other users; make it private with \`chmod 600 ${path}\``);
  }
  const signer = parseSignerKey(readFileSync(path, 'utf8').trim());
  if (options.origin !== undefined && options.origin !== signer.name) {
    throw new Error(`the ledger key ${path} is for origin ${JSON.stringify(signer.name)}, not ${JSON.stringify(options.origin)}: a log's origin cannot change`);
  }
  return { signer, origin: signer.name, path, generated: false };
}

/** Opens the node's ledger on <data-dir>/ledger.db with its key, creating both on first start. */
export async function openNodeLedger(dataDir: string, options: { origin?: string | undefined } = {}): Promise<{ service: LedgerService; key: LedgerKey; path: string }> {
  const key = loadLedgerKey(dataDir, { create: true, origin: options.origin });
  const path = join(dataDir, LEDGER_DB_FILE);
  const store = SqliteLedgerStore.open(path);
  let state: SqliteStateStore;
  try {
    state = SqliteStateStore.open(path);
  } catch (err) {
    await store.close();
    throw err;
  }
  const service = await LedgerService.open({ store, state, origin: key.origin, signer: key.signer });
  return { service, key, path };
}

/**
 * Opens a data dir's ledger database for `cairn ledger verify` — the stores only, no service (which
 * would bring the state up to date and so hide a lagging view). Run it with the node stopped, as
 * fsck: a node appending meanwhile can make the checks see two different moments.
 */
export function openLedgerFiles(dataDir: string): { store: SqliteLedgerStore; state: SqliteStateStore; path: string } {
  const path = join(dataDir, LEDGER_DB_FILE);
  if (!existsSync(path)) throw new Error(`no ledger database at ${path}`);
  const store = SqliteLedgerStore.open(path);
  try {
    return { store, state: SqliteStateStore.open(path), path };
  } catch (err) {
    void store.close();
    throw err;
  }
}
