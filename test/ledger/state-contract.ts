// The StateStore contract, run against every implementation (memory in test/ledger/state.test.ts,
// SQLite in test/storage/sqlite-state.test.ts): what the applier, the state modules and verify rely on.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isLedgerError } from '../../src/ledger/errors.ts';
import { type StateStore, compareKeys, stateKey, statePrefix } from '../../src/ledger/state.ts';

export function runStateStoreContract(name: string, open: () => Promise<StateStore>): void {
  describe(`StateStore contract: ${name}`, () => {
    it('starts empty at watermark 0', async () => {
      const s = await open();
      try {
        assert.equal(await s.appliedSize(), 0);
        assert.equal(await s.get('doc', 'x'), null);
        assert.deepEqual(await s.list('doc', '', null, 10), []);
        assert.deepEqual(await s.scan(null, 10), []);
      } finally {
        await s.close();
      }
    });

    it('commits rows and the watermark together, refuses a commit from the wrong watermark, deletes with null', async () => {
      const s = await open();
      try {
        await s.commit({ from: 0, to: 3, puts: [{ ns: 'doc', key: 'a', value: { b: [1, 'x', null], a: true } }, { ns: 'balance', key: 'a', value: { balance: '-5' } }] });
        assert.equal(await s.appliedSize(), 3);
        assert.deepEqual(await s.get('doc', 'a'), { a: true, b: [1, 'x', null] });
        assert.deepEqual(await s.get('balance', 'a'), { balance: '-5' });
        await assert.rejects(s.commit({ from: 2, to: 4, puts: [{ ns: 'doc', key: 'z', value: 1 }] }), (e) => isLedgerError(e, 'conflict'));
        assert.equal(await s.get('doc', 'z'), null, 'a refused commit writes nothing');
        assert.equal(await s.appliedSize(), 3);
        await s.commit({ from: 3, to: 3, puts: [] });
        await s.commit({ from: 3, to: 5, puts: [{ ns: 'doc', key: 'a', value: null }, { ns: 'doc', key: 'a2', value: 'v' }] });
        assert.equal(await s.get('doc', 'a'), null);
        assert.equal(await s.get('doc', 'a2'), 'v');
        assert.equal(await s.appliedSize(), 5);
      } finally {
        await s.close();
      }
    });

    it('lists a prefix in code point order, after a key, up to a limit', async () => {
      const s = await open();
      try {
        const keys = ['b', 'a', 'a\uFFFD', 'a\u{1F600}', 'aa', 'a~', 'a\u00e9'].map((k) => stateKey('t1', 'tbl', k));
        const other = [stateKey('t1', 'tblx', 'a'), stateKey('t1', 'tb', 'a'), stateKey('t0', 'tbl', 'a'), stateKey('t1', 'tbl')];
        await s.commit({ from: 0, to: 1, puts: [...keys, ...other].map((key, i) => ({ ns: 'doc', key, value: i })) });
        await s.commit({ from: 1, to: 2, puts: [{ ns: 'rev', key: keys[0] as string, value: 0 }] });
        const expected = [...keys].sort(compareKeys);
        // Code point order puts U+FFFD before U+1F600, which UTF-16 order would not.
        assert.deepEqual(expected.map((k) => k.split('\u001f')[2]), ['a', 'aa', 'a~', 'a\u00e9', 'a\uFFFD', 'a\u{1F600}', 'b']);
        const all = await s.list('doc', statePrefix('t1', 'tbl'), null, 100);
        assert.deepEqual(all.map((r) => r.key), expected);
        assert.ok(all.every((r) => r.ns === 'doc'));
        assert.deepEqual((await s.list('doc', statePrefix('t1', 'tbl'), null, 2)).map((r) => r.key), expected.slice(0, 2));
        assert.deepEqual((await s.list('doc', statePrefix('t1', 'tbl'), expected[3] as string, 2)).map((r) => r.key), expected.slice(4, 6));
        assert.deepEqual((await s.list('doc', statePrefix('t1', 'tbl'), expected[6] as string, 2)), []);
        assert.deepEqual((await s.list('rev', statePrefix('t1', 'tbl'), null, 10)).map((r) => r.key), [keys[0]]);
        assert.equal((await s.list('doc', '', null, 100)).length, keys.length + other.length);
      } finally {
        await s.close();
      }
    });

    it('scans every row in (ns, key) order, in pages', async () => {
      const s = await open();
      try {
        const puts = ['doc', 'account', 'rev'].flatMap((ns) => ['k2', 'k1', 'k10'].map((key) => ({ ns, key, value: `${ns}:${key}` })));
        await s.commit({ from: 0, to: 1, puts });
        const want = puts.map((p) => `${p.ns}:${p.key}`).sort();
        const got: string[] = [];
        for (let after: { ns: string; key: string } | null = null; ;) {
          const page = await s.scan(after, 4);
          got.push(...page.map((r) => r.value as string));
          if (page.length < 4) break;
          after = page[page.length - 1] as { ns: string; key: string };
        }
        assert.deepEqual(got, want);
      } finally {
        await s.close();
      }
    });

    it('refuses use after close', async () => {
      const s = await open();
      await s.close();
      await assert.rejects(s.get('doc', 'a'), (e) => isLedgerError(e, 'closed'));
    });
  });
}
