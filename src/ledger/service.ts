// The ledger as a service: one log (Ledger + EntryLog), its materialised state (StateStore, kept
// current by a StateApplier), and the operations on top — documents, accounts and transfers,
// identities, control-plane audit entries, checkpoints and proofs. The node opens one per data dir;
// the admin API and `env.LEDGER` call it (the latter through `call(caller, op, args)`, one JSON
// entry point per operation, scoped to the caller's tenant).
import { toBase64 } from './bytes.ts';
import { Accounts, accountReducers } from './accounts.ts';
import { type Caller, type StateContext, checkCaller, invalidArg, isPlainObject } from './context.ts';
import { Documents, documentReducers } from './documents.ts';
import type { EntryInput, EntrySignature } from './entry.ts';
import { EntryLog, type LoggedEntry } from './entry-log.ts';
import { LedgerError } from './errors.ts';
import { leafHash } from './hash.ts';
import { Identities, identityReducers } from './identity.ts';
import type { JsonValue } from './jcs.ts';
import { Ledger, type SignedCheckpoint } from './ledger.ts';
import { KeyedMutex } from './mutex.ts';
import { type NoteSigner, formatVerifierKey } from './note.ts';
import { PROOF_BUNDLE_FORMAT, type ProofBundle } from './proof-bundle.ts';
import { type Reducer, StateApplier, type StateStore, isStateType } from './state.ts';
import type { LedgerStore } from './store.ts';
import { isTreeSize } from './tree.ts';

/** Every state entry type and its reducer: what replaying the log runs. */
export const STATE_REDUCERS: ReadonlyMap<string, Reducer> = new Map([...documentReducers, ...accountReducers, ...identityReducers]);

/** Entry types only the platform writes: state entries and control-plane audit entries. */
export function isReservedType(type: string): boolean {
  return isStateType(type) || type.startsWith('control.') || type.startsWith('ledger.');
}

export interface LedgerServiceOptions {
  readonly store: LedgerStore;
  readonly state: StateStore;
  /** The log's identity, first line of its checkpoints; also the key name. */
  readonly origin: string;
  readonly signer: NoteSigner;
  /** Largest entry body, as canonical JSON. Default 64 KiB. */
  readonly maxBodyBytes?: number;
  readonly maxBatch?: number;
  readonly now?: () => Date;
}

export interface InclusionAnswer {
  readonly index: number;
  readonly size: number;
  readonly leafHash: string;
  readonly hashes: string[];
  /** The signed checkpoint of `size`, when the log signed one at that size. */
  readonly checkpoint: string | null;
}

export interface ConsistencyAnswer {
  readonly from: number;
  readonly to: number;
  readonly hashes: string[];
  /** The signed checkpoints of both sizes, when the log signed them. */
  readonly checkpoint: string | null;
  readonly fromCheckpoint: string | null;
}

export class LedgerService {
  readonly ledger: Ledger;
  readonly log: EntryLog;
  readonly documents: Documents;
  readonly accounts: Accounts;
  readonly identities: Identities;
  readonly origin: string;
  /** The log's verifier key in signed-note form: `<name>+<hex key ID>+<base64>`. */
  readonly verifierKey: string;
  readonly #state: StateStore;
  readonly #applier: StateApplier;
  #closed: Promise<void> | null = null;

  private constructor(ledger: Ledger, log: EntryLog, state: StateStore, applier: StateApplier, options: LedgerServiceOptions) {
    this.ledger = ledger;
    this.log = log;
    this.#state = state;
    this.#applier = applier;
    this.origin = options.origin;
    this.verifierKey = formatVerifierKey(options.signer.name, options.signer.publicKey);
    const locks = new KeyedMutex();
    const ctx: StateContext = {
      state,
      locks,
      commit: async (input: EntryInput) => {
        const logged = await log.append(input);
        await applier.applyThrough(logged.index + 1);
        return logged;
      },
      entry: (index) => log.get(index),
      prove: (index, size) => this.prove(index, size),
    };
    this.documents = new Documents(ctx);
    this.accounts = new Accounts(ctx);
    this.identities = new Identities(ctx);
  }

