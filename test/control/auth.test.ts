import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sha256Hex } from '../../src/shared/ids.ts';
import { startHarness, assertProblem, assertRejected, type Harness } from './harness.ts';

let h: Harness;
let acme: string;
let globex: string;
before(async () => {
  h = await startHarness();
  acme = await h.tenantToken('acme');
  globex = await h.tenantToken('globex');
  await h.deploy('acme-fn', { token: acme });
  await h.deploy('globex-fn', { token: globex });
});
after(() => h.close());

test('a request without a token is 401 unauthorized with WWW-Authenticate', async () => {
  const r = await assertRejected(h, 401, 'unauthorized', () => h.api('/api/v1/functions', { token: null }));
  assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer/);
  assert.match(r.body.hint, /Authorization: Bearer/);
});

test('a malformed Authorization header is 401', async () => {
  await assertRejected(h, 401, 'unauthorized', () => h.api('/api/v1/functions', { token: null, headers: { authorization: 'Basic dXNlcjpwYXNz' } }));
});

test('an unknown token is 401', async () => {
  await assertRejected(h, 401, 'unauthorized', () => h.api('/api/v1/functions', { token: 'cairn_not-a-real-token' }));
});

test('a revoked token is 401, even for the request that would revoke it again', async () => {
  const token = await h.tenantToken('acme');
  assert.equal((await h.api('/api/v1/functions', { token })).status, 200);
  const record = await h.storage.findTokenByHash(sha256Hex(token));
  assert.ok(record);
  // A tenant may revoke its own token, including the one it is using.
  assert.equal((await h.api(`/api/v1/tenants/acme/tokens/${record.id}`, { method: 'DELETE', token })).status, 204);
  const r = await assertRejected(h, 401, 'unauthorized', () => h.api('/api/v1/functions', { token }));
  assert.match(r.body.detail, /revoked/);
  await assertRejected(h, 401, 'unauthorized', () => h.api(`/api/v1/tenants/acme/tokens/${record.id}`, { method: 'DELETE', token }));
});

test('a tenant token sees only its own functions', async () => {
  const r = await h.api('/api/v1/functions', { token: acme });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.items.map((f: any) => f.name), ['acme-fn']);
  assert.equal(r.body.items[0].tenant, 'acme');
  assertProblem(await h.api('/api/v1/functions/globex-fn', { token: acme }), 404, 'function-not-found');
  assertProblem(await h.api('/api/v1/functions/globex-fn/versions', { token: acme }), 404, 'function-not-found');
  assertProblem(await h.api('/api/v1/functions/globex-fn/logs', { token: acme }), 404, 'function-not-found');
});

test('a tenant token cannot act in another tenant with ?tenant= or x-cairn-tenant', async () => {
  await assertRejected(h, 403, 'forbidden', () => h.api('/api/v1/functions?tenant=globex', { token: acme }));
  await assertRejected(h, 403, 'forbidden', () => h.api('/api/v1/functions', { token: acme, headers: { 'x-cairn-tenant': 'globex' } }));
  await assertRejected(h, 403, 'forbidden', () => h.api('/api/v1/functions?tenant=*', { token: acme }));
  await assertRejected(h, 403, 'forbidden', () => h.api('/api/v1/functions/globex-fn?tenant=globex', { token: acme, method: 'DELETE' }));
  await assertRejected(h, 403, 'forbidden', () => h.api('/api/v1/secrets/X?tenant=globex', { token: acme, method: 'PUT', json: { value: 'v' } }));
  await assertRejected(h, 403, 'forbidden', () => h.api('/api/v1/functions/evil/versions?tenant=globex', { token: acme, method: 'POST', json: { code: 'export default {}' } }));
  // Naming its own tenant is fine.
  assert.equal((await h.api('/api/v1/functions?tenant=acme', { token: acme })).status, 200);
});

test('a tenant token cannot deploy over another tenant\'s function name', async () => {
  const r = await assertRejected(h, 409, 'conflict', () => h.api('/api/v1/functions/globex-fn/versions', { token: acme, method: 'POST', json: { code: 'export default {}' } }));
  assert.ok(r.body.hint);
});

test('a tenant token cannot manage tenants or another tenant\'s tokens', async () => {
  await assertRejected(h, 403, 'forbidden', () => h.api('/api/v1/tenants', { token: acme }));
  await assertRejected(h, 403, 'forbidden', () => h.api('/api/v1/tenants', { token: acme, method: 'POST', json: { id: 'evil' } }));
  await assertRejected(h, 403, 'forbidden', () => h.api('/api/v1/tenants/globex/tokens', { token: acme }));
  await assertRejected(h, 403, 'forbidden', () => h.api('/api/v1/tenants/globex/tokens', { token: acme, method: 'POST', json: { name: 'x' } }));
  const list = await h.api('/api/v1/tenants/globex/tokens');
  await assertRejected(h, 403, 'forbidden', () => h.api(`/api/v1/tenants/globex/tokens/${list.body.items[0].id}`, { token: acme, method: 'DELETE' }));
});

test('the admin acts in "default" unless it names a tenant', async () => {
  assert.deepEqual((await h.api('/api/v1/functions')).body.items, []);
  const byQuery = await h.api('/api/v1/functions?tenant=acme');
  assert.deepEqual(byQuery.body.items.map((f: any) => f.name), ['acme-fn']);
  const byHeader = await h.api('/api/v1/functions', { headers: { 'x-cairn-tenant': 'globex' } });
  assert.deepEqual(byHeader.body.items.map((f: any) => f.name), ['globex-fn']);
  const all = await h.api('/api/v1/functions?tenant=*');
  assert.deepEqual(all.body.items.map((f: any) => `${f.tenant}/${f.name}`), ['acme/acme-fn', 'globex/globex-fn']);
  assert.equal((await h.api('/api/v1/functions/acme-fn?tenant=acme')).status, 200);
});

test('the admin naming an unknown, malformed or ambiguous tenant is rejected', async () => {
  const r = await assertRejected(h, 404, 'not-found', () => h.api('/api/v1/functions?tenant=nobody'));
  assert.match(r.body.hint, /POST \/api\/v1\/tenants/);
  const bad = await assertRejected(h, 422, 'invalid-request', () => h.api('/api/v1/functions?tenant=Bad!'));
  assert.match(bad.body.errors[0], /^tenant: /);
  await assertRejected(h, 422, 'invalid-request', () => h.api('/api/v1/functions?tenant=acme', { headers: { 'x-cairn-tenant': 'globex' } }));
  // "*" is only for listing functions.
  await assertRejected(h, 422, 'invalid-request', () => h.api('/api/v1/secrets?tenant=*'));
});

test('the admin deploys into a named tenant; deployments record who acted', async () => {
  const d = await h.deploy('admin-made', { tenant: 'acme' });
  assert.equal((await h.storage.getFunction('acme', 'admin-made'))?.currentVersion, d.version.id);
  assert.equal(await h.storage.getFunction('default', 'admin-made'), null);
  const byAdmin = await h.api('/api/v1/functions/admin-made/deployments', { token: acme });
  assert.equal(byAdmin.body.items[0].actor, 'admin');
  await h.deploy('admin-made', { token: acme, code: 'export default {};' });
  const record = await h.storage.findTokenByHash(sha256Hex(acme));
  const byTenant = await h.api('/api/v1/functions/admin-made/deployments?tenant=acme');
  assert.equal(byTenant.body.items[0].actor, `token:${record!.id}`);
});
