// Health, metrics, routing errors and the request id: the parts of the handler around the resources.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, assertProblem, assertRejected, type Harness } from './harness.ts';

let h: Harness;
let tenant: string;
before(async () => {
  h = await startHarness();
  tenant = await h.tenantToken('acme');
});
after(() => h.close());

test('/healthz needs no token', async () => {
  const r = await h.api('/healthz', { token: null });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { status: 'ok' });
});

test('/readyz answers ready, or 503 not-ready with Retry-After', async () => {
  assert.deepEqual((await h.api('/readyz', { token: null })).body, { status: 'ready' });
  h.ready.value = false;
  try {
    const r = await h.api('/readyz', { token: null });
    assertProblem(r, 503, 'not-ready');
    assert.equal(r.headers.get('retry-after'), '1');
  } finally {
    h.ready.value = true;
  }
});

test('/metrics needs a platform admin token and answers Prometheus text', async () => {
  await assertRejected(h, 401, 'unauthorized', () => h.api('/metrics', { token: null }));
  await assertRejected(h, 403, 'forbidden', () => h.api('/metrics', { token: tenant }));
  const r = await h.api('/metrics');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  assert.match(r.text, /^cairn_up 1$/m);
});

test('an unknown path is 404 not-found; a trailing slash is a different path', async () => {
  const r = await assertRejected(h, 404, 'not-found', () => h.api('/api/v1/nothing-here'));
  assert.match(r.body.hint, /openapi\.json/);
  await assertRejected(h, 404, 'not-found', () => h.api('/api/v1/functions/'));
  await assertRejected(h, 404, 'not-found', () => h.api('/', { token: null }));
  await assertRejected(h, 404, 'not-found', () => h.api('/api/v1/functions/a/b/c/d'));
});

test('a wrong method is 405 method-not-allowed with Allow', async () => {
  const r = await assertRejected(h, 405, 'method-not-allowed', () => h.api('/api/v1/functions/hello', { method: 'PATCH', json: {} }));
  assert.equal(r.headers.get('allow'), 'GET, DELETE');
  const v = await assertRejected(h, 405, 'method-not-allowed', () => h.api('/api/v1/functions/hello/versions', { method: 'PUT', json: {} }));
  assert.equal(v.headers.get('allow'), 'POST, GET');
  const healthz = await assertRejected(h, 405, 'method-not-allowed', () => h.api('/healthz', { method: 'POST', token: null }));
  assert.equal(healthz.headers.get('allow'), 'GET');
});

test('every answer carries x-request-id; a sane incoming one is echoed', async () => {
  const a = await h.api('/healthz', { token: null });
  const b = await h.api('/healthz', { token: null });
  assert.ok(a.headers.get('x-request-id'));
  assert.notEqual(a.headers.get('x-request-id'), b.headers.get('x-request-id'));
  assert.equal((await h.api('/healthz', { token: null, headers: { 'x-request-id': 'trace-123' } })).headers.get('x-request-id'), 'trace-123');
  assert.notEqual((await h.api('/healthz', { token: null, headers: { 'x-request-id': 'bad id with spaces' } })).headers.get('x-request-id'), 'bad id with spaces');
  assert.ok((await h.api('/api/v1/functions', { token: null })).headers.get('x-request-id'));
});

test('each request is logged at debug with its id, status and principal', async () => {
  const seen: any[] = [];
  const listener = (e: any): void => { seen.push(e); };
  h.logLines.on('request', listener);
  try {
    const r = await h.api('/api/v1/functions', { token: tenant, headers: { 'x-request-id': 'log-me' } });
    assert.equal(r.status, 200);
  } finally {
    h.logLines.off('request', listener);
  }
  const entry = seen.find((e) => e.requestId === 'log-me');
  assert.ok(entry);
  assert.equal(entry.level, 20);
  assert.equal(entry.status, 200);
  assert.equal(entry.method, 'GET');
  assert.equal(entry.path, '/api/v1/functions');
  assert.equal(entry.tenant, 'acme');
  assert.match(entry.principal, /^token:/);
});

test('an unexpected failure is a 500 internal problem that names no internals', async () => {
  const original = h.storage.listSecrets;
  h.storage.listSecrets = async () => { throw new Error('disk on fire at /var/secret/path'); };
  try {
    const r = await h.api('/api/v1/secrets');
    assertProblem(r, 500, 'internal');
    assert.equal(r.text.includes('disk on fire'), false);
  } finally {
    h.storage.listSecrets = original;
  }
});
