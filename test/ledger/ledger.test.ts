// The Ledger: group commit (batching, ordering, acknowledgement only after the store has the batch),
// failure handling, a second writer, reads, proofs and signed checkpoints, and the audit.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Ledger } from '../../src/ledger/ledger.ts';
import { MemoryLedgerStore } from '../../src/ledger/memory-store.ts';
import type { AppendBatch, LedgerStore, StoredCheckpoint } from '../../src/ledger/store.ts';
import type { NodeId } from '../../src/ledger/tree.ts';
import { isLedgerError, LedgerError } from '../../src/ledger/errors.ts';
import { leafHash } from '../../src/ledger/hash.ts';
import { verifyConsistency, verifyInclusion } from '../../src/ledger/verify.ts';
import { createEd25519Signer, formatVerifierKey, parseVerifierKey } from '../../src/ledger/note.ts';
import { openCheckpoint, signCheckpoint } from '../../src/ledger/checkpoint.ts';
import { auditStore } from '../../src/ledger/audit.ts';
import { entryOf, hex } from './helpers.ts';
import { mth } from './reference.ts';

/** A MemoryLedgerStore that records batches and can hold or fail the next append. */
class ProbeStore implements LedgerStore {
  readonly inner = new MemoryLedgerStore();
  readonly batches: number[] = [];
  #gate: Promise<void> | null = null;
  #entered: (() => void) | null = null;
  failNext: Error | null = null;

