// KV: bytes in and out, metadata, TTL with an explicit clock, sorted listing with prefix and cursor.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import type { KvEntry } from '../../../src/storage/types.ts';
import { assertBytes, itWith, rejectsWithCode, type OpenDriver } from './helpers.ts';

const entry = (text: string, expiresAt: number | null = null, metadata: unknown = null): KvEntry =>
  ({ value: new TextEncoder().encode(text), expiresAt, metadata });

export function kvSuite(open: OpenDriver): void {
  describe('kv', () => {
    itWith(open, 'kvPut/kvGet round-trip arbitrary bytes and JSON metadata', async (d) => {
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      await d.kvPut('acme/ns', 'bin', { value: all, expiresAt: null, metadata: { a: [1, 'two', { three: true }], n: null } });
      await d.kvPut('acme/ns', 'empty', { value: new Uint8Array(0), expiresAt: 5_000, metadata: null });
      const bin = await d.kvGet('acme/ns', 'bin', 0);
      assertBytes(bin?.value, all);
      assert.deepEqual(bin?.metadata, { a: [1, 'two', { three: true }], n: null });
      assert.equal(bin?.expiresAt, null);
      const empty = await d.kvGet('acme/ns', 'empty', 0);
      assertBytes(empty?.value, new Uint8Array(0));
      assert.equal(empty?.expiresAt, 5_000);
      assert.equal(empty?.metadata, null);
      assert.equal(await d.kvGet('acme/ns', 'missing', 0), null);
    });

    itWith(open, 'a later put overwrites value, expiry and metadata; kvDelete removes; namespaces are separate', async (d) => {
      await d.kvPut('acme/ns', 'k', entry('one', 100, { v: 1 }));
      await d.kvPut('acme/ns', 'k', entry('two', null, { v: 2 }));
      await d.kvPut('acme/other', 'k', entry('elsewhere'));
      const got = await d.kvGet('acme/ns', 'k', 1_000);
      assertBytes(got?.value, new TextEncoder().encode('two'));
      assert.deepEqual(got?.metadata, { v: 2 });
      await d.kvDelete('acme/ns', 'k');
      await d.kvDelete('acme/ns', 'never-there');
      assert.equal(await d.kvGet('acme/ns', 'k', 0), null);
      assertBytes((await d.kvGet('acme/other', 'k', 0))?.value, new TextEncoder().encode('elsewhere'));
    });

    itWith(open, 'an entry is visible before expiresAt and invisible from expiresAt on, before any sweep', async (d) => {
      await d.kvPut('acme/ns', 'ttl', entry('x', 1_000));
      await d.kvPut('acme/ns', 'forever', entry('y'));
      assert.notEqual(await d.kvGet('acme/ns', 'ttl', 999), null);
      assert.equal(await d.kvGet('acme/ns', 'ttl', 1_000), null);
      assert.deepEqual((await d.kvList('acme/ns', {}, 999)).keys.map((k) => k.name), ['forever', 'ttl']);
      assert.deepEqual((await d.kvList('acme/ns', {}, 1_000)).keys.map((k) => k.name), ['forever']);
      // Putting over an expired entry makes the key live again.
      await d.kvPut('acme/ns', 'ttl', entry('z', 3_000));
      assertBytes((await d.kvGet('acme/ns', 'ttl', 2_000))?.value, new TextEncoder().encode('z'));
    });

    itWith(open, 'kvSweep deletes only expired entries, in every namespace, and counts them', async (d) => {
      await d.kvPut('a/ns', 'old', entry('1', 10));
      await d.kvPut('b/ns', 'old', entry('2', 20));
      await d.kvPut('a/ns', 'young', entry('3', 31));
      await d.kvPut('a/ns', 'forever', entry('4'));
      assert.equal(await d.kvSweep(30), 2);
      assert.equal(await d.kvSweep(30), 0);
      assert.deepEqual((await d.kvList('a/ns', {}, 0)).keys.map((k) => k.name), ['forever', 'young']);
      assert.deepEqual((await d.kvList('b/ns', {}, 0)).keys, []);
    });

    itWith(open, 'kvList sorts by key, filters by prefix, returns expiry and metadata, and pages with a cursor', async (d) => {
      for (const key of ['user:3', 'user:1', 'users', 'user:2', 'admin', 'user;', 'user']) {
        await d.kvPut('acme/ns', key, entry(key, key === 'user:2' ? 500 : null, { key }));
      }
      await d.kvPut('acme/other', 'user:9', entry('other ns'));
      const all = await d.kvList('acme/ns', {}, 0);
      assert.deepEqual(all.keys.map((k) => k.name), ['admin', 'user', 'user:1', 'user:2', 'user:3', 'user;', 'users']);
      assert.equal(all.cursor, null);
      assert.deepEqual(all.keys[3], { name: 'user:2', expiresAt: 500, metadata: { key: 'user:2' } });
      const prefixed = await d.kvList('acme/ns', { prefix: 'user:' }, 0);
      assert.deepEqual(prefixed.keys.map((k) => k.name), ['user:1', 'user:2', 'user:3']);

      const first = await d.kvList('acme/ns', { prefix: 'user', limit: 2 }, 0);
      assert.deepEqual(first.keys.map((k) => k.name), ['user', 'user:1']);
      assert.equal(typeof first.cursor, 'string');
      const second = await d.kvList('acme/ns', { prefix: 'user', limit: 2, cursor: first.cursor }, 0);
      assert.deepEqual(second.keys.map((k) => k.name), ['user:2', 'user:3']);
      const third = await d.kvList('acme/ns', { prefix: 'user', limit: 2, cursor: second.cursor }, 0);
      assert.deepEqual(third.keys.map((k) => k.name), ['user;', 'users']);
      assert.equal(third.cursor, null);
      assert.deepEqual((await d.kvList('acme/ns', { prefix: 'zzz' }, 0)).keys, []);
    });

    itWith(open, 'kvList prefixes work for non-ASCII and maximal characters', async (d) => {
      for (const key of ['é', 'éa', 'é\u{10FFFF}', 'é\u{10FFFF}x', 'ê', '\u{10FFFF}', '\u{10FFFF}z']) await d.kvPut('acme/ns', key, entry(key));
      assert.deepEqual((await d.kvList('acme/ns', { prefix: 'é' }, 0)).keys.map((k) => k.name), ['é', 'éa', 'é\u{10FFFF}', 'é\u{10FFFF}x']);
      assert.deepEqual((await d.kvList('acme/ns', { prefix: '\u{10FFFF}' }, 0)).keys.map((k) => k.name), ['\u{10FFFF}', '\u{10FFFF}z']);
    });

    itWith(open, 'a cursor skips keys that expired meanwhile, and a foreign cursor is rejected', async (d) => {
      for (const key of ['a', 'b', 'c', 'd']) await d.kvPut('acme/ns', key, entry(key, key === 'c' ? 100 : null));
      const first = await d.kvList('acme/ns', { limit: 2 }, 0);
      const rest = await d.kvList('acme/ns', { limit: 2, cursor: first.cursor }, 100);
      assert.deepEqual(rest.keys.map((k) => k.name), ['d']);
      await rejectsWithCode(d.kvList('acme/ns', { cursor: '%%%' }, 0), 'invalid-request');
    });
  });
}
