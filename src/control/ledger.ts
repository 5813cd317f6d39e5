// /api/v1/ledger/...: the verifiable ledger over HTTP — the log's key and checkpoints, entries,
// RFC 9162 proofs (the shapes issue 4 fixes, so outside verifiers can check us), documents with
// their history and proofs, accounts and transfers, identities. Everything is scoped to the
// caller's tenant except what reveals no tenant's data: the key, checkpoints and proofs (hashes).
import { z } from 'zod';
import { toBase64 } from '../ledger/bytes.ts';
import { ACCOUNT_ID_RE, IDEMPOTENCY_KEY_RE } from '../ledger/accounts.ts';
import { DOCUMENT_ID_RE, TABLE_NAME_RE } from '../ledger/documents.ts';
import { decodeEntry } from '../ledger/entry.ts';
import type { LoggedEntry } from '../ledger/entry-log.ts';
import { LedgerError, isLedgerError } from '../ledger/errors.ts';
import { leafHash } from '../ledger/hash.ts';
import { SUBJECT_RE } from '../ledger/identity.ts';
import type { JsonValue } from '../ledger/jcs.ts';
import type { LedgerService } from '../ledger/service.ts';
import { Problem } from '../shared/problem.ts';
import type { ControlDeps } from './deps.ts';
import { forbidden, invalidRequest, notFound } from './problems.ts';
import { defineRoute, type Route } from './router.ts';
import { PAGE_LIMIT_MAX } from './schemas.ts';
import { pageOf } from './views.ts';

// ---- errors

/** The problem for a LedgerError: the caller's mistakes are 4xx with a stable code, the ledger's own are 5xx. */
export function ledgerProblem(err: LedgerError): Problem {
  const m = err.message;
  switch (err.code) {
    case 'invalid': return invalidRequest([m], 'The request is not a valid ledger operation.', 'Fix what `errors` names and send it again.');
    case 'bad-signature': return new Problem(422, 'bad-signature', m, { hint: 'Sign the canonical JSON the ledger documents (docs/ledger.md, "Entry envelope") with the key you name.' });
    case 'too-large': return new Problem(413, 'payload-too-large', m, { hint: 'Keep an entry body under 64 KiB as canonical JSON; store large data elsewhere and log its hash.' });
    case 'out-of-range': return new Problem(422, 'out-of-range', m, { hint: 'Ask within the log: GET /api/v1/ledger/checkpoint gives its current size.' });
    case 'not-found': return new Problem(404, 'not-found', m, { hint: 'Create it first (tables with POST /api/v1/ledger/tables, accounts with POST /api/v1/ledger/accounts).' });
    case 'exists': return new Problem(409, 'conflict', m, { hint: 'Use the existing one, or another name.' });
    case 'revision-mismatch': return new Problem(409, 'revision-mismatch', m, { hint: 'Read the document again and retry with its current revision as expectedRevision.' });
    case 'insufficient-funds': return new Problem(409, 'insufficient-funds', m, { hint: 'Fund the account first, or open it with allowOverdraft; nothing was recorded and the idempotency key is still free.' });
    case 'idempotency-key-reused': return new Problem(422, 'idempotency-key-reused', m, { hint: 'Use a new idempotency key for a new transfer; resend the original parameters to get the original answer.' });
    case 'conflict': return new Problem(503, 'ledger-busy', m, { hint: 'Another writer extended the log; retry.', retryAfterSeconds: 1 });
    case 'closed': return new Problem(503, 'not-ready', 'The ledger is closed: the node is shutting down.', { hint: 'Retry against a running node.', retryAfterSeconds: 1 });
    case 'corrupt': return new Problem(500, 'ledger-corrupt', 'The ledger found stored data that contradicts itself.', { hint: 'Stop the node and run `cairn ledger verify`; the node log has the details.' });
  }
}

/** Turns LedgerErrors into problems; anything else passes through. */
export function asLedgerProblem(err: unknown): unknown {
  return isLedgerError(err) ? ledgerProblem(err) : err;
}

function ledgerOf(deps: ControlDeps): LedgerService {
  if (!deps.ledger) throw new Problem(503, 'ledger-unavailable', 'This node runs without a ledger.', { hint: 'Run a full node (`cairn serve`), which opens <data-dir>/ledger.db.' });
  return deps.ledger;
}