  /** Holds the next append until release() is called; resolves `entered` once it has begun. */
  hold(): { entered: Promise<void>; release: () => void } {
    let release!: () => void;
    this.#gate = new Promise((r) => { release = r; });
    const entered = new Promise<void>((r) => { this.#entered = r; });
    return { entered, release };
  }

  async append(batch: AppendBatch): Promise<void> {
    this.batches.push(batch.entries.length);
    const gate = this.#gate;
    this.#gate = null;
    this.#entered?.();
    this.#entered = null;
    if (gate) await gate;
    if (this.failNext) {
      const err = this.failNext;
      this.failNext = null;
      throw err;
    }
    await this.inner.append(batch);
  }

  size(): Promise<number> { return this.inner.size(); }
  getEntries(s: number, e: number): Promise<Uint8Array[]> { return this.inner.getEntries(s, e); }
  getNodes(ids: readonly NodeId[]): Promise<Uint8Array[]> { return this.inner.getNodes(ids); }
  putCheckpoint(cp: StoredCheckpoint): Promise<void> { return this.inner.putCheckpoint(cp); }
  latestCheckpoint(): Promise<StoredCheckpoint | null> { return this.inner.latestCheckpoint(); }
  listCheckpoints(a: number, l: number): Promise<StoredCheckpoint[]> { return this.inner.listCheckpoints(a, l); }
  close(): Promise<void> { return this.inner.close(); }
}

const ORIGIN = 'cairn.test/log';
const signer = createEd25519Signer(ORIGIN, Buffer.alloc(32, 1));
const verifier = parseVerifierKey(formatVerifierKey(ORIGIN, signer.publicKey));

describe('Ledger group commit', () => {
  it('gives concurrent appends consecutive indexes in call order, in few transactions', async () => {
    const store = new ProbeStore();
    const ledger = await Ledger.open(store);
    const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => ledger.append(entryOf(i))));
    assert.deepEqual(results.map((r) => r.index), Array.from({ length: 1000 }, (_, i) => i));
    assert.equal(store.batches.length, 1, `one burst, one transaction (got batches ${store.batches.join(',')})`);
    assert.equal(ledger.size, 1000);
    assert.equal(hex(await ledger.rootHash()), hex(mth(Array.from({ length: 1000 }, (_, i) => entryOf(i)))));
    assert.equal((await auditStore(store)).size, 1000);
    await ledger.close();
  });

  it('never writes more than maxBatch entries at once', async () => {
    const store = new ProbeStore();
    const ledger = await Ledger.open(store, { maxBatch: 64 });
    await Promise.all(Array.from({ length: 1000 }, (_, i) => ledger.append(entryOf(i))));
    assert.ok(store.batches.every((n) => n <= 64));
    assert.equal(store.batches.reduce((a, b) => a + b, 0), 1000);
    assert.equal(store.batches.length, Math.ceil(1000 / 64));
    await ledger.close();
  });

  it('acknowledges only after the store has written the batch, and queues what arrives meanwhile as the next batch', async () => {
    const store = new ProbeStore();
    const ledger = await Ledger.open(store);
    const { entered, release } = store.hold();
    let settled = false;
    const first = ledger.append(entryOf(0)).then((r) => { settled = true; return r; });
    await entered; // the store is inside append() for the first batch
    const more = [1, 2, 3].map((i) => ledger.append(entryOf(i)));
    await Promise.resolve();
    assert.equal(settled, false, 'acknowledged before the store finished writing');
    assert.equal(ledger.size, 0);
    assert.deepEqual(store.batches, [1]);
    release();
    assert.deepEqual(await first, { index: 0 });
    assert.deepEqual((await Promise.all(more)).map((r) => r.index), [1, 2, 3]);
    assert.deepEqual(store.batches, [1, 3]);
    await ledger.close();
  });

  it('rejects every append of a failed batch, then recovers with the right indexes', async () => {
    const store = new ProbeStore();
    const ledger = await Ledger.open(store);
    await ledger.append(entryOf(0));
    store.failNext = new Error('disk on fire');
    const failed = await Promise.allSettled([1, 2, 3].map((i) => ledger.append(entryOf(i))));
    assert.ok(failed.every((r) => r.status === 'rejected' && (r.reason as Error).message === 'disk on fire'));
    assert.equal(ledger.size, 1);
    assert.deepEqual(await ledger.append(entryOf(4)), { index: 1 });
    assert.equal(hex(await ledger.rootHash()), hex(mth([entryOf(0), entryOf(4)])));
    await auditStore(store);
    await ledger.close();
  });

  it('retries after another writer extended the log first, without losing or reordering anything', async () => {
    const store = new MemoryLedgerStore();
    const a = await Ledger.open(store);
    const b = await Ledger.open(store);
    await a.append(entryOf(0));
    await a.append(entryOf(1));
    // b still believes the log is empty: its batch conflicts, it reloads the right edge and retries.
    assert.deepEqual(await b.append(entryOf(2)), { index: 2 });
    assert.deepEqual(await a.append(entryOf(3)), { index: 3 });
    assert.equal(hex(await a.rootHash()), hex(mth([0, 1, 2, 3].map(entryOf))));
    assert.equal((await auditStore(store)).size, 4);
  });

  it('drains queued appends on close, then refuses more', async () => {
    const store = new ProbeStore();
    const ledger = await Ledger.open(store);
    const pending = [0, 1, 2].map((i) => ledger.append(entryOf(i)));
    await ledger.close();
    assert.deepEqual((await Promise.all(pending)).map((r) => r.index), [0, 1, 2]);
    await assert.rejects(ledger.append(entryOf(3)), (e) => isLedgerError(e, 'closed'));
    await assert.rejects(store.size(), (e) => isLedgerError(e, 'closed'));
  });

  it('refuses entries that are not bytes or too large, and copies the ones it takes', async () => {
    const ledger = await Ledger.open(new MemoryLedgerStore(), { maxEntryBytes: 8 });
    await assert.rejects(ledger.append('text' as never), (e) => isLedgerError(e, 'invalid'));
    await assert.rejects(ledger.append(new Uint8Array(9)), (e) => isLedgerError(e, 'too-large'));
    const buf = Uint8Array.of(1, 2, 3);
    const p = ledger.append(buf);
    buf.fill(9); // before the batch is written
    await p;
    assert.deepEqual([...await ledger.getEntry(0)], [1, 2, 3]);
    await ledger.close();
  });

  it('resumes an existing log where it left off', async () => {
    const store = new MemoryLedgerStore();
    const first = await Ledger.open(store);
    for (let i = 0; i < 13; i++) await first.append(entryOf(i));
    const again = await Ledger.open(store);
    assert.equal(again.size, 13);
    assert.equal(hex(await again.rootHash()), hex(await first.rootHash()));
    assert.deepEqual(await again.append(entryOf(13)), { index: 13 });
    assert.equal(hex(await again.rootHash()), hex(mth(Array.from({ length: 14 }, (_, i) => entryOf(i)))));
  });
});

