import { runLedgerStoreContract } from './store-contract.ts';
import { MemoryLedgerStore } from '../../src/ledger/memory-store.ts';

runLedgerStoreContract('memory', async () => new MemoryLedgerStore());