// ---- schemas

const uint = (what: string) => z.string().regex(/^(?:0|[1-9][0-9]{0,15})$/, `${what} must be a non-negative integer`)
  .transform(Number).pipe(z.number().max(Number.MAX_SAFE_INTEGER, `${what} must be at most 2^53 - 1`));
const indexParam = z.string().regex(/^(?:0|[1-9][0-9]{0,15})$/, 'an entry index is a non-negative integer');
const tableParam = z.string().regex(TABLE_NAME_RE, 'a table name is 1 to 64 characters of letters, digits and "_", not starting with a digit');
const docIdParam = z.string().regex(DOCUMENT_ID_RE, 'a document id is 1 to 128 characters of letters, digits and "._:@-", starting with a letter, digit or "_"');
const accountParam = z.string().regex(ACCOUNT_ID_RE, 'an account id is 1 to 128 characters of letters, digits and "._:@-", starting with a letter, digit or "_"');
const subjectParam = z.string().regex(SUBJECT_RE, 'a subject is 1 to 128 characters of letters, digits and "._:@/-"');
const keyParam = z.string().regex(IDEMPOTENCY_KEY_RE, 'an idempotency key is 1 to 255 printable ASCII characters without spaces');
const cursorQuery = z.object({
  cursor: z.string().max(512).optional().describe('nextCursor of the previous page'),
  limit: z.coerce.number().int().min(1).max(PAGE_LIMIT_MAX).default(50).describe('page size, 1..200'),
});
/** The cursor query as the ledger's page options. */
const pageIn = (query: z.output<typeof cursorQuery>) => ({ after: query.cursor ?? null, limit: query.limit });
/** A ledger page ({ items, next }) as the API's page ({ items, nextCursor }). */
const pageOut = <T>(page: { items: T[]; next: string | null }) => ({ items: page.items, nextCursor: page.next });
const json = z.unknown();
const b64 = z.string().describe('base64');

const signatureSchema = z.object({ alg: z.literal('ed25519'), publicKey: b64, value: b64 }).strict();
const entryView = z.object({
  index: z.number().int(), type: z.string(), tenant: z.string(), actor: z.string(), timestamp: z.string(), body: json,
  signature: signatureSchema.optional(),
  leafHash: b64.describe('base64 SHA-256(0x00 ‖ data)'),
  data: b64.describe('base64 of the exact bytes hashed as the leaf (the canonical JSON envelope)'),
});
const inclusionView = z.object({ index: z.number().int(), size: z.number().int(), leafHash: b64, hashes: z.array(b64).describe('RFC 9162 audit path, in the RFC\'s order'), checkpoint: z.string().nullable().describe('the signed checkpoint of `size`, when the log signed one') });
const consistencyView = z.object({ from: z.number().int(), to: z.number().int(), hashes: z.array(b64).describe('RFC 9162 consistency proof, in the RFC\'s order'), checkpoint: z.string().nullable(), fromCheckpoint: z.string().nullable() });
const proofBundleView = z.object({
  format: z.literal('cairn-inclusion-proof-v1'), origin: z.string(), key: z.string(), index: z.number().int(), size: z.number().int(),
  leaf: b64, leafHash: b64, hashes: z.array(b64), checkpoint: z.string(),
}).describe('checkable offline with `cairn ledger check-proof`');
const tableView = z.object({ name: z.string(), index: z.number().int(), timestamp: z.string(), actor: z.string() });
const documentView = z.object({ table: z.string(), id: z.string(), revision: z.number().int(), data: z.record(z.string(), json), index: z.number().int(), leafHash: b64, timestamp: z.string(), actor: z.string() });
const revisionView = z.object({
  table: z.string(), id: z.string(), revision: z.number().int(), op: z.enum(['insert', 'update', 'delete']), data: z.record(z.string(), json).nullable(),
  prev: b64.nullable().describe('leaf hash of the previous revision'), index: z.number().int(), leafHash: b64, timestamp: z.string(), actor: z.string(),
});
const amount = z.string().describe('integer minor units as a decimal string');
const accountView = z.object({ id: z.string(), allowOverdraft: z.boolean(), balances: z.record(z.string(), amount), index: z.number().int(), timestamp: z.string(), actor: z.string() });
const transferView = z.object({
  index: z.number().int(), from: z.string(), to: z.string(), amount, currency: z.string(), idempotencyKey: z.string(), memo: z.string().nullable(),
  balances: z.object({ from: amount, to: amount }), timestamp: z.string(), actor: z.string(), replayed: z.boolean(),
});
const identityView = z.object({
  subject: z.string(), kind: z.enum(['node', 'tenant', 'function', 'device']), publicKey: b64, did: z.string(), version: z.number().int(), index: z.number().int(), timestamp: z.string(),
  keys: z.array(z.object({ version: z.number().int(), publicKey: b64, did: z.string(), index: z.number().int(), timestamp: z.string() })),
});