describe('Ledger reads, proofs and checkpoints', () => {
  async function filled(n: number): Promise<Ledger> {
    const ledger = await Ledger.open(new MemoryLedgerStore(), { origin: ORIGIN, signer });
    await Promise.all(Array.from({ length: n }, (_, i) => ledger.append(entryOf(i))));
    return ledger;
  }

  it('serves entries, historical roots and proofs that verify, and refuses ranges beyond the log', async () => {
    const ledger = await filled(50);
    assert.deepEqual((await ledger.getEntries(10, 13)).map(hex), [10, 11, 12].map((i) => hex(entryOf(i))));
    assert.deepEqual(await ledger.getEntries(50, 50), []);
    const root30 = await ledger.rootHash(30);
    assert.equal(hex(root30), hex(mth(Array.from({ length: 30 }, (_, i) => entryOf(i)))));
    assert.ok(verifyInclusion(leafHash(entryOf(7)), 7, 30, await ledger.inclusionProof(7, 30), root30));
    assert.ok(verifyInclusion(leafHash(entryOf(49)), 49, 50, await ledger.inclusionProof(49), await ledger.rootHash()));
    assert.ok(verifyConsistency(30, 50, root30, await ledger.rootHash(), await ledger.consistencyProof(30)));
    const outside = (e: unknown): boolean => isLedgerError(e, 'out-of-range');
    await assert.rejects(ledger.getEntry(50), outside);
    await assert.rejects(ledger.getEntry(-1), outside);
    await assert.rejects(ledger.getEntries(40, 51), outside);
    await assert.rejects(ledger.rootHash(51), outside);
    await assert.rejects(ledger.inclusionProof(50, 50), outside);
    await assert.rejects(ledger.inclusionProof(3, 51), outside);
    await assert.rejects(ledger.consistencyProof(31, 30), outside);
    await assert.rejects(ledger.consistencyProof(3, 51), outside);
    await ledger.close();
  });

  it('signs checkpoints that a verifier opens, records them, and proves consistency between them', async () => {
    const ledger = await filled(20);
    const cp20 = await ledger.checkpoint();
    assert.equal(cp20.note, signCheckpoint({ origin: ORIGIN, size: 20, rootHash: await ledger.rootHash() }, [signer]));
    const opened = openCheckpoint(cp20.note, [verifier], ORIGIN);
    assert.equal(opened.size, 20);
    assert.equal(hex(opened.rootHash), hex(await ledger.rootHash()));
    assert.equal(await ledger.checkpoint(), cp20, 'unchanged tree, same checkpoint');
    for (let i = 20; i < 33; i++) await ledger.append(entryOf(i));
    const cp33 = await ledger.checkpoint();
    assert.ok(verifyConsistency(20, 33, cp20.rootHash, cp33.rootHash, await ledger.consistencyProof(20, 33)));
    assert.ok(verifyInclusion(leafHash(entryOf(5)), 5, 33, await ledger.inclusionProof(5, 33), openCheckpoint(cp33.note, [verifier]).rootHash));
    assert.deepEqual((await ledger.store.listCheckpoints(-1, 10)).map((c) => c.size), [20, 33]);
    assert.equal(hex(openCheckpoint((await ledger.store.latestCheckpoint())?.note ?? '', [verifier]).rootHash), hex(cp33.rootHash));
    const report = await auditStore(ledger.store, { verifiers: [verifier], origin: ORIGIN });
    assert.equal(report.checkpointsChecked, 2);
    await ledger.close();
  });

  it('signs the empty tree too', async () => {
    const ledger = await filled(0);
    const cp = await ledger.checkpoint();
    assert.equal(cp.note.split('\n').slice(0, 3).join('\n'), `${ORIGIN}\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=`);
    await ledger.close();
  });

  it('needs an origin and a signer to sign', async () => {
    const ledger = await Ledger.open(new MemoryLedgerStore());
    await assert.rejects(ledger.checkpoint(), (e) => isLedgerError(e, 'invalid'));
    await assert.rejects(Ledger.open(new MemoryLedgerStore(), { origin: ORIGIN }), RangeError);
  });
});

