// Accounts and double-entry transfers.
//
// Entries (the tenant is the envelope's):
//   account.open      { account, allowOverdraft }
//   account.transfer  { from, to, amount, currency, idempotencyKey, memo, balances: { from, to } }
// Amounts and balances are integers of minor units (cents), written as decimal strings so that no
// JSON reader rounds them (they are BigInts in memory). A transfer debits `from` and credits `to` by
// the same amount, so the balances of each currency in a tenant always sum to zero; `balances` are
// the two accounts' balances in that currency after it, which the reducer recomputes and compares,
// so a replay of the log proves every balance it ever reported.
//
// Exactly once: an idempotency key (per tenant) names one transfer forever. Concurrent calls with
// one key are serialised on the key; the first decides and appends, the others find its record and
// return the same transfer, marked `replayed`. The same key with different parameters is refused
// ('idempotency-key-reused'). A refused transfer (unknown account, overdraft) records nothing: its
// key stays free, so the caller may retry once the cause is fixed.
//
// State rows: account (tenant, account) → {allowOverdraft, index, timestamp, actor};
// balance (tenant, account, currency) → {balance}; idem (tenant, key) → the transfer's parameters and index.
import { type Caller, type StateContext, checkCaller, checkName, checkPage, checkTenant, invalidArg, isPlainObject } from './context.ts';
import type { LoggedEntry } from './entry-log.ts';
import { LedgerError } from './errors.ts';
import type { JsonValue } from './jcs.ts';
import { KEY_SEPARATOR, type ReduceContext, type Reducer, type Working, corruptEntry, stateKey, statePrefix } from './state.ts';

export const ACCOUNT_ID_RE = /^[A-Za-z0-9_][A-Za-z0-9._:@-]{0,127}$/;
export const ACCOUNT_ID_RULE = '1 to 128 characters of letters, digits and "._:@-", starting with a letter, digit or "_"';
export const CURRENCY_RE = /^[A-Z][A-Z0-9]{2,11}$/;
export const CURRENCY_RULE = '3 to 12 characters of A-Z and 0-9, starting with a letter (e.g. an ISO 4217 code such as "EUR")';
export const IDEMPOTENCY_KEY_RE = /^[\x21-\x7e]{1,255}$/;
export const IDEMPOTENCY_KEY_RULE = '1 to 255 printable ASCII characters without spaces (e.g. a UUID)';
export const MAX_AMOUNT_DIGITS = 30;
export const MAX_MEMO_LENGTH = 256;

const AMOUNT_RE = new RegExp(`^[1-9][0-9]{0,${MAX_AMOUNT_DIGITS - 1}}$`);
const BALANCE_RE = /^(?:0|-?[1-9][0-9]*)$/;

export const ACCOUNT_OPEN = 'account.open';
export const ACCOUNT_TRANSFER = 'account.transfer';

export interface AccountInfo {
  readonly id: string;
  readonly allowOverdraft: boolean;
  /** Balance per currency, decimal strings of minor units; currencies never used are absent (zero). */
  readonly balances: Readonly<Record<string, string>>;
  readonly index: number;
  readonly timestamp: string;
  readonly actor: string;
}

export interface TransferRequest {
  readonly from: string;
  readonly to: string;
  /** Minor units: a decimal string (bigint-safe), a safe integer or a bigint; positive. */
  readonly amount: string | number | bigint;
  readonly currency: string;
  readonly idempotencyKey: string;
  readonly memo?: string | null;
}

export interface TransferResult {
  readonly index: number;
  readonly from: string;
  readonly to: string;
  readonly amount: string;
  readonly currency: string;
  readonly idempotencyKey: string;
  readonly memo: string | null;
  /** Both accounts' balances in `currency` right after this transfer. */
  readonly balances: { readonly from: string; readonly to: string };
  readonly timestamp: string;
  readonly actor: string;
  /** True when this call found the transfer already made under its idempotency key. */
  readonly replayed: boolean;
}

interface AccountRow { allowOverdraft: boolean; index: number; timestamp: string; actor: string }
interface IdemRow { index: number; from: string; to: string; amount: string; currency: string; memo: string | null }