  /**
   * Opens the log and its state, and brings the state up to date with the log (after a crash it
   * may lag: entries are durable before the state reflects them). Owns both stores from here on.
   */
  static async open(options: LedgerServiceOptions): Promise<LedgerService> {
    if (options.signer.name !== options.origin) throw new LedgerError('invalid', `the log key's name ${JSON.stringify(options.signer.name)} must equal the origin ${JSON.stringify(options.origin)}`);
    const ledger = await Ledger.open(options.store, { origin: options.origin, signer: options.signer, ...(options.maxBatch ? { maxBatch: options.maxBatch } : {}) });
    try {
      const log = new EntryLog(ledger, { ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}), ...(options.now ? { now: options.now } : {}) });
      const applier = await StateApplier.open(options.state, { size: () => ledger.size, getEntries: (s, e) => ledger.getEntries(s, e) }, STATE_REDUCERS);
      if (applier.applied > ledger.size) {
        throw new LedgerError('corrupt', `the ledger state reflects ${applier.applied} entries, but the log holds only ${ledger.size}: it belongs to another log`);
      }
      await applier.applyThrough(ledger.size);
      return new LedgerService(ledger, log, options.state, applier, options);
    } catch (err) {
      await ledger.close().catch(() => undefined);
      await options.state.close().catch(() => undefined);
      throw err;
    }
  }

  /** Durable entries. */
  get size(): number {
    return this.ledger.size;
  }

  /** Entries the state reflects. */
  get applied(): number {
    return this.#applier.applied;
  }

  get state(): StateStore {
    return this.#state;
  }

  /**
   * Appends an entry of the caller's own type. State types (doc., account., identity.) and the
   * platform's (control., ledger.) are refused: they have their own operations.
   */
  async append(caller: Caller, input: { type: string; body: JsonValue; signature?: EntrySignature }): Promise<LoggedEntry> {
    checkCaller(caller);
    if (!isPlainObject(input)) invalidArg('an entry is { type, body, signature? }');
    if (typeof input.type === 'string' && isReservedType(input.type)) {
      invalidArg(`entry type "${input.type}" is reserved: doc.*, account.* and identity.* are written by the documents, transfer and identity operations, control.* and ledger.* by the platform`);
    }
    return this.#appended(await this.log.append({ type: input.type, tenant: caller.tenant, actor: caller.actor, body: input.body, ...(input.signature !== undefined ? { signature: input.signature } : {}) }));
  }

  /** A control-plane audit entry (type `control.<action>`), durable when this resolves. */
  async audit(tenant: string, actor: string, action: string, body: JsonValue): Promise<LoggedEntry> {
    return this.#appended(await this.log.append({ type: `control.${action}`, tenant, actor, body }));
  }

  /**
   * Moves the state's watermark past an entry that changes no state, so that it trails the log only
   * after a crash (concurrent appends share one state commit, as they share a group commit).
   */
  async #appended(logged: LoggedEntry): Promise<LoggedEntry> {
    await this.#applier.applyThrough(logged.index + 1);
    return logged;
  }

  /** Signs (or returns the already signed) checkpoint of the current tree head. */
  checkpoint(): Promise<SignedCheckpoint> {
    return this.ledger.checkpoint();
  }

  /** The stored checkpoint note of exactly tree size `size`, or null. */
  async checkpointAt(size: number): Promise<string | null> {
    const [cp] = await this.ledger.store.listCheckpoints(size - 1, 1);
    return cp?.size === size ? cp.note : null;
  }

  async entry(index: number): Promise<LoggedEntry> {
    return this.log.get(index);
  }

  /** The inclusion proof of entry `index` in the tree of `size` (default: a fresh checkpoint's). */
  async inclusion(index: number, size?: number): Promise<InclusionAnswer> {
    const { size: s, note } = await this.#treeSize(size);
    const hashes = await this.ledger.inclusionProof(index, s);
    const leaf = await this.ledger.getEntry(index);
    return { index, size: s, leafHash: toBase64(leafHash(leaf)), hashes: hashes.map(toBase64), checkpoint: note };
  }

  /** The consistency proof from tree size `from` to `to` (default: a fresh checkpoint's). */
  async consistency(from: number, to?: number): Promise<ConsistencyAnswer> {
    const { size, note } = await this.#treeSize(to);
    const hashes = await this.ledger.consistencyProof(from, size);
    return { from, to: size, hashes: hashes.map(toBase64), checkpoint: note, fromCheckpoint: isTreeSize(from) ? await this.checkpointAt(from) : null };
  }

  /**
   * A self-contained, offline-checkable proof that entry `index` is in the log, relative to a
   * signed checkpoint: the latest (signed now if needed), or the one stored for tree size `size`.
   */
  async prove(index: number, size?: number): Promise<ProofBundle> {
    let note: string;
    let treeSize: number;
    if (size === undefined || size === this.size) {
      const cp = await this.checkpoint();
      note = cp.note;
      treeSize = cp.size;
    } else {
      if (!isTreeSize(size) || size > this.size) throw new LedgerError('out-of-range', `tree size ${String(size)} is beyond the log's ${this.size} entries`);
      const stored = await this.checkpointAt(size);
      if (stored === null) throw new LedgerError('not-found', `the log signed no checkpoint at tree size ${size}; omit the size to use the latest`);
      note = stored;
      treeSize = size;
    }
    if (!isTreeSize(index) || index >= treeSize) throw new LedgerError('out-of-range', `entry ${String(index)} is not in the tree of ${treeSize} entries`);
    const leaf = await this.ledger.getEntry(index);
    const hashes = await this.ledger.inclusionProof(index, treeSize);
    return {
      format: PROOF_BUNDLE_FORMAT, origin: this.origin, key: this.verifierKey, index, size: treeSize,
      leaf: toBase64(leaf), leafHash: toBase64(leafHash(leaf)), hashes: hashes.map(toBase64), checkpoint: note,
    };
  }

  /**
   * One JSON entry point per operation, for bindings (`env.LEDGER`): `op` names it, `args` is a
   * JSON object, the caller fixes tenant and actor. Unknown ops and unknown arguments are refused.
   */
  async call(caller: Caller, op: string, args: unknown = {}): Promise<JsonValue> {
    checkCaller(caller);
    const handler = OPERATIONS[op];
    if (!handler) invalidArg(`unknown ledger operation ${JSON.stringify(op)}; known: ${Object.keys(OPERATIONS).join(', ')}`);
    if (args === undefined || args === null) args = {};
    if (!isPlainObject(args)) invalidArg(`the arguments of ${op} must be a JSON object`);
    const allowed = new Set(handler.args);
    for (const k of Object.keys(args)) if (!allowed.has(k)) invalidArg(`${op} takes no argument ${JSON.stringify(k)} (it takes ${handler.args.join(', ') || 'none'})`);
    return (await handler.run(this, caller, args)) as JsonValue;
  }

  /** Applies what the log holds, then closes the log and the state. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      try {
        await this.#applier.applyThrough(this.ledger.size);
      } finally {
        await this.ledger.close();
        await this.#state.close();
      }
    })();
    return this.#closed;
  }

  async #treeSize(size: number | undefined): Promise<{ size: number; note: string | null }> {
    if (size === undefined) {
      const cp = await this.checkpoint();
      return { size: cp.size, note: cp.note };
    }
    if (!isTreeSize(size) || size > this.size) throw new LedgerError('out-of-range', `tree size ${String(size)} is beyond the log's ${this.size} entries`);
    return { size, note: await this.checkpointAt(size) };
  }
}

type Args = Record<string, unknown>;
interface Operation { args: string[]; run(s: LedgerService, c: Caller, a: Args): Promise<unknown> }

const str = (a: Args, k: string): string => a[k] as string;
const opt = <T>(a: Args, k: string): T | undefined => (a[k] === undefined || a[k] === null ? undefined : (a[k] as T));
const page = (a: Args): { after?: string | null; limit?: number } => ({ ...(a.after !== undefined ? { after: a.after as string } : {}), ...(a.limit !== undefined ? { limit: a.limit as number } : {}) });
const expected = (a: Args): { expectedRevision?: number } => (a.expectedRevision !== undefined ? { expectedRevision: a.expectedRevision as number } : {});

/** The operations `call` dispatches (and a binding exposes). */
const OPERATIONS: Record<string, Operation> = {
  append: {
    args: ['type', 'body', 'signature'],
    async run(s, c, a) {
      const logged = await s.append(c, { type: str(a, 'type'), body: a.body as JsonValue, ...(a.signature !== undefined ? { signature: a.signature as EntrySignature } : {}) });
      return { index: logged.index, timestamp: logged.entry.timestamp, leafHash: toBase64(leafHash(logged.leaf)) };
    },
  },
  checkpoint: { args: [], async run(s) { const cp = await s.checkpoint(); return { origin: cp.origin, size: cp.size, rootHash: toBase64(cp.rootHash), note: cp.note }; } },
  proof: { args: ['index', 'size'], run: (s, c, a) => proveOwn(s, c, a.index as number, opt<number>(a, 'size')) },
  'tables.create': { args: ['name'], run: (s, c, a) => s.documents.createTable(c, str(a, 'name')) },
  'tables.list': { args: ['after', 'limit'], run: (s, c, a) => s.documents.listTables(c.tenant, page(a)) },
  'documents.insert': { args: ['table', 'id', 'data', 'expectedRevision'], run: (s, c, a) => s.documents.insert(c, str(a, 'table'), opt<string>(a, 'id'), a.data as never, expected(a)) },
  'documents.update': { args: ['table', 'id', 'data', 'expectedRevision'], run: (s, c, a) => s.documents.update(c, str(a, 'table'), str(a, 'id'), a.data as never, expected(a)) },
  'documents.put': { args: ['table', 'id', 'data', 'expectedRevision'], run: (s, c, a) => s.documents.put(c, str(a, 'table'), str(a, 'id'), a.data as never, expected(a)) },
  'documents.delete': { args: ['table', 'id', 'expectedRevision'], run: (s, c, a) => s.documents.delete(c, str(a, 'table'), str(a, 'id'), expected(a)) },
  'documents.get': { args: ['table', 'id'], run: (s, c, a) => s.documents.get(c.tenant, str(a, 'table'), str(a, 'id')) },
  'documents.list': { args: ['table', 'after', 'limit'], run: (s, c, a) => s.documents.list(c.tenant, str(a, 'table'), page(a)) },
  'documents.history': { args: ['table', 'id', 'after', 'limit'], run: (s, c, a) => s.documents.history(c.tenant, str(a, 'table'), str(a, 'id'), page(a) as never) },
  'documents.proof': {
    args: ['table', 'id', 'revision', 'size'],
    run: (s, c, a) => s.documents.proof(c.tenant, str(a, 'table'), str(a, 'id'), { ...(a.revision !== undefined ? { revision: a.revision as number } : {}), ...(a.size !== undefined ? { size: a.size as number } : {}) }),
  },
  'accounts.open': { args: ['id', 'allowOverdraft'], run: (s, c, a) => s.accounts.open(c, str(a, 'id'), { ...(a.allowOverdraft !== undefined ? { allowOverdraft: a.allowOverdraft as boolean } : {}) }) },
  'accounts.get': { args: ['id'], run: (s, c, a) => s.accounts.get(c.tenant, str(a, 'id')) },
  'accounts.list': { args: ['after', 'limit'], run: (s, c, a) => s.accounts.list(c.tenant, page(a)) },
  transfer: { args: ['from', 'to', 'amount', 'currency', 'idempotencyKey', 'memo'], run: (s, c, a) => s.accounts.transfer(c, a as never) },
  'transfers.get': { args: ['idempotencyKey'], run: (s, c, a) => s.accounts.getTransfer(c.tenant, str(a, 'idempotencyKey')) },
  'identities.get': { args: ['subject'], run: (s, c, a) => s.identities.get(c.tenant, str(a, 'subject')) },
};

/** A proof for an entry of the caller's own tenant (entries of other tenants are not theirs to read). */
async function proveOwn(s: LedgerService, c: Caller, index: number, size: number | undefined): Promise<ProofBundle> {
  if (!isTreeSize(index) || index >= s.size) throw new LedgerError('out-of-range', `entry ${String(index)} is not in the log of ${s.size} entries`);
  const { entry } = await s.entry(index);
  if (entry.tenant !== c.tenant) throw new LedgerError('not-found', `entry ${index} does not belong to tenant "${c.tenant}"`);
  return s.prove(index, size);
}