const appendBody = z.object({
  type: z.string({ error: 'expected a string' }).describe('[a-z][a-z0-9._/-]*; doc.*, account.*, identity.*, control.* and ledger.* are reserved'),
  body: json.describe('any JSON value, at most 64 KiB as canonical JSON'),
  signature: signatureSchema.optional().describe('Ed25519 by the actor over the canonical JSON of {actor, body, context: "cairn-ledger-entry-v1", tenant, type}'),
}).strict();
const documentBody = z.object({ data: json.describe('a JSON object'), expectedRevision: z.number().int().min(0).optional() }).strict();
const insertBody = z.object({ id: z.string().optional().describe('default: a random UUID'), data: json.describe('a JSON object') }).strict();
const transferBody = z.object({
  from: z.string(), to: z.string(),
  amount: z.union([z.string(), z.number()]).describe('positive integer minor units, preferably a string ("1050" = 10.50)'),
  currency: z.string().describe('e.g. EUR'),
  idempotencyKey: z.string().optional().describe('or the Idempotency-Key header; required'),
  memo: z.string().optional(),
}).strict();

function entryOut(logged: LoggedEntry): z.output<typeof entryView> {
  const e = logged.entry;
  return {
    index: logged.index, type: e.type, tenant: e.tenant, actor: e.actor, timestamp: e.timestamp, body: e.body,
    ...(e.signature ? { signature: e.signature } : {}), leafHash: toBase64(leafHash(logged.leaf)), data: toBase64(logged.leaf),
  };
}

/** Reads the body's `data` as JSON; the ledger checks that it is an object. */
const dataOf = (data: unknown): { [key: string]: JsonValue } => data as { [key: string]: JsonValue };

const tableParams = { table: tableParam };
const docParams = { table: tableParam, id: docIdParam };

/** How many entries GET /ledger/entries reads for one page before answering with what it found. */
const SCAN_WINDOW = 5000;

