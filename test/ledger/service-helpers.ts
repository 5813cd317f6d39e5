// A LedgerService on memory stores, with its key, for the tests of documents, accounts, identities
// and verification.
import { MemoryLedgerStore } from '../../src/ledger/memory-store.ts';
import { MemoryStateStore, type StateStore } from '../../src/ledger/state.ts';
import { LedgerService } from '../../src/ledger/service.ts';
import { createEd25519Signer, parseVerifierKey, type NoteVerifier } from '../../src/ledger/note.ts';
import type { LedgerStore } from '../../src/ledger/store.ts';

export const ORIGIN = 'cairn.test/ledger';
export const SEED = new Uint8Array(32).fill(7);
export const signer = createEd25519Signer(ORIGIN, SEED);

export interface TestService {
  service: LedgerService;
  store: LedgerStore;
  state: StateStore;
  verifier: NoteVerifier;
}

export async function openService(stores: { store?: LedgerStore; state?: StateStore } = {}): Promise<TestService> {
  const store = stores.store ?? new MemoryLedgerStore();
  const state = stores.state ?? new MemoryStateStore();
  const service = await LedgerService.open({ store, state, origin: ORIGIN, signer });
  return { service, store, state, verifier: parseVerifierKey(service.verifierKey) };
}

export const alice = { tenant: 'acme', actor: 'user:alice' };
export const bob = { tenant: 'acme', actor: 'user:bob' };
export const other = { tenant: 'globex', actor: 'user:olga' };
