// What the state modules (documents.ts, accounts.ts, identity.ts) need from the ledger service: the
// state to read, the locks, a way to append an entry and wait until the state reflects it, and
// proofs. The service (service.ts) implements it; tests can too.
import type { EntryInput } from './entry.ts';
import type { LoggedEntry } from './entry-log.ts';
import { LedgerError } from './errors.ts';
import type { KeyedMutex } from './mutex.ts';
import type { ProofBundle } from './proof-bundle.ts';
import type { StateStore } from './state.ts';

/** Who is acting: the tenant the operation is scoped to and the principal id recorded as the entry's actor. */
export interface Caller {
  readonly tenant: string;
  readonly actor: string;
}

export interface StateContext {
  readonly state: StateStore;
  readonly locks: KeyedMutex;
  /** Appends a state entry and resolves once it is durable and the state reflects it. */
  commit(input: EntryInput): Promise<LoggedEntry>;
  /** A logged entry, decoded. */
  entry(index: number): Promise<LoggedEntry>;
  /** An inclusion proof of entry `index` relative to a signed checkpoint (the latest, or the stored one of `size`). */
  prove(index: number, size?: number): Promise<ProofBundle>;
}

/** Tenants of state operations: 1–128 printable ASCII characters, no spaces (the control plane's ids qualify). */
const TENANT_RE = /^[\x21-\x7e]{1,128}$/;

export function invalidArg(message: string): never {
  throw new LedgerError('invalid', message);
}

export function checkCaller(caller: Caller): void {
  if (typeof caller !== 'object' || caller === null) invalidArg('a caller { tenant, actor } is required');
  if (typeof caller.tenant !== 'string' || !TENANT_RE.test(caller.tenant)) invalidArg('tenant must be 1 to 128 printable ASCII characters without spaces');
  if (typeof caller.actor !== 'string' || caller.actor.length === 0) invalidArg('actor must be a non-empty string');
}

export function checkTenant(tenant: string): void {
  if (typeof tenant !== 'string' || !TENANT_RE.test(tenant)) invalidArg('tenant must be 1 to 128 printable ASCII characters without spaces');
}

/** Checks a name against a pattern, with a message that says what the name must look like. */
export function checkName(value: unknown, what: string, re: RegExp, rule: string): string {
  if (typeof value !== 'string' || !re.test(value)) invalidArg(`${what} ${JSON.stringify(value) ?? String(value)} is not valid: ${rule}`);
  return value;
}

/** A plain JSON object (documents are objects, as in QLDB and Firestore). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function checkPage(after: unknown, limit: unknown, max = 1000): { limit: number } {
  if (limit !== undefined && (!Number.isSafeInteger(limit) || (limit as number) < 1 || (limit as number) > max)) invalidArg(`limit must be an integer from 1 to ${max}`);
  if (after !== undefined && after !== null && typeof after !== 'string' && typeof after !== 'number') invalidArg('after must be a string or a number');
  return { limit: (limit as number | undefined) ?? 100 };
}
