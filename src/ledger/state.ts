// The materialised state of the ledger: current documents, balances, identities — a view that is a
// pure function of the log.
//
// The log is the only source of truth. Every state change (a document revision, a transfer, a key
// rotation) is an entry; the state is what you get by replaying the entries in log order through
// the reducers (documents.ts, accounts.ts, identity.ts). A StateStore keeps the result as rows
// (namespace, key) → canonical JSON, plus a watermark: how many log entries it reflects. Updating
// rows and watermark in one transaction makes the view crash-safe without sharing a transaction
// with the log: after a crash the applier replays the entries past the watermark, and
// `cairn ledger verify` rebuilds the whole view from the log and compares it row by row.
//
// Rows are keyed by parts joined with U+001F (a control character, which no name may contain), so
// a prefix scan lists one tenant's tables, one table's documents or one document's revisions.
// Keys compare in code point order (UTF-8 byte order: SQLite's BINARY collation) in every store.
import { type Entry, decodeEntry } from './entry.ts';
import { LedgerError, isLedgerError } from './errors.ts';
import { leafHash } from './hash.ts';
import { type JsonValue, canonicalize } from './jcs.ts';

export const KEY_SEPARATOR = '\u001f';

/** Entry types that change state; only the ledger's own operations may append them. */
export const STATE_TYPE_PREFIXES = ['doc.', 'account.', 'identity.'] as const;

export function isStateType(type: string): boolean {
  return STATE_TYPE_PREFIXES.some((p) => type.startsWith(p));
}

/** A row key from its parts (each already validated to hold no control characters). */
export function stateKey(...parts: Array<string | number>): string {
  return parts.map((p) => (typeof p === 'number' ? String(p).padStart(15, '0') : p)).join(KEY_SEPARATOR);
}

/** The prefix that lists every key starting with these parts. */
export function statePrefix(...parts: Array<string | number>): string {
  return stateKey(...parts) + KEY_SEPARATOR;
}

/** Keys in code point order (= UTF-8 byte order), not JavaScript's UTF-16 code unit order. */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return fixup(x) - fixup(y);
  }
  return a.length - b.length;
}

/** Surrogates (code points above U+FFFF) sort after U+E000–U+FFFF in code point order. */
function fixup(c: number): number {
  return c >= 0xe000 ? c - 0x800 : c >= 0xd800 ? c + 0x2000 : c;
}

export interface StateRow {
  readonly ns: string;
  readonly key: string;
  readonly value: JsonValue;
}

export interface StatePut {
  readonly ns: string;
  readonly key: string;
  /** null deletes the row. */
  readonly value: JsonValue | null;
}

export interface StateCommit {
  /** The watermark this commit starts from: the store refuses it (LedgerError 'conflict') otherwise. */
  readonly from: number;
  /** The watermark after it: log entries [0, to) are reflected. */
  readonly to: number;
  readonly puts: readonly StatePut[];
}

export interface StateStore {
  /** How many log entries the rows reflect. */
  appliedSize(): Promise<number>;
  get(ns: string, key: string): Promise<JsonValue | null>;
  /** Rows of `ns` whose key starts with `prefix` and sorts after `after` (exclusive), ascending, at most `limit`. */
  list(ns: string, prefix: string, after: string | null, limit: number): Promise<StateRow[]>;
  /** Every row, ordered by (ns, key), after the given position: how verify compares two stores. */
  scan(after: { ns: string; key: string } | null, limit: number): Promise<StateRow[]>;
  /** Writes the rows and moves the watermark in one transaction. */
  commit(c: StateCommit): Promise<void>;
  close(): Promise<void>;
}

export function checkStateCommit(c: StateCommit, applied: number): void {
  if (c.from !== applied) throw new LedgerError('conflict', `the state commit starts at entry ${c.from}, but the state reflects ${applied} entries`);
  if (!Number.isSafeInteger(c.to) || c.to < c.from) throw new LedgerError('invalid', `a state commit must move the watermark forward, got ${c.from} → ${c.to}`);
}

const rowId = (ns: string, key: string): string => `${ns}${KEY_SEPARATOR}${KEY_SEPARATOR}${key}`;

/** StateStore in memory: tests, and the view `cairn ledger verify` rebuilds from the log. */
export class MemoryStateStore implements StateStore {
  /** ns → key → canonical JSON text. */
  readonly #rows = new Map<string, Map<string, string>>();
  #applied = 0;
  #sorted: StateRow[] | null = null;
  #closed = false;

  async appliedSize(): Promise<number> {
    this.#open();
    return this.#applied;
  }

  async get(ns: string, key: string): Promise<JsonValue | null> {
    this.#open();
    const text = this.#rows.get(ns)?.get(key);
    return text === undefined ? null : (JSON.parse(text) as JsonValue);
  }

  async list(ns: string, prefix: string, after: string | null, limit: number): Promise<StateRow[]> {
    this.#open();
    const rows = this.#rows.get(ns);
    if (!rows) return [];
    const keys = [...rows.keys()].filter((k) => k.startsWith(prefix) && (after === null || compareKeys(k, after) > 0)).sort(compareKeys).slice(0, limit);
    return keys.map((key) => ({ ns, key, value: JSON.parse(rows.get(key) as string) as JsonValue }));
  }

