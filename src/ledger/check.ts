// End-to-end verification of a stored ledger: the core of `cairn ledger verify`, run on the data
// itself (like fsck) with nothing but the log's public key.
//
//   1. log          every entry decoded (canonical form) and its actor signature checked; every leaf
//                   re-hashed and every interior node recomputed and compared (auditStore); every
//                   stored checkpoint's signature and root checked against the recomputed tree
//   2. checkpoints  a consistency proof between each pair of consecutive stored checkpoints, built
//                   from the store and verified against the two signed roots
//   3. trusted      optionally, a checkpoint the auditor kept from earlier: the log must still hold
//                   that exact tree (same root at that size), so it was neither truncated nor rewritten
//   4. state        the documents, balances and identities rebuilt from the log alone (every
//                   reducer invariant re-checked: revision chains, no overdraft, one transfer per
//                   idempotency key, signed key rotations) and compared row by row with the stored view
//   5. balances     per tenant and currency, the balances sum to zero (double entry)
//
// It stops at the first discrepancy and names it: the entry index, the node level/index, the
// checkpoint size or the state row, with what was stored and what was recomputed.
import { toBase64 } from './bytes.ts';
import { openCheckpoint } from './checkpoint.ts';
import { auditStore } from './audit.ts';
import { decodeEntry, verifyEntrySignature } from './entry.ts';
import { LedgerError } from './errors.ts';
import type { NoteVerifier } from './note.ts';
import { consistencyProof, rootHash } from './proof.ts';
import { STATE_REDUCERS } from './service.ts';
import { KEY_SEPARATOR, MemoryStateStore, StateApplier, type StateRow, type StateStore, compareKeys, sameValue } from './state.ts';
import type { LedgerStore } from './store.ts';
import { verifyConsistency } from './verify.ts';
import { bytesEqual } from './bytes.ts';

export type CheckStage = 'log' | 'checkpoints' | 'trusted-checkpoint' | 'state' | 'balances';

export interface CheckOptions {
  readonly store: LedgerStore;
  /** The stored state to compare with the one rebuilt from the log; without it the log is still replayed and its invariants checked. */
  readonly state?: StateStore;
  /** The log's keys: checkpoints are checked only with them. */
  readonly verifiers?: readonly NoteVerifier[];
  readonly origin?: string;
  /** A signed checkpoint kept from earlier: the log must still contain exactly that tree. */
  readonly trustedCheckpoint?: string;
  readonly chunkSize?: number;
  readonly onProgress?: (stage: CheckStage, done: number, total: number) => void;
}

export interface CheckProblem {
  readonly stage: CheckStage;
  readonly message: string;
}

export interface CheckReport {
  readonly ok: boolean;
  readonly size: number;
  readonly rootHash: string | null;
  readonly entriesChecked: number;
  readonly actorSignaturesChecked: number;
  readonly nodesChecked: number;
  readonly checkpointsChecked: number;
  readonly consistencyProofsChecked: number;
  readonly trustedCheckpointSize: number | null;
  readonly stateApplied: number | null;
  readonly stateRowsCompared: number;
  readonly problem: CheckProblem | null;
  readonly warnings: string[];
}

const prettyKey = (row: { ns: string; key: string }): string => `${row.ns} ${row.key.split(KEY_SEPARATOR).join('/')}`;

class Failed extends Error {
  constructor(readonly stage: CheckStage, message: string) {
    super(message);
  }
}