describe('auditStore', () => {
  async function audited(): Promise<{ store: MemoryLedgerStore; ledger: Ledger }> {
    const store = new MemoryLedgerStore();
    const ledger = await Ledger.open(store, { origin: ORIGIN, signer });
    for (let i = 0; i < 40; i++) await ledger.append(entryOf(i));
    await ledger.checkpoint();
    return { store, ledger };
  }
  const corrupt = (pattern: RegExp) => (e: unknown): boolean => isLedgerError(e, 'corrupt') && pattern.test((e as Error).message);

  it('passes on an intact log', async () => {
    const { store } = await audited();
    const report = await auditStore(store, { verifiers: [verifier], origin: ORIGIN, chunkSize: 16 });
    assert.equal(report.size, 40);
    assert.equal(report.checkpointsChecked, 1);
  });

  it('names a tampered entry', async () => {
    const { store } = await audited();
    store.tamperEntry(17, Buffer.from('rewritten history'));
    await assert.rejects(auditStore(store), corrupt(/leaf hash of entry 17: stored [0-9a-f]{64}, recomputed/));
  });

  it('names a tampered interior node', async () => {
    const { store } = await audited();
    store.tamperNode({ level: 3, index: 2 }, leafHash(Buffer.from('x')));
    await assert.rejects(auditStore(store, { chunkSize: 5 }), corrupt(/node 3\/2: stored/));
  });

  it('names a checkpoint that signs another root, one under a key it does not know, and one beyond the log', async () => {
    const { store, ledger } = await audited();
    await store.putCheckpoint({ size: 10, note: signCheckpoint({ origin: ORIGIN, size: 10, rootHash: await ledger.rootHash(11) }, [signer]) });
    await assert.rejects(auditStore(store, { verifiers: [verifier] }), corrupt(/checkpoint at tree size 10 signs root [0-9a-f]{64}, but the log's root at that size is/));

    const other = await audited();
    const stranger = createEd25519Signer(ORIGIN, Buffer.alloc(32, 2));
    await other.store.putCheckpoint({ size: 12, note: signCheckpoint({ origin: ORIGIN, size: 12, rootHash: await other.ledger.rootHash(12) }, [stranger]) });
    await assert.rejects(auditStore(other.store, { verifiers: [verifier] }), corrupt(/checkpoint at tree size 12: the note has no signature from a known key/));

    const third = await audited();
    await third.store.putCheckpoint({ size: 41, note: 'whatever\n' });
    await assert.rejects(auditStore(third.store, { verifiers: [verifier] }), corrupt(/checkpoint at tree size 41 is beyond/));
  });

  it('reports a failing per-entry check at its index', async () => {
    const { store } = await audited();
    const check = (_leaf: Uint8Array, index: number): void => {
      if (index === 23) throw new LedgerError('invalid', 'not an envelope');
    };
    await assert.rejects(auditStore(store, { checkEntry: check }), corrupt(/^entry 23: not an envelope$/));
  });
});
