// Known answers for RFC 9162 hashing and proofs: values derived from the RFC text itself (SHA-256
// of the empty string, the 0x00/0x01 prefixes), and the Certificate Transparency reference vectors
// (RFC 6962 hashing, as published in transparency-dev/merkle's proof tests) used as data.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { EMPTY_ROOT, leafHash, nodeHash } from '../../src/ledger/hash.ts';
import { EMPTY_FRONTIER, extendFrontier, frontierRoot } from '../../src/ledger/compact.ts';
import { consistencyProof, inclusionProof, rootHash } from '../../src/ledger/proof.ts';
import { verifyConsistency, verifyInclusion } from '../../src/ledger/verify.ts';
import { splitPoint, subtreesOf } from '../../src/ledger/tree.ts';
import { MemoryLedgerStore } from '../../src/ledger/memory-store.ts';
import { buildTree, entryOf, hex, unhex } from './helpers.ts';
import { mth } from './reference.ts';

const CT_ENTRIES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(unhex);
/** CT_ROOTS[s] = root of the first s CT_ENTRIES. */
const CT_ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const CT_INCLUSION = [
  { index: 0, size: 8, path: ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'] },
  { index: 5, size: 8, path: ['bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7'] },
  { index: 2, size: 3, path: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  { index: 1, size: 5, path: ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b'] },
];
const CT_CONSISTENCY = [
  { size1: 1, size2: 8, path: ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'] },
  { size1: 6, size2: 8, path: ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7'] },
  { size1: 2, size2: 5, path: ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b'] },
  { size1: 6, size2: 7, path: ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7'] },
];

async function ctStore(): Promise<MemoryLedgerStore> {
  const store = new MemoryLedgerStore();
  const ext = extendFrontier(EMPTY_FRONTIER, CT_ENTRIES);
  await store.append({ start: 0, entries: CT_ENTRIES, leafHashes: ext.leafHashes, nodes: ext.nodes });
  return store;
}

describe('RFC 9162 hashing: answers derived from the RFC text', () => {
  const sha = (...p: Uint8Array[]): string => {
    const h = createHash('sha256');
    p.forEach((x) => h.update(x));
    return h.digest('hex');
  };

  it('MTH({}) is SHA-256 of the empty string', () => {
    assert.equal(hex(EMPTY_ROOT), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('a leaf is SHA-256(0x00 || entry) and a one-leaf tree\'s root is its leaf hash', async () => {
    assert.equal(hex(leafHash(new Uint8Array())), sha(Uint8Array.of(0)));
    assert.equal(hex(leafHash(Buffer.from('hello'))), sha(Uint8Array.of(0), Buffer.from('hello')));
    const { store } = await buildTree(1, new MemoryLedgerStore());
    assert.equal(hex(await rootHash(store, 1)), sha(Uint8Array.of(0), entryOf(0)));
  });

  it('an interior node is SHA-256(0x01 || left || right), so a leaf and a node never collide', () => {
    const l = leafHash(Buffer.from('a'));
    const r = leafHash(Buffer.from('b'));
    assert.equal(hex(nodeHash(l, r)), sha(Uint8Array.of(1), l, r));
    // The 64-byte concatenation hashed as a leaf gives a different value than as a node.
    assert.notEqual(hex(leafHash(Buffer.concat([l, r]))), hex(nodeHash(l, r)));
  });

  it('splits at the largest power of two below n, not at the midpoint', () => {
    const cases: Array<[number, number]> = [[2, 1], [3, 2], [4, 2], [5, 4], [6, 4], [7, 4], [8, 4], [9, 8], [1000, 512], [2 ** 40 + 1, 2 ** 40], [2 ** 53 - 1, 2 ** 52]];
    for (const [n, k] of cases) assert.equal(splitPoint(n), k, `n = ${n}`);
  });

  it('decomposes a tree of any size into one complete subtree per set bit, largest first', () => {
    assert.deepEqual(subtreesOf({ start: 0, end: 13 }), [{ level: 3, index: 0 }, { level: 2, index: 2 }, { level: 0, index: 12 }]);
    assert.deepEqual(subtreesOf({ start: 8, end: 13 }), [{ level: 2, index: 2 }, { level: 0, index: 12 }]);
    assert.deepEqual(subtreesOf({ start: 0, end: 2 ** 53 - 1 }).length, 53);
    assert.throws(() => subtreesOf({ start: 1, end: 3 }), RangeError); // never produced by the RFC recursion
  });

  it('the root of every size up to 300 equals the RFC\'s recursive MTH over the data', async () => {
    const t = await buildTree(300, new MemoryLedgerStore());
    for (let s = 0; s <= 300; s++) {
      const want = hex(mth(t.entries.slice(0, s)));
      assert.equal(hex(await rootHash(t.store, s)), want, `stored-node root at size ${s}`);
      assert.equal(hex(t.roots[s] as Uint8Array), want, `incremental root at size ${s}`);
    }
  });
});

describe('Certificate Transparency reference vectors', () => {
  it('gives the published root for every size 0..8', async () => {
    const store = await ctStore();
    for (let s = 0; s <= 8; s++) assert.equal(hex(await rootHash(store, s)), CT_ROOTS[s], `size ${s}`);
    let f = EMPTY_FRONTIER;
    for (let s = 1; s <= 8; s++) {
      f = extendFrontier(f, [CT_ENTRIES[s - 1] as Uint8Array]).frontier;
      assert.equal(hex(frontierRoot(f)), CT_ROOTS[s], `incremental size ${s}`);
    }
  });

  it('generates and verifies the published inclusion proofs', async () => {
    const store = await ctStore();
    for (const v of CT_INCLUSION) {
      const got = await inclusionProof(store, v.index, v.size);
      assert.deepEqual(got.map(hex), v.path, `index ${v.index}, size ${v.size}`);
      const leaf = leafHash(CT_ENTRIES[v.index] as Uint8Array);
      assert.ok(verifyInclusion(leaf, v.index, v.size, v.path.map(unhex), unhex(CT_ROOTS[v.size] as string)));
    }
  });

  it('generates and verifies the published consistency proofs', async () => {
    const store = await ctStore();
    for (const v of CT_CONSISTENCY) {
      const got = await consistencyProof(store, v.size1, v.size2);
      assert.deepEqual(got.map(hex), v.path, `${v.size1} → ${v.size2}`);
      assert.ok(verifyConsistency(v.size1, v.size2, unhex(CT_ROOTS[v.size1] as string), unhex(CT_ROOTS[v.size2] as string), v.path.map(unhex)));
    }
  });
});
