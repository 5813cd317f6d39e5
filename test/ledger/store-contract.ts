// The LedgerStore contract, run against every implementation (memory here, SQLite in
// test/storage/sqlite-ledger.test.ts): what the Ledger and the proofs rely on.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EMPTY_FRONTIER, extendFrontier } from '../../src/ledger/compact.ts';
import { isLedgerError } from '../../src/ledger/errors.ts';
import { leafHash } from '../../src/ledger/hash.ts';
import { auditStore } from '../../src/ledger/audit.ts';
import { inclusionProof, rootHash } from '../../src/ledger/proof.ts';
import type { AppendBatch, LedgerStore } from '../../src/ledger/store.ts';
import { verifyInclusion } from '../../src/ledger/verify.ts';
import { buildTree, entryOf, hex } from './helpers.ts';
import { mth } from './reference.ts';

function batchOf(start: number, count: number, hashesOf = EMPTY_FRONTIER): AppendBatch & { next: typeof EMPTY_FRONTIER } {
  const entries = Array.from({ length: count }, (_, i) => entryOf(start + i));
  const ext = extendFrontier(hashesOf, entries);
  return { start, entries, leafHashes: ext.leafHashes, nodes: ext.nodes, next: ext.frontier };
}

export function runLedgerStoreContract(name: string, open: () => Promise<LedgerStore>): void {
  describe(`LedgerStore contract: ${name}`, () => {
    it('starts empty', async () => {
      const s = await open();
      try {
        assert.equal(await s.size(), 0);
        assert.deepEqual(await s.getEntries(0, 0), []);
        await assert.rejects(s.getEntries(0, 1), (e) => isLedgerError(e, 'out-of-range'));
        await assert.rejects(s.getNodes([{ level: 0, index: 0 }]), (e) => isLedgerError(e, 'corrupt'));
        assert.equal(await s.latestCheckpoint(), null);
        assert.deepEqual(await s.listCheckpoints(-1, 10), []);
      } finally {
        await s.close();
      }
    });

    it('stores entries and node hashes, and serves them in the order asked', async () => {
      const t = await buildTree(100, await open());
      try {
        assert.equal(await t.store.size(), 100);
        const entries = await t.store.getEntries(0, 100);
        assert.deepEqual(entries.map(hex), t.entries.map(hex));
        assert.deepEqual((await t.store.getEntries(37, 41)).map(hex), t.entries.slice(37, 41).map(hex));
        // Level 0 is the leaf hashes; mixed, repeated, contiguous and scattered ids all come back in order.
        const ids = [{ level: 0, index: 5 }, { level: 6, index: 0 }, { level: 0, index: 6 }, { level: 0, index: 7 }, { level: 1, index: 3 },
          { level: 1, index: 4 }, { level: 0, index: 5 }, { level: 5, index: 2 }, { level: 2, index: 24 }];
        const got = await t.store.getNodes(ids);
        assert.equal(hex(got[0] as Uint8Array), hex(t.leafHashes[5] as Uint8Array));
        assert.equal(hex(got[6] as Uint8Array), hex(t.leafHashes[5] as Uint8Array));
        assert.equal(hex(got[3] as Uint8Array), hex(leafHash(entryOf(7))));
        assert.equal(hex(got[1] as Uint8Array), hex(await rootHash(t.store, 64)));
        assert.equal(hex(got[7] as Uint8Array), hex(mth(t.entries.slice(64, 96))));
        assert.equal(hex(got[8] as Uint8Array), hex(mth(t.entries.slice(96, 100))));
        // A node not yet complete (level 2, index 25 would need leaf 103) is missing: corrupt if asked for.
        await assert.rejects(t.store.getNodes([{ level: 2, index: 25 }]), (e) => isLedgerError(e, 'corrupt'));
        await assert.rejects(t.store.getNodes([{ level: 0, index: 99 }, { level: 0, index: 100 }]), (e) => isLedgerError(e, 'corrupt'));
        const report = await auditStore(t.store, { chunkSize: 7 });
        assert.equal(hex(report.rootHash), hex(t.roots[100] as Uint8Array));
        assert.equal(report.nodesChecked, 100 + 97); // n leaves and n - popcount(n) interior nodes
        const p = await inclusionProof(t.store, 42, 77);
        assert.ok(verifyInclusion(t.leafHashes[42] as Uint8Array, 42, 77, p, t.roots[77] as Uint8Array));
      } finally {
        await t.store.close();
      }
    });

    it('refuses a batch that does not extend its current size, and writes none of it', async () => {
      const s = await open();
      try {
        const first = batchOf(0, 3);
        await s.append(first);
        await assert.rejects(s.append(batchOf(0, 2)), (e) => isLedgerError(e, 'conflict'));
        await assert.rejects(s.append(batchOf(5, 2, first.next)), (e) => isLedgerError(e, 'conflict'));
        assert.equal(await s.size(), 3);
        await s.append(batchOf(3, 2, first.next));
        assert.equal(await s.size(), 5);
      } finally {
        await s.close();
      }
    });

    it('refuses malformed batches and writes none of them', async () => {
      const s = await open();
      try {
        const good = batchOf(0, 4);
        const bad: AppendBatch[] = [
          { ...good, entries: [] , leafHashes: [] },
          { ...good, leafHashes: good.leafHashes.slice(1) },
          { ...good, leafHashes: good.leafHashes.map((h) => h.subarray(1)) },
          { ...good, nodes: [...good.nodes, { level: 1, index: 2, hash: leafHash(new Uint8Array()) }] }, // not complete yet
          { ...good, nodes: [...good.nodes, good.nodes[0] as never] }, // twice
          { ...good, nodes: [{ level: 0, index: 1, hash: leafHash(new Uint8Array()) }] }, // level 0 comes from leafHashes
        ];
        for (const b of bad) await assert.rejects(s.append(b), (e) => isLedgerError(e, 'invalid'));
        assert.equal(await s.size(), 0);
        await s.append(good);
        // A node completed by an earlier batch cannot be written again.
        const next = batchOf(4, 1, good.next);
        await assert.rejects(s.append({ ...next, nodes: [{ level: 2, index: 0, hash: leafHash(new Uint8Array()) }] }), (e) => isLedgerError(e, 'invalid'));
        assert.equal(await s.size(), 4);
      } finally {
        await s.close();
      }
    });

    it('keeps its own copy of what it was given', async () => {
      const s = await open();
      try {
        const b = batchOf(0, 2);
        const entry = b.entries[1] as Uint8Array;
        const before = hex(entry);
        await s.append(b);
        entry.fill(0x41);
        (b.leafHashes[1] as Uint8Array).fill(0);
        assert.equal(hex((await s.getEntries(1, 2))[0] as Uint8Array), before);
        assert.equal(hex((await s.getNodes([{ level: 0, index: 1 }]))[0] as Uint8Array), hex(leafHash(Buffer.from(before, 'hex'))));
      } finally {
        await s.close();
      }
    });

    it('stores checkpoints, first note per size wins, listed in order', async () => {
      const s = await open();
      try {
        await s.putCheckpoint({ size: 5, note: 'five\n' });
        await s.putCheckpoint({ size: 2, note: 'two\n' });
        await s.putCheckpoint({ size: 9, note: 'nine\n' });
        await s.putCheckpoint({ size: 5, note: 'five again\n' });
        assert.deepEqual(await s.latestCheckpoint(), { size: 9, note: 'nine\n' });
        assert.deepEqual(await s.listCheckpoints(-1, 10), [{ size: 2, note: 'two\n' }, { size: 5, note: 'five\n' }, { size: 9, note: 'nine\n' }]);
        assert.deepEqual(await s.listCheckpoints(2, 1), [{ size: 5, note: 'five\n' }]);
        assert.deepEqual(await s.listCheckpoints(9, 10), []);
      } finally {
        await s.close();
      }
    });

    it('refuses every call once closed', async () => {
      const s = await open();
      await s.close();
      await assert.rejects(s.size(), (e) => isLedgerError(e, 'closed'));
      await assert.rejects(s.append(batchOf(0, 1)), (e) => isLedgerError(e, 'closed'));
      await assert.rejects(s.getNodes([{ level: 0, index: 0 }]), (e) => isLedgerError(e, 'closed'));
    });
  });
}
