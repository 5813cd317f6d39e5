// Documents: named tables of JSON documents per tenant, every change a revision in the log — the
// Amazon QLDB model, kept verifiable.
//
// Entries (the tenant is the envelope's):
//   doc.table     { table, op: "create" }
//   doc.revision  { table, id, revision, op: "insert" | "update" | "delete", data: object | null, prev }
// `revision` counts from 1 per document and keeps counting across a delete and a re-insert; `prev`
// is the base64 leaf hash of the document's previous revision (null for the first), so each
// document's history is a hash chain inside the Merkle log, and the reducer refuses a revision that
// does not extend it.
//
// State rows (state.ts): table (tenant, table) → {index, timestamp, actor};
// doc (tenant, table, id) → the latest revision, deleted or not; rev (tenant, table, id, revision) →
// {index, op}, which indexes the history (its content is read from the log itself).
import { randomUUID } from 'node:crypto';
import { toBase64 } from './bytes.ts';
import { type Caller, type StateContext, checkCaller, checkName, checkPage, checkTenant, invalidArg, isPlainObject } from './context.ts';
import type { LoggedEntry } from './entry-log.ts';
import { LedgerError } from './errors.ts';
import { leafHash } from './hash.ts';
import type { JsonValue } from './jcs.ts';
import type { ProofBundle } from './proof-bundle.ts';
import { KEY_SEPARATOR, type ReduceContext, type Reducer, corruptEntry, stateKey, statePrefix } from './state.ts';

export const TABLE_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
export const TABLE_NAME_RULE = '1 to 64 characters of letters, digits and "_", not starting with a digit';
export const DOCUMENT_ID_RE = /^[A-Za-z0-9_][A-Za-z0-9._:@-]{0,127}$/;
export const DOCUMENT_ID_RULE = '1 to 128 characters of letters, digits and "._:@-", starting with a letter, digit or "_"';

export const DOC_TABLE = 'doc.table';
export const DOC_REVISION = 'doc.revision';

export type RevisionOp = 'insert' | 'update' | 'delete';
export type DocumentData = { [key: string]: JsonValue };

export interface TableInfo {
  readonly name: string;
  readonly index: number;
  readonly timestamp: string;
  readonly actor: string;
}

/** One revision of a document, as the log holds it. */
export interface DocumentRevision {
  readonly table: string;
  readonly id: string;
  readonly revision: number;
  readonly op: RevisionOp;
  readonly data: DocumentData | null;
  /** base64 leaf hash of the previous revision, or null. */
  readonly prev: string | null;
  /** Where the revision is in the log. */
  readonly index: number;
  readonly leafHash: string;
  readonly timestamp: string;
  readonly actor: string;
}

/** The current state of a live document. */
export interface DocumentState {
  readonly table: string;
  readonly id: string;
  readonly revision: number;
  readonly data: DocumentData;
  readonly index: number;
  readonly leafHash: string;
  readonly timestamp: string;
  readonly actor: string;
}

interface DocRow {
  revision: number;
  deleted: boolean;
  data: DocumentData | null;
  index: number;
  leafHash: string;
  timestamp: string;
  actor: string;
}

export interface WriteOptions {
  /**
   * Optimistic concurrency: the write happens only if the document's latest revision (a delete
   * included; 0 when it never existed) is this one, else LedgerError 'revision-mismatch'.
   */
  readonly expectedRevision?: number;
}

export interface Page<T, C> {
  readonly items: T[];
  /** Pass back as `after` for the next page; null at the end. */
  readonly next: C | null;
}

const checkTable = (table: unknown): string => checkName(table, 'table name', TABLE_NAME_RE, TABLE_NAME_RULE);
const checkId = (id: unknown): string => checkName(id, 'document id', DOCUMENT_ID_RE, DOCUMENT_ID_RULE);

function checkData(data: unknown): DocumentData {
  if (!isPlainObject(data)) invalidArg('document data must be a JSON object');
  return data as DocumentData;
}

function checkExpected(expected: unknown): number | undefined {
  if (expected === undefined) return undefined;
  if (!Number.isSafeInteger(expected) || (expected as number) < 0) invalidArg('expectedRevision must be a non-negative integer');
  return expected as number;
}

const tableNotFound = (tenant: string, table: string): LedgerError =>
  new LedgerError('not-found', `tenant "${tenant}" has no ledger table "${table}"; create it first`);