  async scan(after: { ns: string; key: string } | null, limit: number): Promise<StateRow[]> {
    this.#open();
    const all = this.#all();
    let lo = 0;
    if (after) {
      // First row strictly after `after`.
      let hi = all.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        const r = all[mid] as StateRow;
        const c = compareKeys(r.ns, after.ns) || compareKeys(r.key, after.key);
        if (c <= 0) lo = mid + 1;
        else hi = mid;
      }
    }
    return all.slice(lo, lo + limit);
  }

  async commit(c: StateCommit): Promise<void> {
    this.#open();
    checkStateCommit(c, this.#applied);
    for (const p of c.puts) {
      let rows = this.#rows.get(p.ns);
      if (!rows) this.#rows.set(p.ns, (rows = new Map()));
      if (p.value === null) rows.delete(p.key);
      else rows.set(p.key, canonicalize(p.value));
    }
    this.#applied = c.to;
    if (c.puts.length > 0) this.#sorted = null;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #all(): StateRow[] {
    if (!this.#sorted) {
      const out: StateRow[] = [];
      for (const ns of [...this.#rows.keys()].sort(compareKeys)) {
        const rows = this.#rows.get(ns) as Map<string, string>;
        for (const key of [...rows.keys()].sort(compareKeys)) out.push({ ns, key, value: JSON.parse(rows.get(key) as string) as JsonValue });
      }
      this.#sorted = out;
    }
    return this.#sorted;
  }

  #open(): void {
    if (this.#closed) throw new LedgerError('closed', 'the state store is closed');
  }
}

/** Reads through to the store, writes to memory: the rows one batch of entries changes. */
export class Working {
  readonly #store: StateStore;
  readonly #puts = new Map<string, StatePut>();

  constructor(store: StateStore) {
    this.#store = store;
  }

  async get(ns: string, key: string): Promise<JsonValue | null> {
    const p = this.#puts.get(rowId(ns, key));
    return p ? p.value : this.#store.get(ns, key);
  }

  put(ns: string, key: string, value: JsonValue | null): void {
    this.#puts.set(rowId(ns, key), { ns, key, value });
  }

  puts(): StatePut[] {
    return [...this.#puts.values()];
  }
}

export interface ReduceContext {
  readonly index: number;
  readonly entry: Entry;
  readonly leafHash: Uint8Array;
  readonly state: Working;
}

/** Applies one state entry; throws LedgerError 'corrupt' when the entry contradicts the state before it. */
export type Reducer = (ctx: ReduceContext) => Promise<void>;

/** Where the applier reads entries: a Ledger, or a LedgerStore in the verifier. */
export interface EntrySource {
  size(): number | Promise<number>;
  getEntries(start: number, end: number): Promise<Uint8Array[]>;
}

/** A 'corrupt' error for entry `index`, as every reducer reports it. */
export function corruptEntry(index: number, entry: Pick<Entry, 'type'>, message: string): LedgerError {
  return new LedgerError('corrupt', `entry ${index} (${entry.type}): ${message}`);
}

/**
 * Replays log entries into a StateStore in log order, through the reducers. One applier per store;
 * calls are serialised, and one call applies everything the log holds (up to `chunk` entries per
 * store transaction), so operations waiting on it share its work as appends share a group commit.
 */
export class StateApplier {
  readonly #store: StateStore;
  readonly #source: EntrySource;
  readonly #reducers: ReadonlyMap<string, Reducer>;
  readonly #chunk: number;
  #applied: number;
  #chain: Promise<void> = Promise.resolve();

  private constructor(store: StateStore, source: EntrySource, reducers: ReadonlyMap<string, Reducer>, applied: number, chunk: number) {
    this.#store = store;
    this.#source = source;
    this.#reducers = reducers;
    this.#applied = applied;
    this.#chunk = chunk;
  }

  static async open(store: StateStore, source: EntrySource, reducers: ReadonlyMap<string, Reducer>, options: { chunk?: number } = {}): Promise<StateApplier> {
    return new StateApplier(store, source, reducers, await store.appliedSize(), options.chunk ?? 4096);
  }

  /** Log entries the state reflects. */
  get applied(): number {
    return this.#applied;
  }

  /** Resolves once the state reflects at least the first `size` entries of the log. */
  applyThrough(size: number): Promise<void> {
    const run = this.#chain.then(() => this.#run(size));
    this.#chain = run.catch(() => undefined);
    return run;
  }

  async #run(target: number): Promise<void> {
    while (this.#applied < target) {
      const available = await this.#source.size();
      if (target > available) throw new LedgerError('out-of-range', `cannot apply entries up to ${target}: the log holds ${available}`);
      const start = this.#applied;
      const end = Math.min(available, start + this.#chunk);
      const leaves = await this.#source.getEntries(start, end);
      const working = new Working(this.#store);
      for (let i = 0; i < leaves.length; i++) await applyLeaf(start + i, leaves[i] as Uint8Array, working, this.#reducers);
      await this.#store.commit({ from: start, to: end, puts: working.puts() });
      this.#applied = end;
    }
  }
}

/** Decodes one leaf and runs its reducer, if its type has one. */
export async function applyLeaf(index: number, leaf: Uint8Array, state: Working, reducers: ReadonlyMap<string, Reducer>): Promise<Entry> {
  let entry: Entry;
  try {
    entry = decodeEntry(leaf);
  } catch (err) {
    throw new LedgerError('corrupt', `entry ${index}: ${(err as Error).message}`, { cause: err });
  }
  const reducer = reducers.get(entry.type);
  if (reducer) {
    try {
      await reducer({ index, entry, leafHash: leafHash(leaf), state });
    } catch (err) {
      if (isLedgerError(err, 'corrupt')) throw err;
      throw corruptEntry(index, entry, (err as Error).message);
    }
  } else if (isStateType(entry.type)) {
    throw corruptEntry(index, entry, 'no operation of the ledger writes this state entry type');
  }
  return entry;
}

/** Compares two rows' values as canonical JSON. */
export function sameValue(a: JsonValue, b: JsonValue): boolean {
  return canonicalize(a) === canonicalize(b);
}