export const ledgerRoutes: Route[] = [
  // ---- the log
  defineRoute({
    method: 'GET', path: '/api/v1/ledger/key', operationId: 'getLedgerKey', tag: 'ledger', access: 'token', scope: 'global',
    summary: 'The log\'s verifier key in signed-note form, `<name>+<hex key ID>+<base64(0x01 ‖ Ed25519 key)>`.',
    responses: { 200: { description: 'The verifier key and a newline', contentType: 'text/plain' } },
    async handle({ deps }) {
      return { status: 200, text: `${ledgerOf(deps).verifierKey}\n`, contentType: 'text/plain; charset=utf-8' };
    },
  }),
  defineRoute({
    method: 'GET', path: '/api/v1/ledger/checkpoint', operationId: 'getLedgerCheckpoint', tag: 'ledger', access: 'token', scope: 'global',
    summary: 'The latest checkpoint (C2SP tlog-checkpoint in a signed note), exactly as signed; the log signs its current head on demand.',
    responses: { 200: { description: 'The signed checkpoint note', contentType: 'text/plain' } },
    async handle({ deps }) {
      const cp = await ledgerOf(deps).checkpoint();
      return { status: 200, text: cp.note, contentType: 'text/plain; charset=utf-8', headers: { 'x-cairn-tree-size': String(cp.size) } };
    },
  }),
  defineRoute({
    method: 'GET', path: '/api/v1/ledger/entries', operationId: 'listLedgerEntries', tag: 'ledger', access: 'token', scope: 'tenant', allowAllTenants: true,
    summary: 'Entries of the tenant in log order (a platform admin may pass ?tenant=* for all); a page may hold fewer than `limit` when the scan window ends first.',
    query: cursorQuery,
    responses: { 200: { description: 'A page of entries', schema: pageOf(entryView) } },
    async handle({ deps, tenant, allTenants, query }) {
      const ledger = ledgerOf(deps);
      const start = query.cursor === undefined ? 0 : Number(query.cursor);
      if (!/^(?:0|[1-9][0-9]{0,15})$/.test(query.cursor ?? '0') || !Number.isSafeInteger(start)) throw invalidRequest(['cursor: pass back the nextCursor of the previous page unchanged']);
      const size = ledger.size;
      const items: Array<z.output<typeof entryView>> = [];
      let next = Math.min(start, size);
      const windowEnd = Math.min(size, start + SCAN_WINDOW);
      while (next < windowEnd && items.length < query.limit) {
        const end = Math.min(windowEnd, next + 500);
        const leaves = await ledger.ledger.getEntries(next, end);
        let i = 0;
        for (; i < leaves.length && items.length < query.limit; i++) {
          const leaf = leaves[i] as Uint8Array;
          const entry = decodeEntry(leaf);
          if (allTenants || entry.tenant === tenant) items.push(entryOut({ index: next + i, entry, leaf }));
        }
        next += i;
      }
      return { status: 200, body: { items, nextCursor: next < size ? String(next) : null } };
    },
  }),
  defineRoute({
    method: 'POST', path: '/api/v1/ledger/entries', operationId: 'appendLedgerEntry', tag: 'ledger', access: 'token', scope: 'tenant',
    summary: 'Append an entry (the actor is the caller\'s principal id, the timestamp the log\'s); answers once it is durable.',
    body: appendBody,
    responses: { 201: { description: 'The entry as logged, with its index', schema: entryView }, 413: { description: 'The body exceeds 64 KiB as canonical JSON' } },
    async handle({ deps, tenant, principal, body }) {
      const logged = await ledgerOf(deps).append({ tenant, actor: principal.actor }, { type: body.type, body: body.body as JsonValue, ...(body.signature ? { signature: body.signature } : {}) });
      return { status: 201, body: entryOut(logged) };
    },
  }),
  defineRoute({
    method: 'GET', path: '/api/v1/ledger/entries/{index}', operationId: 'getLedgerEntry', tag: 'ledger', access: 'token', scope: 'global',
    summary: 'One entry: `data` is base64 of the exact leaf bytes, beside the decoded envelope fields. Tenant tokens read their own tenant\'s entries.',
    params: { index: indexParam },
    responses: { 200: { description: 'The entry', schema: entryView } },
    async handle({ deps, principal, params }) {
      const ledger = ledgerOf(deps);
      const index = Number(params.index);
      if (!Number.isSafeInteger(index) || index >= ledger.size) throw notFound(`The ledger has no entry ${params.index}: it holds ${ledger.size} entries.`, 'GET /api/v1/ledger/checkpoint gives the current size.');
      const logged = await ledger.entry(index);
      if (principal.kind === 'tenant' && logged.entry.tenant !== principal.tenant) throw forbidden(`Entry ${index} belongs to another tenant.`, 'A tenant token reads its own tenant\'s entries; proofs (hashes only) are open to every token.');
      return { status: 200, body: entryOut(logged) };
    },
  }),
  defineRoute({
    method: 'GET', path: '/api/v1/ledger/proofs/inclusion', operationId: 'getInclusionProof', tag: 'ledger', access: 'token', scope: 'global',
    summary: 'RFC 9162 inclusion proof of entry `index` in the tree of `size` entries (default: a checkpoint signed now).',
    query: z.object({ index: uint('index'), size: uint('size').optional().describe('tree size; default: the latest checkpoint\'s') }),
    responses: { 200: { description: 'The audit path and the checkpoint it is relative to', schema: inclusionView } },
    async handle({ deps, query }) {
      return { status: 200, body: await ledgerOf(deps).inclusion(query.index, query.size) };
    },
  }),
  defineRoute({
    method: 'GET', path: '/api/v1/ledger/proofs/consistency', operationId: 'getConsistencyProof', tag: 'ledger', access: 'token', scope: 'global',
    summary: 'RFC 9162 consistency proof from tree size `from` to `to` (default: a checkpoint signed now).',
    query: z.object({ from: uint('from'), to: uint('to').optional().describe('tree size; default: the latest checkpoint\'s') }),
    responses: { 200: { description: 'The proof and the checkpoints of both sizes, when signed', schema: consistencyView } },
    async handle({ deps, query }) {
      return { status: 200, body: await ledgerOf(deps).consistency(query.from, query.to) };
    },
  }),

  // ---- documents
  defineRoute({
    method: 'GET', path: '/api/v1/ledger/tables', operationId: 'listLedgerTables', tag: 'ledger documents', access: 'token', scope: 'tenant',
    summary: 'The tenant\'s ledger tables.',
    query: cursorQuery,
    responses: { 200: { description: 'A page of tables', schema: pageOf(tableView) } },
    async handle({ deps, tenant, query }) {
      const page = await ledgerOf(deps).documents.listTables(tenant, pageIn(query));
      return { status: 200, body: pageOut(page) };
    },
  }),
  defineRoute({
    method: 'POST', path: '/api/v1/ledger/tables', operationId: 'createLedgerTable', tag: 'ledger documents', access: 'token', scope: 'tenant',
    summary: 'Create a table (recorded in the log).',
    body: z.object({ name: z.string({ error: 'expected a string' }) }).strict(),
    responses: { 201: { description: 'The table', schema: tableView }, 409: { description: 'The table exists' } },
    async handle({ deps, tenant, principal, body }) {
      return { status: 201, body: await ledgerOf(deps).documents.createTable({ tenant, actor: principal.actor }, body.name) };
    },
  }),
  defineRoute({
    method: 'GET', path: '/api/v1/ledger/tables/{table}/documents', operationId: 'listLedgerDocuments', tag: 'ledger documents', access: 'token', scope: 'tenant',
    summary: 'The live documents of a table, in id order.',
    params: tableParams, query: cursorQuery,
    responses: { 200: { description: 'A page of documents', schema: pageOf(documentView) } },
    async handle({ deps, tenant, params, query }) {
      const page = await ledgerOf(deps).documents.list(tenant, params.table, pageIn(query));
      return { status: 200, body: pageOut(page) };
    },
  }),
  defineRoute({
    method: 'POST', path: '/api/v1/ledger/tables/{table}/documents', operationId: 'insertLedgerDocument', tag: 'ledger documents', access: 'token', scope: 'tenant',
    summary: 'Insert a document (revision 1, or the next revision after a delete).',
    params: tableParams, body: insertBody,
    responses: { 201: { description: 'The revision', schema: revisionView }, 409: { description: 'The document exists' } },
    async handle({ deps, tenant, principal, params, body }) {
      return { status: 201, body: await ledgerOf(deps).documents.insert({ tenant, actor: principal.actor }, params.table, body.id, dataOf(body.data)) };
    },
  }),
  defineRoute({
    method: 'GET', path: '/api/v1/ledger/tables/{table}/documents/{id}', operationId: 'getLedgerDocument', tag: 'ledger documents', access: 'token', scope: 'tenant',
    summary: 'The current state of a document.',
    params: docParams,
    responses: { 200: { description: 'The document', schema: documentView } },
    async handle({ deps, tenant, params }) {
      const doc = await ledgerOf(deps).documents.get(tenant, params.table, params.id);
      if (!doc) throw notFound(`Ledger table "${params.table}" has no document "${params.id}".`, `Its history, if it had one, is at GET /api/v1/ledger/tables/${params.table}/documents/${params.id}/history.`);
      return { status: 200, body: doc };
    },
  }),
  defineRoute({
    method: 'PUT', path: '/api/v1/ledger/tables/{table}/documents/{id}', operationId: 'putLedgerDocument', tag: 'ledger documents', access: 'token', scope: 'tenant',
    summary: 'Insert or replace a document; `expectedRevision` (0: must not exist) makes it conditional.',
    params: docParams, body: documentBody,
    responses: { 200: { description: 'The revision', schema: revisionView }, 409: { description: 'expectedRevision is not the current revision (`revision-mismatch`)' } },
    async handle({ deps, tenant, principal, params, body }) {
      const options = body.expectedRevision !== undefined ? { expectedRevision: body.expectedRevision } : {};
      return { status: 200, body: await ledgerOf(deps).documents.put({ tenant, actor: principal.actor }, params.table, params.id, dataOf(body.data), options) };
    },
  }),
  defineRoute({
    method: 'DELETE', path: '/api/v1/ledger/tables/{table}/documents/{id}', operationId: 'deleteLedgerDocument', tag: 'ledger documents', access: 'token', scope: 'tenant',
    summary: 'Delete a document: a revision with no data; the history stays in the log.',
    params: docParams, query: z.object({ expectedRevision: uint('expectedRevision').optional() }),
    responses: { 200: { description: 'The delete revision', schema: revisionView } },
    async handle({ deps, tenant, principal, params, query }) {
      const options = query.expectedRevision !== undefined ? { expectedRevision: query.expectedRevision } : {};
      return { status: 200, body: await ledgerOf(deps).documents.delete({ tenant, actor: principal.actor }, params.table, params.id, options) };
    },
  }),
  defineRoute({
    method: 'GET', path: '/api/v1/ledger/tables/{table}/documents/{id}/history', operationId: 'getLedgerDocumentHistory', tag: 'ledger documents', access: 'token', scope: 'tenant',
    summary: 'Every revision of a document, oldest first, read from the log.',
    params: docParams, query: cursorQuery,
    responses: { 200: { description: 'A page of revisions', schema: pageOf(revisionView) } },
    async handle({ deps, tenant, params, query }) {
      const after = query.cursor === undefined ? null : Number(query.cursor);
      if (after !== null && !Number.isSafeInteger(after)) throw invalidRequest(['cursor: pass back the nextCursor of the previous page unchanged']);
      const page = await ledgerOf(deps).documents.history(tenant, params.table, params.id, { after, limit: query.limit });
      return { status: 200, body: { items: page.items, nextCursor: page.next === null ? null : String(page.next) } };
    },
  }),
  defineRoute({
    method: 'GET', path: '/api/v1/ledger/tables/{table}/documents/{id}/proof', operationId: 'getLedgerDocumentProof', tag: 'ledger documents', access: 'token', scope: 'tenant',
    summary: 'Proof that a revision (default: the latest) is in the log at a signed checkpoint (default: the latest; `size`: a stored one).',
    params: docParams, query: z.object({ revision: uint('revision').optional(), size: uint('size').optional() }),
    responses: { 200: { description: 'The revision and a self-contained inclusion proof', schema: z.object({ revision: revisionView, proof: proofBundleView }) } },
    async handle({ deps, tenant, params, query }) {
      const options = { ...(query.revision !== undefined ? { revision: query.revision } : {}), ...(query.size !== undefined ? { size: query.size } : {}) };
      return { status: 200, body: await ledgerOf(deps).documents.proof(tenant, params.table, params.id, options) };
    },
  }),

  // ---- accounts and transfers
  defineRoute({
    method: 'GET', path: '/api/v1/ledger/accounts', operationId: 'listLedgerAccounts', tag: 'ledger accounts', access: 'token', scope: 'tenant',
    summary: 'The tenant\'s accounts with their balances.',
    query: cursorQuery,
    responses: { 200: { description: 'A page of accounts', schema: pageOf(accountView) } },
    async handle({ deps, tenant, query }) {
      const page = await ledgerOf(deps).accounts.list(tenant, pageIn(query));
      return { status: 200, body: pageOut(page) };
    },
  }),
  defineRoute({
    method: 'POST', path: '/api/v1/ledger/accounts', operationId: 'openLedgerAccount', tag: 'ledger accounts', access: 'token', scope: 'tenant',
    summary: 'Open an account; only accounts opened with allowOverdraft may go below zero.',
    body: z.object({ id: z.string({ error: 'expected a string' }), allowOverdraft: z.boolean().optional() }).strict(),
    responses: { 201: { description: 'The account', schema: accountView }, 409: { description: 'The account exists' } },
    async handle({ deps, tenant, principal, body }) {
      return { status: 201, body: await ledgerOf(deps).accounts.open({ tenant, actor: principal.actor }, body.id, body.allowOverdraft !== undefined ? { allowOverdraft: body.allowOverdraft } : {}) };
    },
  }),
  defineRoute({
    method: 'GET', path: '/api/v1/ledger/accounts/{id}', operationId: 'getLedgerAccount', tag: 'ledger accounts', access: 'token', scope: 'tenant',
    summary: 'An account and its balance in each currency (integer minor units as strings).',
    params: { id: accountParam },
    responses: { 200: { description: 'The account', schema: accountView } },
    async handle({ deps, tenant, params }) {
      const account = await ledgerOf(deps).accounts.get(tenant, params.id);
      if (!account) throw notFound(`Tenant "${tenant}" has no account "${params.id}".`, 'Open it with POST /api/v1/ledger/accounts.');
      return { status: 200, body: account };
    },
  }),
  defineRoute({
    method: 'POST', path: '/api/v1/ledger/transfers', operationId: 'createLedgerTransfer', tag: 'ledger accounts', access: 'token', scope: 'tenant',
    summary: 'Move an amount between two accounts, atomically and exactly once per idempotency key (body field or Idempotency-Key header); a retry gets the same answer with 200 and `Idempotent-Replayed: true`.',
    body: transferBody,
    responses: {
      201: { description: 'The transfer', schema: transferView },
      200: { description: 'The transfer made earlier under this idempotency key', schema: transferView },
      409: { description: 'Not enough funds (`insufficient-funds`)' },
    },
    async handle({ deps, tenant, principal, body, req }) {
      const header = req.headers['idempotency-key'];
      const fromHeader = Array.isArray(header) ? header[0] : header;
      if (fromHeader !== undefined && body.idempotencyKey !== undefined && fromHeader !== body.idempotencyKey) {
        throw invalidRequest(['idempotencyKey: the body and the Idempotency-Key header name different keys']);
      }
      const idempotencyKey = body.idempotencyKey ?? fromHeader;
      if (idempotencyKey === undefined) throw invalidRequest(['idempotencyKey: required (in the body or as the Idempotency-Key header), so that a retry cannot transfer twice']);
      const result = await ledgerOf(deps).accounts.transfer({ tenant, actor: principal.actor }, { ...body, idempotencyKey });
      const headers: Record<string, string> = result.replayed ? { 'idempotent-replayed': 'true' } : {};
      return { status: result.replayed ? 200 : 201, body: result, headers };
    },
  }),
  defineRoute({
    method: 'GET', path: '/api/v1/ledger/transfers/{idempotencyKey}', operationId: 'getLedgerTransfer', tag: 'ledger accounts', access: 'token', scope: 'tenant',
    summary: 'The transfer made under an idempotency key.',
    params: { idempotencyKey: keyParam },
    responses: { 200: { description: 'The transfer', schema: transferView } },
    async handle({ deps, tenant, params }) {
      const t = await ledgerOf(deps).accounts.getTransfer(tenant, params.idempotencyKey);
      if (!t) throw notFound(`No transfer was made under idempotency key "${params.idempotencyKey}".`, 'A refused transfer records nothing: its key is still free.');
      return { status: 200, body: t };
    },
  }),

  // ---- identities
  defineRoute({
    method: 'GET', path: '/api/v1/ledger/identities/{subject}', operationId: 'getLedgerIdentity', tag: 'ledger identities', access: 'token', scope: 'tenant',
    summary: 'An identity\'s current Ed25519 key (base64 and did:key) and every key it had, from the log.',
    params: { subject: subjectParam },
    responses: { 200: { description: 'The identity', schema: identityView } },
    async handle({ deps, tenant, params }) {
      const ledger = ledgerOf(deps);
      const identity = await ledger.identities.get(tenant, params.subject);
      if (!identity) throw new LedgerError('not-found', `tenant "${tenant}" has no identity "${params.subject}"`);
      return { status: 200, body: { ...identity, keys: await ledger.identities.history(tenant, params.subject) } };
    },
  }),
];
