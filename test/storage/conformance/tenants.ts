// Tenants, tokens, and the pagination rules every list shares (checked here on tenants).
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import type { TokenRecord } from '../../../src/storage/types.ts';
import { collect, itWith, rejectsWithCode, type OpenDriver } from './helpers.ts';

export function tenantSuite(open: OpenDriver): void {
  describe('tenants', () => {
    itWith(open, 'putTenant stores, getTenant reads, a second put renames', async (d) => {
      await d.putTenant({ id: 'acme', name: 'Acme', createdAt: 10 });
      assert.deepEqual(await d.getTenant('acme'), { id: 'acme', name: 'Acme', createdAt: 10 });
      await d.putTenant({ id: 'acme', name: 'Acme Corp', createdAt: 10 });
      assert.equal((await d.getTenant('acme'))?.name, 'Acme Corp');
      assert.equal(await d.getTenant('nobody'), null);
    });

    itWith(open, 'listTenants pages by id with opaque cursors until nextCursor is null', async (d) => {
      const ids = ['t07', 't03', 't01', 't05', 't02', 't06', 't04'];
      for (const id of ids) await d.putTenant({ id, name: id.toUpperCase(), createdAt: 1 });
      const first = await d.listTenants({ limit: 3 });
      assert.deepEqual(first.items.map((t) => t.id), ['t01', 't02', 't03']);
      assert.equal(typeof first.nextCursor, 'string');
      const all = await collect((cursor) => d.listTenants({ cursor, limit: 3 }));
      assert.deepEqual(all.items.map((t) => t.id), [...ids].sort());
      assert.equal(all.pages, 3);
      // An exactly full last page must not hand out a cursor to an empty page.
      const exact = await collect((cursor) => d.listTenants({ cursor, limit: 7 }));
      assert.equal(exact.pages, 1);
      assert.deepEqual((await d.listTenants()).nextCursor, null);
    });

    itWith(open, 'limit is clamped to 1..200 and defaults to 50', async (d) => {
      for (let i = 0; i < 205; i++) await d.putTenant({ id: `t${String(i).padStart(3, '0')}`, name: 'n', createdAt: i });
      assert.equal((await d.listTenants()).items.length, 50);
      assert.equal((await d.listTenants({ limit: 0 })).items.length, 1);
      assert.equal((await d.listTenants({ limit: -5 })).items.length, 1);
      assert.equal((await d.listTenants({ limit: 1000 })).items.length, 200);
      assert.equal((await d.listTenants({ limit: 2.7 })).items.length, 2);
    });

    itWith(open, 'a cursor that no list produced is rejected with code invalid-request', async (d) => {
      await rejectsWithCode(d.listTenants({ cursor: 'not a cursor' }), 'invalid-request');
      await rejectsWithCode(d.listTenants({ cursor: Buffer.from('[1,2,3]').toString('base64url') }), 'invalid-request');
    });
  });

  describe('tokens', () => {
    const token = (id: string, tenant: string, createdAt: number, role: TokenRecord['role'] = 'tenant'): TokenRecord =>
      ({ id, tenant, name: `name-${id}`, hash: `hash-${id}`, role, createdAt, revokedAt: null });

    itWith(open, 'putToken stores and findTokenByHash finds it', async (d) => {
      await d.putToken(token('k1', 'acme', 5, 'admin'));
      assert.deepEqual(await d.findTokenByHash('hash-k1'), token('k1', 'acme', 5, 'admin'));
      assert.equal(await d.findTokenByHash('hash-none'), null);
    });

    itWith(open, 'token hashes are unique', async (d) => {
      await d.putToken(token('k1', 'acme', 5));
      await assert.rejects(d.putToken({ ...token('k2', 'acme', 6), hash: 'hash-k1' }));
      assert.equal((await d.findTokenByHash('hash-k1'))?.id, 'k1');
    });

    itWith(open, 'listTokens is per tenant, ordered by createdAt then id, across pages', async (d) => {
      await d.putToken(token('b', 'acme', 2));
      await d.putToken(token('a', 'acme', 2));
      await d.putToken(token('c', 'acme', 1));
      await d.putToken(token('d', 'acme', 3));
      await d.putToken(token('z', 'other', 0));
      const all = await collect((cursor) => d.listTokens('acme', { cursor, limit: 1 }));
      assert.deepEqual(all.items.map((t) => t.id), ['c', 'a', 'b', 'd']);
      assert.equal(all.pages, 4);
      assert.deepEqual((await d.listTokens('nobody')).items, []);
    });

    itWith(open, 'revokeToken sets revokedAt once, only in the token\'s tenant', async (d) => {
      await d.putToken(token('k1', 'acme', 5));
      assert.equal(await d.revokeToken('other', 'k1', 100), false);
      assert.equal((await d.findTokenByHash('hash-k1'))?.revokedAt, null);
      assert.equal(await d.revokeToken('acme', 'k1', 100), true);
      assert.equal((await d.findTokenByHash('hash-k1'))?.revokedAt, 100);
      // Revoking again is not an error and keeps the first revocation time.
      assert.equal(await d.revokeToken('acme', 'k1', 200), true);
      assert.equal((await d.findTokenByHash('hash-k1'))?.revokedAt, 100);
      assert.equal(await d.revokeToken('acme', 'missing', 100), false);
    });
  });
}
