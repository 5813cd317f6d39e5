// Inclusion and consistency proofs (RFC 9162 §2.1.3, §2.1.4): generated from stored subtree hashes,
// compared with the RFC's recursive definitions over the data, and verified with the RFC's
// verification algorithms — exhaustively for small trees, by fast-check up to a few hundred leaves,
// with every kind of tampering a verifier must catch.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EMPTY_ROOT, leafHash } from '../../src/ledger/hash.ts';
import { consistencyProof, consistencyRanges, inclusionProof, inclusionRanges } from '../../src/ledger/proof.ts';
import { rootFromInclusionProof, verifyConsistency, verifyInclusion } from '../../src/ledger/verify.ts';
import { isLedgerError } from '../../src/ledger/errors.ts';
import { type TestTree, flipBit, hex, memoryTree } from './helpers.ts';
import { path as refPath, proof as refProof } from './reference.ts';

const N = 400;
let t: TestTree;
before(async () => {
  t = await memoryTree(N);
});
const root = (s: number): Uint8Array => t.roots[s] as Uint8Array;
const leaf = (i: number): Uint8Array => t.leafHashes[i] as Uint8Array;

describe('inclusion proofs', () => {
  it('equal PATH(m, D[n]) and verify, for every (index, size) up to 64', async () => {
    for (let n = 1; n <= 64; n++) {
      for (let m = 0; m < n; m++) {
        const p = await inclusionProof(t.store, m, n);
        assert.deepEqual(p.map(hex), refPath(m, t.entries.slice(0, n)).map(hex), `PATH(${m}, D[${n}])`);
        assert.ok(verifyInclusion(leaf(m), m, n, p, root(n)), `verify (${m}, ${n})`);
      }
    }
  });

  it('verify for every (index, size) up to 160, and never for a neighbouring index', async () => {
    for (let n = 1; n <= 160; n++) {
      for (let m = 0; m < n; m++) {
        const p = await inclusionProof(t.store, m, n);
        assert.ok(verifyInclusion(leaf(m), m, n, p, root(n)), `verify (${m}, ${n})`);
        // The same proof and leaf hash at the neighbouring positions: the path encodes the position.
        if (m + 1 < n) assert.equal(verifyInclusion(leaf(m), m + 1, n, p, root(n)), false);
        if (m > 0) assert.equal(verifyInclusion(leaf(m), m - 1, n, p, root(n)), false);
      }
    }
  });

  it('fail for any flipped bit in the leaf, the root or any proof hash', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1, max: N }).chain((n) => fc.tuple(fc.constant(n), fc.nat(n - 1), fc.nat(255), fc.nat(1000))),
      async ([n, m, bit, which]) => {
        const p = await inclusionProof(t.store, m, n);
        const target = which % (p.length + 2);
        if (target === p.length) return !verifyInclusion(flipBit(leaf(m), bit), m, n, p, root(n));
        if (target === p.length + 1) return !verifyInclusion(leaf(m), m, n, p, flipBit(root(n), bit));
        const bad = p.map((h, i) => (i === target ? flipBit(h, bit) : h));
        return !verifyInclusion(leaf(m), m, n, bad, root(n));
      }), { numRuns: 1000 });
  });

  it('fail for a wrong index or for another tree head (size and its root)', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1, max: N }).chain((n) => fc.tuple(fc.constant(n), fc.nat(n - 1), fc.nat(N + 5), fc.integer({ min: 1, max: N }))),
      async ([n, m, m2, n2]) => {
        const p = await inclusionProof(t.store, m, n);
        const wrongIndex = m2 === m || verifyInclusion(leaf(m), m2, n, p, root(n)) === false;
        const wrongHead = n2 === n || m >= n2 || verifyInclusion(leaf(m), m, n2, p, root(n2)) === false;
        return wrongIndex && wrongHead;
      }), { numRuns: 1000 });
  });

  it('fail when a hash is dropped, added or reordered, or has the wrong length', async () => {
    for (const [m, n] of [[0, 8], [5, 8], [2, 3], [1, 5], [37, 300], [299, 300], [255, 256]] as const) {
      const p = await inclusionProof(t.store, m, n);
      const ok = (q: Uint8Array[]): boolean => verifyInclusion(leaf(m), m, n, q, root(n));
      assert.ok(ok(p));
      assert.equal(ok(p.slice(0, -1)), false, 'truncated');
      assert.equal(ok([...p, root(n)]), false, 'trailing root');
      assert.equal(ok([root(n), ...p]), false, 'leading root');
      if (p.length > 1) assert.equal(ok([...p].reverse()), false, 'reversed');
      assert.equal(ok([...p.slice(0, -1), (p[p.length - 1] as Uint8Array).subarray(0, 31)]), false, 'short hash');
      assert.equal(verifyInclusion(leaf(m), m, n, p, root(n).subarray(1)), false, 'short root');
    }
  });

  it('the size is bound by the root: an (index, size) claim is only as good as the tree head it is checked against', async () => {
    // RFC 9162's verifier ties the path to (index, size) through sn, yet the leftmost path of a
    // size-3 tree has the same shape in a size-4 tree. With the size-3 root it "verifies" against
    // size 4; with the size-4 root — what a signed checkpoint of size 4 carries — it fails.
    const p = await inclusionProof(t.store, 0, 3);
    assert.ok(verifyInclusion(leaf(0), 0, 4, p, root(3)));
    assert.equal(verifyInclusion(leaf(0), 0, 4, p, root(4)), false);
  });

  it('refuses indexes and sizes outside the tree, for generation and for verification', async () => {
    for (const [m, n] of [[0, 0], [1, 1], [5, 3], [-1, 4], [0.5, 4], [0, 2 ** 53]] as const) {
      await assert.rejects(inclusionProof(t.store, m, n), (e) => isLedgerError(e, 'out-of-range'));
      assert.throws(() => inclusionRanges(m, n), (e) => isLedgerError(e, 'out-of-range'));
      assert.equal(rootFromInclusionProof(leaf(0), m, n, []), null);
    }
    assert.equal(verifyInclusion(leaf(0), 0, 1, [], root(1)), true);
    assert.equal(verifyInclusion(leaf(0), 0, 1, [leaf(0)], root(1)), false);
    assert.equal(verifyInclusion(leaf(1), 0, 1, [], root(1)), false);
    assert.equal(verifyInclusion(EMPTY_ROOT, 0, 0, [], EMPTY_ROOT), false);
  });

  it('costs O(log n) node reads even at 2^40 leaves', () => {
    for (const [m, n] of [[0, 2 ** 40 + 12345], [2 ** 40 - 1, 2 ** 40 + 12345], [2 ** 40 + 12344, 2 ** 40 + 12345], [123456789, 2 ** 52 + 3]] as const) {
      const ranges = inclusionRanges(m, n);
      assert.ok(ranges.length <= 53);
      // Each range is one complete subtree except at most one (the right edge).
      const incomplete = ranges.filter((r) => !Number.isInteger(Math.log2(r.end - r.start)) || r.start % (r.end - r.start) !== 0);
      assert.ok(incomplete.length <= 1, `${incomplete.length} incomplete ranges for (${m}, ${n})`);
    }
  });
});

