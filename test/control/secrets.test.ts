import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, assertRejected, type Harness } from './harness.ts';

let h: Harness;
before(async () => { h = await startHarness(); });
after(() => h.close());

const put = (name: string, json: unknown, extra: { token?: string } = {}) => h.api(`/api/v1/secrets/${name}`, { method: 'PUT', json, ...extra });

test('a secret is sealed with the secret box, listed by name, never returned', async () => {
  const r = await put('DB_PASSWORD', { value: 'hunter2' });
  assert.equal(r.status, 204);
  const stored = await h.storage.getSecret('default', 'DB_PASSWORD');
  assert.ok(stored);
  assert.equal(Buffer.from(stored.ciphertext).includes(Buffer.from('hunter2')), false, 'storage holds ciphertext only');
  assert.equal(h.box.open('default', 'DB_PASSWORD', stored.ciphertext), 'hunter2');
  const list = await h.api('/api/v1/secrets');
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.items.map((s: any) => s.name), ['DB_PASSWORD']);
  assert.deepEqual(Object.keys(list.body.items[0]).sort(), ['name', 'updatedAt']);
  assert.equal(list.text.includes('hunter2'), false);
  assert.equal((await put('DB_PASSWORD', { value: 'correct horse' })).status, 204);
  assert.equal(h.box.open('default', 'DB_PASSWORD', (await h.storage.getSecret('default', 'DB_PASSWORD'))!.ciphertext), 'correct horse');
});

test('changing a secret tells the node about the functions that grant it', async () => {
  await put('TOKEN', { value: 'a' });
  await h.deploy('grants', { config: { secrets: ['TOKEN'] } });
  await h.deploy('ignores');
  let before = h.changed.length;
  await put('TOKEN', { value: 'b' });
  assert.deepEqual(h.changed.slice(before), [['default', 'grants']]);
  before = h.changed.length;
  assert.equal((await h.api('/api/v1/secrets/TOKEN', { method: 'DELETE' })).status, 204);
  assert.deepEqual(h.changed.slice(before), [['default', 'grants']]);
  assert.equal(await h.storage.getSecret('default', 'TOKEN'), null);
});

test('secrets are per tenant', async () => {
  const token = await h.tenantToken('acme');
  assert.equal((await put('ACME_ONLY', { value: 'x' }, { token })).status, 204);
  assert.deepEqual((await h.api('/api/v1/secrets', { token })).body.items.map((s: any) => s.name), ['ACME_ONLY']);
  assert.equal((await h.api('/api/v1/secrets')).body.items.some((s: any) => s.name === 'ACME_ONLY'), false);
  await assertRejected(h, 404, 'not-found', () => h.api('/api/v1/secrets/ACME_ONLY', { method: 'DELETE' }));
});

test('bad secret requests are rejected and change nothing', async () => {
  await put('EXISTING', { value: 'v' });
  const name = await assertRejected(h, 422, 'invalid-request', () => put('1BAD', { value: 'v' }));
  assert.match(name.body.errors[0], /^name: /);
  await assertRejected(h, 422, 'invalid-request', () => put('has-dash', { value: 'v' }));
  await assertRejected(h, 422, 'invalid-request', () => put('A'.repeat(129), { value: 'v' }));
  const big = await assertRejected(h, 422, 'invalid-request', () => put('EXISTING', { value: 'x'.repeat(64 * 1024 + 1) }));
  assert.match(big.body.errors[0], /^value: .*64 KiB/);
  assert.equal((await put('MAX_SIZE', { value: 'x'.repeat(64 * 1024) })).status, 204);
  await h.api('/api/v1/secrets/MAX_SIZE', { method: 'DELETE' });
  await assertRejected(h, 422, 'invalid-request', () => put('EXISTING', { value: 42 }));
  await assertRejected(h, 422, 'invalid-request', () => put('EXISTING', {}));
  await assertRejected(h, 422, 'invalid-request', () => put('EXISTING', { value: 'v', ttl: 3 }));
  await assertRejected(h, 422, 'invalid-request', () => h.api('/api/v1/secrets/EXISTING', { method: 'PUT' }));
  await assertRejected(h, 400, 'bad-json', () => h.api('/api/v1/secrets/EXISTING', { method: 'PUT', body: "{'value': 'v'}", headers: { 'content-type': 'application/json' } }));
  await assertRejected(h, 415, 'unsupported-media-type', () => h.api('/api/v1/secrets/EXISTING', { method: 'PUT', body: 'v', headers: { 'content-type': 'text/plain' } }));
  await assertRejected(h, 413, 'payload-too-large', () => h.api('/api/v1/secrets/EXISTING', { method: 'PUT', body: JSON.stringify({ value: 'x'.repeat(16 * 1024 * 1024) }), headers: { 'content-type': 'application/json' } }));
  await assertRejected(h, 404, 'not-found', () => h.api('/api/v1/secrets/NEVER_SET', { method: 'DELETE' }));
  await assertRejected(h, 422, 'invalid-request', () => h.api('/api/v1/secrets/bad-name', { method: 'DELETE' }));
});