function revisionFrom(logged: LoggedEntry): DocumentRevision {
  const b = logged.entry.body as { table: string; id: string; revision: number; op: RevisionOp; data: DocumentData | null; prev: string | null };
  return {
    table: b.table, id: b.id, revision: b.revision, op: b.op, data: b.data, prev: b.prev,
    index: logged.index, leafHash: toBase64(leafHash(logged.leaf)), timestamp: logged.entry.timestamp, actor: logged.entry.actor,
  };
}

export class Documents {
  readonly #ctx: StateContext;

  constructor(ctx: StateContext) {
    this.#ctx = ctx;
  }

  /** Creates a table; LedgerError 'exists' if the tenant has one of that name. */
  async createTable(caller: Caller, name: string): Promise<TableInfo> {
    checkCaller(caller);
    checkTable(name);
    const key = stateKey(caller.tenant, name);
    return this.#ctx.locks.run([`table${KEY_SEPARATOR}${key}`], async () => {
      if (await this.#ctx.state.get('table', key)) throw new LedgerError('exists', `tenant "${caller.tenant}" already has a ledger table "${name}"`);
      const logged = await this.#ctx.commit({ type: DOC_TABLE, tenant: caller.tenant, actor: caller.actor, body: { table: name, op: 'create' } });
      return { name, index: logged.index, timestamp: logged.entry.timestamp, actor: logged.entry.actor };
    });
  }

  async getTable(tenant: string, name: string): Promise<TableInfo | null> {
    checkTenant(tenant);
    checkTable(name);
    const row = await this.#ctx.state.get('table', stateKey(tenant, name)) as { index: number; timestamp: string; actor: string } | null;
    return row ? { name, ...row } : null;
  }

  async listTables(tenant: string, page: { after?: string | null; limit?: number } = {}): Promise<Page<TableInfo, string>> {
    checkTenant(tenant);
    const { limit } = checkPage(page.after, page.limit);
    const prefix = statePrefix(tenant);
    const rows = await this.#ctx.state.list('table', prefix, page.after ? stateKey(tenant, page.after) : null, limit + 1);
    const items = rows.slice(0, limit).map((r) => ({ name: r.key.slice(prefix.length), ...(r.value as { index: number; timestamp: string; actor: string }) }));
    return { items, next: rows.length > limit ? (items[items.length - 1]?.name ?? null) : null };
  }

  /** Inserts a document (a random id when none is given); LedgerError 'exists' if it is live. */
  insert(caller: Caller, table: string, id: string | undefined, data: DocumentData, options: WriteOptions = {}): Promise<DocumentRevision> {
    return this.#write(caller, table, id ?? randomUUID(), 'insert', data, options);
  }

  /** Replaces a live document's data; LedgerError 'not-found' if there is none. */
  update(caller: Caller, table: string, id: string, data: DocumentData, options: WriteOptions = {}): Promise<DocumentRevision> {
    return this.#write(caller, table, id, 'update', data, options);
  }

  /** Inserts or replaces. */
  put(caller: Caller, table: string, id: string, data: DocumentData, options: WriteOptions = {}): Promise<DocumentRevision> {
    return this.#write(caller, table, id, 'put', data, options);
  }

  /** Deletes a live document (its history stays in the log); LedgerError 'not-found' if there is none. */
  delete(caller: Caller, table: string, id: string, options: WriteOptions = {}): Promise<DocumentRevision> {
    return this.#write(caller, table, id, 'delete', null, options);
  }

  /** The current state of a live document, or null (never existed, or deleted). */
  async get(tenant: string, table: string, id: string): Promise<DocumentState | null> {
    checkTenant(tenant);
    checkTable(table);
    checkId(id);
    if (!(await this.#ctx.state.get('table', stateKey(tenant, table)))) throw tableNotFound(tenant, table);
    const row = await this.#ctx.state.get('doc', stateKey(tenant, table, id)) as DocRow | null;
    if (!row || row.deleted) return null;
    return { table, id, revision: row.revision, data: row.data as DocumentData, index: row.index, leafHash: row.leafHash, timestamp: row.timestamp, actor: row.actor };
  }

  /** Live documents of a table in id order. */
  async list(tenant: string, table: string, page: { after?: string | null; limit?: number } = {}): Promise<Page<DocumentState, string>> {
    checkTenant(tenant);
    checkTable(table);
    const { limit } = checkPage(page.after, page.limit);
    if (!(await this.#ctx.state.get('table', stateKey(tenant, table)))) throw tableNotFound(tenant, table);
    const prefix = statePrefix(tenant, table);
    const items: DocumentState[] = [];
    let after = page.after ? stateKey(tenant, table, page.after) : null;
    let more = false;
    for (;;) {
      const rows = await this.#ctx.state.list('doc', prefix, after, limit + 1);
      for (const r of rows) {
        const row = r.value as unknown as DocRow;
        if (row.deleted) continue;
        if (items.length === limit) {
          more = true;
          break;
        }
        items.push({ table, id: r.key.slice(prefix.length), revision: row.revision, data: row.data as DocumentData, index: row.index, leafHash: row.leafHash, timestamp: row.timestamp, actor: row.actor });
      }
      if (more || rows.length <= limit) break;
      after = (rows[rows.length - 1] as { key: string }).key;
    }
    return { items, next: more ? (items[items.length - 1]?.id ?? null) : null };
  }

  /** Every revision of a document, oldest first, read from the log; LedgerError 'not-found' if it never existed. */
  async history(tenant: string, table: string, id: string, page: { after?: number | null; limit?: number } = {}): Promise<Page<DocumentRevision, number>> {
    checkTenant(tenant);
    checkTable(table);
    checkId(id);
    const { limit } = checkPage(page.after, page.limit);
    if (page.after !== undefined && page.after !== null && (!Number.isSafeInteger(page.after) || page.after < 0)) invalidArg('after must be a revision number');
    if (!(await this.#ctx.state.get('table', stateKey(tenant, table)))) throw tableNotFound(tenant, table);
    if (!(await this.#ctx.state.get('doc', stateKey(tenant, table, id)))) throw new LedgerError('not-found', `ledger table "${table}" has no document "${id}"`);
    const rows = await this.#ctx.state.list('rev', statePrefix(tenant, table, id), page.after ? stateKey(tenant, table, id, page.after) : null, limit + 1);
    const items = await Promise.all(rows.slice(0, limit).map(async (r) => revisionFrom(await this.#ctx.entry((r.value as { index: number }).index))));
    return { items, next: rows.length > limit ? (items[items.length - 1]?.revision ?? null) : null };
  }

  /** One revision, read from the log. */
  async revision(tenant: string, table: string, id: string, revision: number): Promise<DocumentRevision> {
    checkTenant(tenant);
    checkTable(table);
    checkId(id);
    if (!Number.isSafeInteger(revision) || revision < 1) invalidArg('revision must be a positive integer');
    if (!(await this.#ctx.state.get('table', stateKey(tenant, table)))) throw tableNotFound(tenant, table);
    const row = await this.#ctx.state.get('rev', stateKey(tenant, table, id, revision)) as { index: number } | null;
    if (!row) throw new LedgerError('not-found', `document "${id}" of ledger table "${table}" has no revision ${revision}`);
    return revisionFrom(await this.#ctx.entry(row.index));
  }

  /**
   * A proof that a revision (default: the latest) is in the log: the revision and an inclusion proof
   * relative to a signed checkpoint — the latest, or the stored one of tree size `size`.
   */
  async proof(tenant: string, table: string, id: string, options: { revision?: number; size?: number } = {}): Promise<{ revision: DocumentRevision; proof: ProofBundle }> {
    let revision = options.revision;
    if (revision === undefined) {
      checkTenant(tenant);
      checkTable(table);
      checkId(id);
      if (!(await this.#ctx.state.get('table', stateKey(tenant, table)))) throw tableNotFound(tenant, table);
      const row = await this.#ctx.state.get('doc', stateKey(tenant, table, id)) as DocRow | null;
      if (!row) throw new LedgerError('not-found', `ledger table "${table}" has no document "${id}"`);
      revision = row.revision;
    }
    const rev = await this.revision(tenant, table, id, revision);
    return { revision: rev, proof: await this.#ctx.prove(rev.index, options.size) };
  }

  async #write(caller: Caller, table: string, id: string, op: RevisionOp | 'put', data: DocumentData | null, options: WriteOptions): Promise<DocumentRevision> {
    checkCaller(caller);
    checkTable(table);
    checkId(id);
    if (op !== 'delete') checkData(data);
    const expected = checkExpected(options.expectedRevision);
    const key = stateKey(caller.tenant, table, id);
    return this.#ctx.locks.run([`doc${KEY_SEPARATOR}${key}`], async () => {
      if (!(await this.#ctx.state.get('table', stateKey(caller.tenant, table)))) throw tableNotFound(caller.tenant, table);
      const cur = await this.#ctx.state.get('doc', key) as DocRow | null;
      const latest = cur?.revision ?? 0;
      const live = cur !== null && !cur.deleted;
      if (expected !== undefined && expected !== latest) {
        throw new LedgerError('revision-mismatch', `document "${id}" is at revision ${latest}, not ${expected}`);
      }
      let kind: RevisionOp;
      if (op === 'insert') {
        if (live) throw new LedgerError('exists', `ledger table "${table}" already has a document "${id}" (revision ${latest})`);
        kind = 'insert';
      } else if (op === 'put') {
        kind = live ? 'update' : 'insert';
      } else {
        if (!live) throw new LedgerError('not-found', `ledger table "${table}" has no document "${id}"${cur ? ' (it was deleted)' : ''}`);
        kind = op;
      }
      const body = { table, id, revision: latest + 1, op: kind, data: kind === 'delete' ? null : data, prev: cur?.leafHash ?? null };
      return revisionFrom(await this.#ctx.commit({ type: DOC_REVISION, tenant: caller.tenant, actor: caller.actor, body }));
    });
  }
}

const REVISION_KEYS = 'data,id,op,prev,revision,table';

async function reduceTable({ index, entry, state }: ReduceContext): Promise<void> {
  const b = entry.body as Record<string, unknown>;
  if (!isPlainObject(b) || Object.keys(b).sort().join(',') !== 'op,table' || b.op !== 'create') throw corruptEntry(index, entry, 'the body is not { table, op: "create" }');
  checkTenant(entry.tenant);
  const table = checkTable(b.table);
  const key = stateKey(entry.tenant, table);
  const existing = await state.get('table', key) as { index: number } | null;
  if (existing) throw corruptEntry(index, entry, `table "${table}" of tenant "${entry.tenant}" was already created by entry ${existing.index}`);
  state.put('table', key, { index, timestamp: entry.timestamp, actor: entry.actor });
}

async function reduceRevision({ index, entry, leafHash: hash, state }: ReduceContext): Promise<void> {
  const b = entry.body as Record<string, unknown>;
  if (!isPlainObject(b) || Object.keys(b).sort().join(',') !== REVISION_KEYS) throw corruptEntry(index, entry, `the body is not { ${REVISION_KEYS.split(',').join(', ')} }`);
  checkTenant(entry.tenant);
  const table = checkTable(b.table);
  const id = checkId(b.id);
  const where = `document ${entry.tenant}/${table}/${id}`;
  if (b.op !== 'insert' && b.op !== 'update' && b.op !== 'delete') throw corruptEntry(index, entry, `${where}: unknown op ${JSON.stringify(b.op)}`);
  if (b.op === 'delete' ? b.data !== null : !isPlainObject(b.data)) throw corruptEntry(index, entry, `${where}: ${b.op === 'delete' ? 'a delete carries data' : 'data is not an object'}`);
  if (!(await state.get('table', stateKey(entry.tenant, table)))) throw corruptEntry(index, entry, `${where}: table "${table}" does not exist at this point of the log`);
  const key = stateKey(entry.tenant, table, id);
  const cur = await state.get('doc', key) as DocRow | null;
  const latest = cur?.revision ?? 0;
  if (b.revision !== latest + 1) throw corruptEntry(index, entry, `${where}: revision ${JSON.stringify(b.revision)} does not follow revision ${latest}`);
  const prev = cur?.leafHash ?? null;
  if (b.prev !== prev) throw corruptEntry(index, entry, `${where}: prev is ${JSON.stringify(b.prev)}, but revision ${latest}'s leaf hash is ${JSON.stringify(prev)}`);
  const live = cur !== null && !cur.deleted;
  if (b.op === 'insert' ? live : !live) throw corruptEntry(index, entry, `${where}: ${b.op} of a document that ${live ? 'exists' : 'does not exist'}`);
  const leaf = toBase64(hash);
  const row: DocRow = { revision: latest + 1, deleted: b.op === 'delete', data: b.data as DocumentData | null, index, leafHash: leaf, timestamp: entry.timestamp, actor: entry.actor };
  state.put('doc', key, row as unknown as JsonValue);
  state.put('rev', stateKey(entry.tenant, table, id, latest + 1), { index, op: b.op });
}

export const documentReducers: ReadonlyMap<string, Reducer> = new Map([[DOC_TABLE, reduceTable], [DOC_REVISION, reduceRevision]]);