describe('consistency proofs', () => {
  it('equal PROOF(m, D[n]) and verify, for every 0 < m < n ≤ 64', async () => {
    for (let n = 2; n <= 64; n++) {
      for (let m = 1; m < n; m++) {
        const p = await consistencyProof(t.store, m, n);
        assert.deepEqual(p.map(hex), refProof(m, t.entries.slice(0, n)).map(hex), `PROOF(${m}, D[${n}])`);
        assert.ok(verifyConsistency(m, n, root(m), root(n), p), `verify ${m} → ${n}`);
      }
    }
  });

  it('verify for every pair of sizes up to 200', async () => {
    for (let n = 0; n <= 200; n++) {
      for (let m = 0; m <= n; m++) {
        const p = await consistencyProof(t.store, m, n);
        assert.ok(verifyConsistency(m, n, root(m), root(n), p), `verify ${m} → ${n}`);
      }
    }
  });

  it('fail for any flipped bit in either root or any proof hash', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 2, max: N }).chain((n) => fc.tuple(fc.integer({ min: 1, max: n - 1 }), fc.constant(n), fc.nat(255), fc.nat(1000))),
      async ([m, n, bit, which]) => {
        const p = await consistencyProof(t.store, m, n);
        const target = which % (p.length + 2);
        if (target === p.length) return !verifyConsistency(m, n, flipBit(root(m), bit), root(n), p);
        if (target === p.length + 1) return !verifyConsistency(m, n, root(m), flipBit(root(n), bit), p);
        return !verifyConsistency(m, n, root(m), root(n), p.map((h, i) => (i === target ? flipBit(h, bit) : h)));
      }), { numRuns: 1000 });
  });

  it('fail between tree heads other than the ones proven', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 2, max: N }).chain((n) => fc.tuple(fc.integer({ min: 1, max: n - 1 }), fc.constant(n), fc.integer({ min: 1, max: N }), fc.integer({ min: 1, max: N }))),
      async ([m, n, m2, n2]) => {
        const p = await consistencyProof(t.store, m, n);
        const other = (a: number, b: number): boolean => (a === m && b === n) || a > b || !verifyConsistency(a, b, root(a), root(b), p);
        return other(m2, n) && other(m, n2) && other(m2, n2);
      }), { numRuns: 1000 });
  });

  it('fail when hashes are dropped, added or the roots swapped', async () => {
    for (const [m, n] of [[1, 8], [6, 8], [2, 5], [6, 7], [4, 300], [255, 256], [100, 299]] as const) {
      const p = await consistencyProof(t.store, m, n);
      const ok = (q: Uint8Array[], r1 = root(m), r2 = root(n)): boolean => verifyConsistency(m, n, r1, r2, q);
      assert.ok(ok(p));
      assert.equal(ok([]), false, 'empty');
      assert.equal(ok(p.slice(0, -1)), false, 'truncated');
      assert.equal(ok([...p, root(n)]), false, 'trailing root2');
      assert.equal(ok([root(m), ...p]), false, 'leading root1');
      assert.equal(ok([p[0] as Uint8Array, ...p]), false, 'duplicated first');
      assert.equal(ok(p, root(n), root(m)), false, 'swapped roots');
    }
  });

  it('treat the cases outside 0 < m < n strictly: empty proofs only, matching roots only', async () => {
    assert.deepEqual(await consistencyProof(t.store, 0, 10), []);
    assert.deepEqual(await consistencyProof(t.store, 10, 10), []);
    assert.ok(verifyConsistency(0, 10, EMPTY_ROOT, root(10), []));
    assert.equal(verifyConsistency(0, 10, root(3), root(10), []), false, 'size 0 with a non-empty root');
    assert.equal(verifyConsistency(0, 10, EMPTY_ROOT, root(10), [root(10)]), false);
    assert.ok(verifyConsistency(10, 10, root(10), root(10), []));
    assert.equal(verifyConsistency(10, 10, root(10), root(9), []), false);
    assert.equal(verifyConsistency(10, 10, root(10), root(10), [root(10)]), false);
    assert.equal(verifyConsistency(10, 9, root(10), root(9), []), false);
    for (const [m, n] of [[5, 4], [-1, 4], [1, 1.5]] as const) {
      assert.throws(() => consistencyRanges(m, n), (e) => isLedgerError(e, 'out-of-range'));
    }
  });
});

describe('proof hashes come from the store', () => {
  it('a tampered stored node surfaces as a proof that does not verify', async () => {
    const local = await memoryTree(16);
    const p = await inclusionProof(local.store, 3, 16);
    local.store.tamperNode({ level: 1, index: 0 }, leafHash(Buffer.from('forged')));
    const forged = await inclusionProof(local.store, 3, 16);
    assert.notDeepEqual(forged.map(hex), p.map(hex));
    assert.equal(verifyInclusion(local.leafHashes[3] as Uint8Array, 3, 16, forged, local.roots[16] as Uint8Array), false);
  });
});
