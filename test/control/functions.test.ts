import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, assertRejected, DATA_PLANE, type Harness } from './harness.ts';

let h: Harness;
before(async () => { h = await startHarness(); });
after(() => h.close());

test('functions are listed by name with cursor pagination', async () => {
  for (const n of ['fa', 'fb', 'fc']) await h.deploy(n);
  const all = await h.api('/api/v1/functions');
  assert.equal(all.status, 200);
  assert.deepEqual(all.body.items.map((f: any) => f.name), ['fa', 'fb', 'fc']);
  assert.deepEqual(Object.keys(all.body.items[0]).sort(), ['createdAt', 'currentVersion', 'name', 'tenant', 'updatedAt']);
  assert.equal(all.body.nextCursor, null);
  const p1 = await h.api('/api/v1/functions?limit=2');
  assert.deepEqual(p1.body.items.map((f: any) => f.name), ['fa', 'fb']);
  const p2 = await h.api(`/api/v1/functions?limit=2&cursor=${p1.body.nextCursor}`);
  assert.deepEqual(p2.body.items.map((f: any) => f.name), ['fc']);
  assert.equal(p2.body.nextCursor, null);
});

test('list functions rejects bad paging parameters, changing nothing', async () => {
  for (const q of ['limit=0', 'limit=201', 'limit=1.5', 'limit=ten']) {
    const r = await assertRejected(h, 422, 'invalid-request', () => h.api(`/api/v1/functions?${q}`));
    assert.match(r.body.errors[0], /^limit: /);
  }
  await assertRejected(h, 422, 'invalid-request', () => h.api('/api/v1/functions?cursor=%25%25%25'));
});

test('a function answers its routes and the config of its current version', async () => {
  const d = await h.deploy('detail', { config: { routes: ['/detail-api/*', '*.example.com/'] } });
  const r = await h.api('/api/v1/functions/detail');
  assert.equal(r.status, 200);
  assert.equal(r.body.name, 'detail');
  assert.equal(r.body.tenant, 'default');
  assert.equal(r.body.currentVersion, d.version.id);
  assert.deepEqual(r.body.routes, [`${DATA_PLANE}/detail/`, `${DATA_PLANE}/detail-api/*`, 'http://*.example.com/']);
  assert.deepEqual(r.body.config, d.version.config);
  assert.equal(typeof r.body.createdAt, 'number');
  assert.equal(typeof r.body.updatedAt, 'number');
});

test('get and delete reject unknown and malformed names, changing nothing', async () => {
  await h.deploy('keep');
  await assertRejected(h, 404, 'function-not-found', () => h.api('/api/v1/functions/nope'));
  await assertRejected(h, 404, 'function-not-found', () => h.api('/api/v1/functions/nope', { method: 'DELETE' }));
  const bad = await assertRejected(h, 422, 'invalid-request', () => h.api('/api/v1/functions/NOPE'));
  assert.match(bad.body.errors[0], /^name: /);
  await assertRejected(h, 422, 'invalid-request', () => h.api('/api/v1/functions/has%20space', { method: 'DELETE' }));
  await assertRejected(h, 422, 'invalid-request', () => h.api('/api/v1/functions/%E0%A4%A', { method: 'DELETE' }));
});

test('delete removes the function and tells the node', async () => {
  await h.deploy('doomed');
  const before = h.changed.length;
  const r = await h.api('/api/v1/functions/doomed', { method: 'DELETE' });
  assert.equal(r.status, 204);
  assert.equal(r.text, '');
  assert.deepEqual(h.changed.slice(before), [['default', 'doomed']]);
  assert.equal(await h.storage.getFunction('default', 'doomed'), null);
  assert.equal((await h.api('/api/v1/functions/doomed')).status, 404);
});