export async function checkLedger(options: CheckOptions): Promise<CheckReport> {
  const { store } = options;
  const verifiers = options.verifiers ?? [];
  const warnings: string[] = [];
  const progress = options.onProgress ?? (() => undefined);
  let size = 0;
  let root: Uint8Array | null = null;
  let entriesChecked = 0;
  let actorSignaturesChecked = 0;
  let nodesChecked = 0;
  let checkpointsChecked = 0;
  let consistencyProofsChecked = 0;
  let trustedCheckpointSize: number | null = null;
  let stateApplied: number | null = null;
  let stateRowsCompared = 0;
  let problem: CheckProblem | null = null;

  const stage = async <T>(name: CheckStage, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof Failed) throw err;
      throw new Failed(name, (err as Error).message);
    }
  };

  try {
    // 1. The log.
    const audit = await stage('log', () => auditStore(store, {
      ...(options.chunkSize ? { chunkSize: options.chunkSize } : {}),
      ...(verifiers.length > 0 ? { verifiers } : {}),
      ...(options.origin !== undefined ? { origin: options.origin } : {}),
      checkEntry: (leaf) => {
        const entry = decodeEntry(leaf);
        if (entry.signature) {
          if (!verifyEntrySignature(entry)) throw new LedgerError('bad-signature', `the actor signature by ${entry.signature.publicKey} does not verify`);
          actorSignaturesChecked++;
        }
        entriesChecked++;
      },
      onProgress: (done, total) => progress('log', done, total),
    }));
    size = audit.size;
    root = audit.rootHash;
    nodesChecked = audit.nodesChecked;
    checkpointsChecked = audit.checkpointsChecked;
    if (verifiers.length === 0) warnings.push('no verifier key given: stored checkpoints were not checked');

    // 2. Consistency between consecutive checkpoints.
    if (verifiers.length > 0) {
      await stage('checkpoints', async () => {
        let previous: { size: number; root: Uint8Array } | null = null;
        for (let after = -1; ;) {
          const page = await store.listCheckpoints(after, 1000);
          if (page.length === 0) break;
          for (const stored of page) {
            const cp = openCheckpoint(stored.note, verifiers, options.origin);
            if (previous) {
              const proof = await consistencyProof(store, previous.size, cp.size);
              if (!verifyConsistency(previous.size, cp.size, previous.root, cp.rootHash, proof)) {
                throw new Failed('checkpoints', `the checkpoints at tree sizes ${previous.size} and ${cp.size} are not consistent: the log was rewritten between them`);
              }
              consistencyProofsChecked++;
            }
            previous = { size: cp.size, root: cp.rootHash };
          }
          after = page[page.length - 1]?.size ?? after;
        }
      });
    }

    // 3. A checkpoint the auditor trusts from before.
    if (options.trustedCheckpoint !== undefined) {
      await stage('trusted-checkpoint', async () => {
        if (verifiers.length === 0) throw new Failed('trusted-checkpoint', 'a trusted checkpoint can only be checked with the log\'s verifier key');
        const cp = openCheckpoint(options.trustedCheckpoint as string, verifiers, options.origin);
        if (cp.size > size) throw new Failed('trusted-checkpoint', `the trusted checkpoint is for tree size ${cp.size}, but the log holds only ${size} entries: it was truncated`);
        const at = await rootHash(store, cp.size);
        if (!bytesEqual(at, cp.rootHash)) throw new Failed('trusted-checkpoint', `the log's root at tree size ${cp.size} is ${toBase64(at)}, but the trusted checkpoint signs ${toBase64(cp.rootHash)}: the log was rewritten`);
        trustedCheckpointSize = cp.size;
      });
    }

    // 4. The state, rebuilt from the log and compared.
    await stage('state', async () => {
      const rebuilt = new MemoryStateStore();
      const applier = await StateApplier.open(rebuilt, { size: () => size, getEntries: (s, e) => store.getEntries(s, e) }, STATE_REDUCERS, options.chunkSize ? { chunk: options.chunkSize } : {});
      if (options.state) {
        const applied = await options.state.appliedSize();
        stateApplied = applied;
        if (applied > size) throw new Failed('state', `the stored state reflects ${applied} entries, but the log holds only ${size}`);
        await applier.applyThrough(applied);
        stateRowsCompared = await compareStates(options.state, rebuilt);
        if (applied < size) warnings.push(`the stored state reflects ${applied} of ${size} entries; the node applies the rest when it starts`);
      }
      await applier.applyThrough(size);
      progress('state', size, size);

      // 5. Double entry.
      await stage('balances', async () => {
        const sums = new Map<string, bigint>();
        for (let after: { ns: string; key: string } | null = null; ;) {
          const rows = await rebuilt.scan(after, 10_000);
          for (const r of rows) {
            if (r.ns !== 'balance') continue;
            const [tenant, , currency] = r.key.split(KEY_SEPARATOR);
            const k = `${tenant ?? ''} ${currency ?? ''}`;
            sums.set(k, (sums.get(k) ?? 0n) + BigInt((r.value as { balance: string }).balance));
          }
          if (rows.length < 10_000) break;
          after = rows[rows.length - 1] as StateRow;
        }
        for (const [k, sum] of sums) {
          const [tenant, currency] = k.split(' ');
          if (sum !== 0n) throw new Failed('balances', `the balances of tenant "${tenant}" in ${currency} sum to ${sum}, not 0`);
        }
      });
    });
  } catch (err) {
    if (!(err instanceof Failed)) throw err;
    problem = { stage: err.stage, message: err.message };
  }

  return {
    ok: problem === null, size, rootHash: root ? toBase64(root) : null, entriesChecked, actorSignaturesChecked, nodesChecked,
    checkpointsChecked, consistencyProofsChecked, trustedCheckpointSize, stateApplied, stateRowsCompared, problem, warnings,
  };
}

/** Compares two stores row by row in (ns, key) order; throws Failed at the first difference. Returns the rows compared. */
async function compareStates(stored: StateStore, rebuilt: StateStore): Promise<number> {
  const PAGE = 1000;
  let count = 0;
  let aRows: StateRow[] = [];
  let bRows: StateRow[] = [];
  let ai = 0;
  let bi = 0;
  let aAfter: StateRow | null = null;
  let bAfter: StateRow | null = null;
  let aDone = false;
  let bDone = false;
  for (;;) {
    if (ai === aRows.length && !aDone) {
      aRows = await stored.scan(aAfter, PAGE);
      ai = 0;
      aDone = aRows.length < PAGE;
      aAfter = aRows[aRows.length - 1] ?? aAfter;
    }
    if (bi === bRows.length && !bDone) {
      bRows = await rebuilt.scan(bAfter, PAGE);
      bi = 0;
      bDone = bRows.length < PAGE;
      bAfter = bRows[bRows.length - 1] ?? bAfter;
    }
    const a = aRows[ai];
    const b = bRows[bi];
    if (!a && !b) return count;
    const order = !a ? 1 : !b ? -1 : compareKeys(a.ns, b.ns) || compareKeys(a.key, b.key);
    if (order < 0) throw new Failed('state', `state row ${prettyKey(a as StateRow)} is stored, but replaying the log does not produce it (stored ${JSON.stringify((a as StateRow).value)})`);
    if (order > 0) throw new Failed('state', `state row ${prettyKey(b as StateRow)} is missing from the stored state (the log gives ${JSON.stringify((b as StateRow).value)})`);
    if (!sameValue((a as StateRow).value, (b as StateRow).value)) {
      throw new Failed('state', `state row ${prettyKey(a as StateRow)}: stored ${JSON.stringify((a as StateRow).value)}, but replaying the log gives ${JSON.stringify((b as StateRow).value)}`);
    }
    count++;
    ai++;
    bi++;
  }
}