const checkAccount = (id: unknown): string => checkName(id, 'account id', ACCOUNT_ID_RE, ACCOUNT_ID_RULE);
const checkCurrency = (c: unknown): string => checkName(c, 'currency', CURRENCY_RE, CURRENCY_RULE);
const checkIdempotencyKey = (k: unknown): string => checkName(k, 'idempotency key', IDEMPOTENCY_KEY_RE, IDEMPOTENCY_KEY_RULE);

/** Parses a positive amount of minor units; its canonical form is the decimal string of the result. */
export function parseAmount(value: unknown): bigint {
  const rule = `amount must be a positive integer of minor units (e.g. "1050" for 10.50) of at most ${MAX_AMOUNT_DIGITS} digits, preferably as a string`;
  if (typeof value === 'bigint') {
    if (value <= 0n || value.toString().length > MAX_AMOUNT_DIGITS) invalidArg(rule);
    return value;
  }
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value <= 0) invalidArg(`${rule}; numbers above 2^53 lose precision, so send those as strings`);
    return BigInt(value);
  }
  if (typeof value !== 'string' || !AMOUNT_RE.test(value)) invalidArg(rule);
  return BigInt(value);
}

function checkMemo(memo: unknown): string | null {
  if (memo === undefined || memo === null) return null;
  if (typeof memo !== 'string' || memo.length > MAX_MEMO_LENGTH || /\p{Cc}|\p{Cs}/u.test(memo)) invalidArg(`memo must be a string of at most ${MAX_MEMO_LENGTH} characters without control characters`);
  return memo;
}

function transferFrom(logged: LoggedEntry, replayed: boolean): TransferResult {
  const b = logged.entry.body as unknown as Omit<TransferResult, 'index' | 'timestamp' | 'actor' | 'replayed'>;
  return {
    index: logged.index, from: b.from, to: b.to, amount: b.amount, currency: b.currency, idempotencyKey: b.idempotencyKey, memo: b.memo,
    balances: { from: b.balances.from, to: b.balances.to }, timestamp: logged.entry.timestamp, actor: logged.entry.actor, replayed,
  };
}

async function balanceOf(state: { get(ns: string, key: string): Promise<JsonValue | null> }, tenant: string, account: string, currency: string): Promise<bigint> {
  const row = await state.get('balance', stateKey(tenant, account, currency)) as { balance: string } | null;
  return row ? BigInt(row.balance) : 0n;
}

export class Accounts {
  readonly #ctx: StateContext;

  constructor(ctx: StateContext) {
    this.#ctx = ctx;
  }

