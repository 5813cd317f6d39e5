import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sha256Hex } from '../../src/shared/ids.ts';
import { startHarness, assertRejected, type Harness } from './harness.ts';

let h: Harness;
before(async () => { h = await startHarness(); });
after(() => h.close());

test('an admin creates and lists tenants', async () => {
  const r = await h.api('/api/v1/tenants', { method: 'POST', json: { id: 'initech', name: 'Initech Corp' } });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.id, 'initech');
  assert.equal(r.body.name, 'Initech Corp');
  assert.equal(typeof r.body.createdAt, 'number');
  const plain = await h.api('/api/v1/tenants', { method: 'POST', json: { id: 'hooli' } });
  assert.equal(plain.body.name, 'hooli');
  const list = await h.api('/api/v1/tenants');
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.items.map((t: any) => t.id).sort(), ['hooli', 'initech']);
  const page = await h.api('/api/v1/tenants?limit=1');
  assert.equal(page.body.items.length, 1);
  assert.ok(page.body.nextCursor);
});

test('bad tenant requests are rejected and change nothing', async () => {
  await h.api('/api/v1/tenants', { method: 'POST', json: { id: 'taken' } });
  const dup = await assertRejected(h, 409, 'conflict', () => h.api('/api/v1/tenants', { method: 'POST', json: { id: 'taken' } }));
  assert.ok(dup.body.hint);
  const bad = await assertRejected(h, 422, 'invalid-request', () => h.api('/api/v1/tenants', { method: 'POST', json: { id: 'Not OK' } }));
  assert.match(bad.body.errors[0], /^id: /);
  await assertRejected(h, 422, 'invalid-request', () => h.api('/api/v1/tenants', { method: 'POST', json: {} }));
  await assertRejected(h, 422, 'invalid-request', () => h.api('/api/v1/tenants', { method: 'POST', json: { id: 'ok', name: '' } }));
  await assertRejected(h, 422, 'invalid-request', () => h.api('/api/v1/tenants', { method: 'POST', json: { id: 'ok', plan: 'gold' } }));
  await assertRejected(h, 400, 'bad-json', () => h.api('/api/v1/tenants', { method: 'POST', body: 'nope', headers: { 'content-type': 'application/json' } }));
  await assertRejected(h, 415, 'unsupported-media-type', () => h.api('/api/v1/tenants', { method: 'POST', body: 'id=ok', headers: { 'content-type': 'application/x-www-form-urlencoded' } }));
  await assertRejected(h, 413, 'payload-too-large', () => h.api('/api/v1/tenants', { method: 'POST', body: JSON.stringify({ id: 'ok', name: 'n'.repeat(16 * 1024 * 1024) }), headers: { 'content-type': 'application/json' } }));
  await assertRejected(h, 422, 'invalid-request', () => h.api('/api/v1/tenants?limit=-1'));
});

test('a token is shown once and stored only as its sha256; its tenant may list and revoke it', async () => {
  await h.api('/api/v1/tenants', { method: 'POST', json: { id: 'tok' } });
  const r = await h.api('/api/v1/tenants/tok/tokens', { method: 'POST', json: { name: 'ci' } });
  assert.equal(r.status, 201, r.text);
  assert.match(r.body.token, /^cairn_[A-Za-z0-9_-]{43}$/);
  assert.equal(r.body.name, 'ci');
  assert.deepEqual(Object.keys(r.body).sort(), ['id', 'name', 'token']);
  const record = await h.storage.findTokenByHash(sha256Hex(r.body.token));
  assert.equal(record?.id, r.body.id);
  assert.equal(record?.tenant, 'tok');
  assert.equal(record?.role, 'tenant');
  const token = r.body.token as string;
  // The tenant itself manages its tokens.
  const second = await h.api('/api/v1/tenants/tok/tokens', { method: 'POST', json: { name: 'laptop' }, token });
  assert.equal(second.status, 201);
  const list = await h.api('/api/v1/tenants/tok/tokens', { token });
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.items.map((t: any) => t.name).sort(), ['ci', 'laptop']);
  assert.deepEqual(Object.keys(list.body.items[0]).sort(), ['createdAt', 'id', 'name', 'revokedAt', 'role']);
  assert.equal(list.text.includes(token), false);
  assert.equal(list.text.includes(record!.hash), false);
  assert.equal((await h.api(`/api/v1/tenants/tok/tokens/${second.body.id}`, { method: 'DELETE', token })).status, 204);
  const after = await h.api('/api/v1/tenants/tok/tokens', { token });
  assert.equal(typeof after.body.items.find((t: any) => t.id === second.body.id).revokedAt, 'number');
  assert.equal((await h.api('/api/v1/functions', { token: second.body.token })).status, 401);
});

test('tokens of the default tenant work without creating it', async () => {
  const r = await h.api('/api/v1/tenants/default/tokens', { method: 'POST', json: { name: 'd' } });
  assert.equal(r.status, 201);
  assert.equal((await h.api('/api/v1/functions', { token: r.body.token })).status, 200);
});

test('bad token requests are rejected and change nothing', async () => {
  await h.api('/api/v1/tenants', { method: 'POST', json: { id: 'tk' } });
  await assertRejected(h, 404, 'not-found', () => h.api('/api/v1/tenants/ghost/tokens', { method: 'POST', json: { name: 'x' } }));
  await assertRejected(h, 404, 'not-found', () => h.api('/api/v1/tenants/ghost/tokens'));
  await assertRejected(h, 404, 'not-found', () => h.api('/api/v1/tenants/tk/tokens/01unknown', { method: 'DELETE' }));
  await assertRejected(h, 422, 'invalid-request', () => h.api('/api/v1/tenants/Bad!/tokens', { method: 'POST', json: { name: 'x' } }));
  await assertRejected(h, 422, 'invalid-request', () => h.api('/api/v1/tenants/tk/tokens', { method: 'POST', json: { name: '' } }));
  await assertRejected(h, 422, 'invalid-request', () => h.api('/api/v1/tenants/tk/tokens', { method: 'POST', json: { name: 'x', role: 'admin' } }));
  await assertRejected(h, 422, 'invalid-request', () => h.api('/api/v1/tenants/tk/tokens', { method: 'POST' }));
  await assertRejected(h, 400, 'bad-json', () => h.api('/api/v1/tenants/tk/tokens', { method: 'POST', body: '{', headers: { 'content-type': 'application/json' } }));
  await assertRejected(h, 415, 'unsupported-media-type', () => h.api('/api/v1/tenants/tk/tokens', { method: 'POST', body: 'name', headers: { 'content-type': 'text/plain' } }));
  await assertRejected(h, 413, 'payload-too-large', () => h.api('/api/v1/tenants/tk/tokens', { method: 'POST', body: JSON.stringify({ name: 'n'.repeat(16 * 1024 * 1024) }), headers: { 'content-type': 'application/json' } }));
  await assertRejected(h, 422, 'invalid-request', () => h.api('/api/v1/tenants/tk/tokens?limit=999'));
  // Another tenant's token id cannot be revoked through this tenant.
  const other = await h.api('/api/v1/tenants/default/tokens', { method: 'POST', json: { name: 'o' } });
  await assertRejected(h, 404, 'not-found', () => h.api(`/api/v1/tenants/tk/tokens/${other.body.id}`, { method: 'DELETE' }));
});
