import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStateStore, compareKeys } from '../../src/ledger/state.ts';
import { KeyedMutex } from '../../src/ledger/mutex.ts';
import { runStateStoreContract } from './state-contract.ts';

runStateStoreContract('memory', async () => new MemoryStateStore());

describe('compareKeys', () => {
  it('orders by code point, as UTF-8 bytes compare', () => {
    const words = ['', 'a', 'ab', 'b', '\u00e9', '\uFFFD', '\u{1F600}', '\u{10FFFF}', 'a\u001fb', 'a\u0020'];
    const byBytes = [...words].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    assert.deepEqual([...words].sort(compareKeys), byBytes);
  });
});

describe('KeyedMutex', () => {
  it('serialises holders of one key, runs other keys concurrently, and forgets idle keys', async () => {
    const m = new KeyedMutex();
    const log: string[] = [];
    const tick = () => new Promise((r) => setImmediate(r));
    const job = (keys: string[], name: string) => m.run(keys, async () => { log.push(`${name}+`); await tick(); await tick(); log.push(`${name}-`); });
    await Promise.all([job(['a'], 'A1'), job(['a'], 'A2'), job(['b'], 'B'), job(['b', 'a'], 'AB')]);
    // A1 and B start together; A2 waits for A1; AB waits for both keys.
    assert.deepEqual(log.slice(0, 2).sort(), ['A1+', 'B+']);
    assert.ok(log.indexOf('A2+') > log.indexOf('A1-'));
    assert.ok(log.indexOf('AB+') > log.indexOf('A2-') && log.indexOf('AB+') > log.indexOf('B-'));
    assert.equal(m.size, 0);
  });

  it('releases the keys when the holder throws', async () => {
    const m = new KeyedMutex();
    await assert.rejects(m.run(['k'], async () => { throw new Error('boom'); }), /boom/);
    assert.equal(await m.run(['k'], async () => 42), 42);
    assert.equal(m.size, 0);
  });
});