  /** Opens an account; LedgerError 'exists' if the tenant has one with this id. */
  async open(caller: Caller, id: string, options: { allowOverdraft?: boolean } = {}): Promise<AccountInfo> {
    checkCaller(caller);
    checkAccount(id);
    const allowOverdraft = options.allowOverdraft ?? false;
    if (typeof allowOverdraft !== 'boolean') invalidArg('allowOverdraft must be a boolean');
    const key = stateKey(caller.tenant, id);
    return this.#ctx.locks.run([`account${KEY_SEPARATOR}${key}`], async () => {
      if (await this.#ctx.state.get('account', key)) throw new LedgerError('exists', `tenant "${caller.tenant}" already has an account "${id}"`);
      const logged = await this.#ctx.commit({ type: ACCOUNT_OPEN, tenant: caller.tenant, actor: caller.actor, body: { account: id, allowOverdraft } });
      return { id, allowOverdraft, balances: {}, index: logged.index, timestamp: logged.entry.timestamp, actor: logged.entry.actor };
    });
  }

  /** An account with its balances, or null. */
  async get(tenant: string, id: string): Promise<AccountInfo | null> {
    checkTenant(tenant);
    checkAccount(id);
    const row = await this.#ctx.state.get('account', stateKey(tenant, id)) as AccountRow | null;
    if (!row) return null;
    const balances: Record<string, string> = {};
    const prefix = statePrefix(tenant, id);
    for (let after: string | null = null; ;) {
      const rows = await this.#ctx.state.list('balance', prefix, after, 500);
      for (const r of rows) balances[r.key.slice(prefix.length)] = (r.value as { balance: string }).balance;
      if (rows.length < 500) break;
      after = (rows[rows.length - 1] as { key: string }).key;
    }
    return { id, allowOverdraft: row.allowOverdraft, balances, index: row.index, timestamp: row.timestamp, actor: row.actor };
  }

  async list(tenant: string, page: { after?: string | null; limit?: number } = {}): Promise<{ items: AccountInfo[]; next: string | null }> {
    checkTenant(tenant);
    const { limit } = checkPage(page.after, page.limit);
    const prefix = statePrefix(tenant);
    const rows = await this.#ctx.state.list('account', prefix, page.after ? stateKey(tenant, page.after) : null, limit + 1);
    const items = await Promise.all(rows.slice(0, limit).map(async (r) => this.get(tenant, r.key.slice(prefix.length)) as Promise<AccountInfo>));
    return { items, next: rows.length > limit ? (items[items.length - 1]?.id ?? null) : null };
  }

  /**
   * Moves `amount` of `currency` from one account to the other, atomically and exactly once per
   * idempotency key. Refuses (and records nothing) when an account does not exist or `from` would go
   * below zero without allowing overdraft.
   */
  async transfer(caller: Caller, request: TransferRequest): Promise<TransferResult> {
    checkCaller(caller);
    if (!isPlainObject(request)) invalidArg('a transfer is { from, to, amount, currency, idempotencyKey, memo? }');
    const from = checkAccount(request.from);
    const to = checkAccount(request.to);
    if (from === to) invalidArg('a transfer needs two different accounts');
    const amount = parseAmount(request.amount);
    const currency = checkCurrency(request.currency);
    const idempotencyKey = checkIdempotencyKey(request.idempotencyKey);
    const memo = checkMemo(request.memo);
    const { tenant } = caller;
    const idemKey = stateKey(tenant, idempotencyKey);
    return this.#ctx.locks.run([`idem${KEY_SEPARATOR}${idemKey}`], async () => {
      const done = await this.#ctx.state.get('idem', idemKey) as IdemRow | null;
      if (done) {
        if (done.from !== from || done.to !== to || done.amount !== amount.toString() || done.currency !== currency || done.memo !== memo) {
          throw new LedgerError('idempotency-key-reused', `idempotency key "${idempotencyKey}" was used for a different transfer (entry ${done.index}: ${done.amount} ${done.currency} from "${done.from}" to "${done.to}")`);
        }
        return transferFrom(await this.#ctx.entry(done.index), true);
      }
      const accountKeys = [from, to].map((a) => `account${KEY_SEPARATOR}${stateKey(tenant, a)}`);
      return this.#ctx.locks.run(accountKeys, async () => {
        const fromRow = await this.#ctx.state.get('account', stateKey(tenant, from)) as AccountRow | null;
        if (!fromRow) throw new LedgerError('not-found', `tenant "${tenant}" has no account "${from}"`);
        if (!(await this.#ctx.state.get('account', stateKey(tenant, to)))) throw new LedgerError('not-found', `tenant "${tenant}" has no account "${to}"`);
        const fromBalance = await balanceOf(this.#ctx.state, tenant, from, currency) - amount;
        const toBalance = await balanceOf(this.#ctx.state, tenant, to, currency) + amount;
        if (fromBalance < 0n && !fromRow.allowOverdraft) {
          throw new LedgerError('insufficient-funds', `account "${from}" holds ${fromBalance + amount} ${currency}, less than ${amount}, and does not allow overdraft`);
        }
        const body = {
          from, to, amount: amount.toString(), currency, idempotencyKey, memo,
          balances: { from: fromBalance.toString(), to: toBalance.toString() },
        };
        return transferFrom(await this.#ctx.commit({ type: ACCOUNT_TRANSFER, tenant, actor: caller.actor, body }), false);
      });
    });
  }

  /** The transfer made under an idempotency key, or null. */
  async getTransfer(tenant: string, idempotencyKey: string): Promise<TransferResult | null> {
    checkTenant(tenant);
    checkIdempotencyKey(idempotencyKey);
    const done = await this.#ctx.state.get('idem', stateKey(tenant, idempotencyKey)) as IdemRow | null;
    return done ? transferFrom(await this.#ctx.entry(done.index), true) : null;
  }
}

async function reduceOpen({ index, entry, state }: ReduceContext): Promise<void> {
  const b = entry.body as Record<string, unknown>;
  if (!isPlainObject(b) || Object.keys(b).sort().join(',') !== 'account,allowOverdraft' || typeof b.allowOverdraft !== 'boolean') {
    throw corruptEntry(index, entry, 'the body is not { account, allowOverdraft: boolean }');
  }
  checkTenant(entry.tenant);
  const id = checkAccount(b.account);
  const key = stateKey(entry.tenant, id);
  const existing = await state.get('account', key) as AccountRow | null;
  if (existing) throw corruptEntry(index, entry, `account "${id}" of tenant "${entry.tenant}" was already opened by entry ${existing.index}`);
  state.put('account', key, { allowOverdraft: b.allowOverdraft, index, timestamp: entry.timestamp, actor: entry.actor });
}

const TRANSFER_KEYS = 'amount,balances,currency,from,idempotencyKey,memo,to';

async function reduceTransfer({ index, entry, state }: ReduceContext): Promise<void> {
  const b = entry.body as Record<string, unknown>;
  const fail = (message: string): never => { throw corruptEntry(index, entry, message); };
  if (!isPlainObject(b) || Object.keys(b).sort().join(',') !== TRANSFER_KEYS) fail(`the body is not { ${TRANSFER_KEYS.split(',').join(', ')} }`);
  checkTenant(entry.tenant);
  const tenant = entry.tenant;
  const from = checkAccount(b.from);
  const to = checkAccount(b.to);
  if (from === to) fail(`a transfer from account "${from}" to itself`);
  if (typeof b.amount !== 'string' || !AMOUNT_RE.test(b.amount)) fail(`amount ${JSON.stringify(b.amount)} is not a positive integer string`);
  const amount = BigInt(b.amount as string);
  const currency = checkCurrency(b.currency);
  const key = checkIdempotencyKey(b.idempotencyKey);
  const memo = checkMemo(b.memo);
  const balances = b.balances as Record<string, unknown>;
  if (!isPlainObject(balances) || Object.keys(balances).sort().join(',') !== 'from,to' || !Object.values(balances).every((v) => typeof v === 'string' && BALANCE_RE.test(v))) {
    fail('balances is not { from, to } as integer strings');
  }
  const fromRow = await state.get('account', stateKey(tenant, from)) as AccountRow | null;
  if (!fromRow) fail(`account "${from}" does not exist at this point of the log`);
  if (!(await state.get('account', stateKey(tenant, to)))) fail(`account "${to}" does not exist at this point of the log`);
  const idemKey = stateKey(tenant, key);
  const earlier = await state.get('idem', idemKey) as IdemRow | null;
  if (earlier) fail(`idempotency key "${key}" was already used by entry ${earlier.index}`);
  const fromBalance = await balanceOf(state, tenant, from, currency) - amount;
  const toBalance = await balanceOf(state, tenant, to, currency) + amount;
  if (fromBalance < 0n && !(fromRow as AccountRow).allowOverdraft) fail(`account "${from}" goes to ${fromBalance} ${currency} but does not allow overdraft`);
  if (balances.from !== fromBalance.toString()) fail(`the log says account "${from}" holds ${String(balances.from)} ${currency} after this transfer; replaying the log gives ${fromBalance}`);
  if (balances.to !== toBalance.toString()) fail(`the log says account "${to}" holds ${String(balances.to)} ${currency} after this transfer; replaying the log gives ${toBalance}`);
  putBalance(state, tenant, from, currency, fromBalance);
  putBalance(state, tenant, to, currency, toBalance);
  state.put('idem', idemKey, { index, from, to, amount: amount.toString(), currency, memo });
}

function putBalance(state: Working, tenant: string, account: string, currency: string, balance: bigint): void {
  state.put('balance', stateKey(tenant, account, currency), { balance: balance.toString() });
}

export const accountReducers: ReadonlyMap<string, Reducer> = new Map([[ACCOUNT_OPEN, reduceOpen], [ACCOUNT_TRANSFER, reduceTransfer]]);
