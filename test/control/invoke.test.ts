import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, assertRejected, DATA_PLANE, type Harness } from './harness.ts';

let h: Harness;
let current: string;
before(async () => {
  h = await startHarness();
  await h.deploy('echo', { code: 'export default { fetch() { return new Response("old"); } };' });
  current = (await h.deploy('echo')).version.id;
});
after(() => h.close());

const invoke = (json: unknown, name = 'echo') => h.api(`/api/v1/functions/${name}/invoke`, { method: 'POST', json });

test('invoke runs the current version and answers a text body as `body`', async () => {
  const calls = h.invoker.calls.length;
  const r = await invoke({ method: 'post', path: '/echo/items?x=1', headers: { 'X-Trace': 'abc' }, body: 'héllo' });
  assert.equal(r.status, 200, r.text);
  const call = h.invoker.calls[calls]!;
  assert.deepEqual(call.target, { tenant: 'default', function: 'echo', version: current });
  assert.equal(call.input.url, `${DATA_PLANE}/echo/items?x=1`);
  assert.equal(call.input.method, 'POST');
  assert.match(call.input.id, /^[0-9a-z]{26}$/);
  assert.deepEqual(call.input.headers, [['x-trace', 'abc']]);
  assert.equal(Buffer.from(call.input.body!).toString('utf8'), 'héllo');
  assert.equal(r.body.invocationId, call.input.id);
  assert.equal(r.body.version, current);
  assert.equal(r.body.status, 201);
  assert.equal(r.body.headers['content-type'], 'application/json');
  assert.equal(r.body.headers['x-multi'], 'a, b');
  assert.deepEqual(JSON.parse(r.body.body), { method: 'POST', url: `${DATA_PLANE}/echo/items?x=1`, headers: [['x-trace', 'abc']], body: 'héllo' });
  assert.equal(r.body.bodyBase64, undefined);
  assert.equal(r.body.durationMs, 1.5);
  assert.equal(r.body.cpuMs, 0.5);
  assert.equal(r.body.coldStart, true);
  assert.equal(r.body.error, null);
});

test('invoke defaults to GET / with no body', async () => {
  const calls = h.invoker.calls.length;
  const r = await h.api('/api/v1/functions/echo/invoke', { method: 'POST' });
  assert.equal(r.status, 200, r.text);
  const call = h.invoker.calls[calls]!;
  assert.equal(call.input.method, 'GET');
  assert.equal(call.input.url, `${DATA_PLANE}/`);
  assert.equal(call.input.body, null);
  assert.deepEqual(call.input.headers, []);
});

test('invoke takes a base64 body and answers non-UTF-8 bytes as `bodyBase64`', async () => {
  const calls = h.invoker.calls.length;
  const r = await invoke({ method: 'PUT', path: '/binary', bodyBase64: Buffer.from([1, 2, 255]).toString('base64') });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual([...h.invoker.calls[calls]!.input.body!], [1, 2, 255]);
  assert.equal(r.body.body, undefined);
  assert.equal(r.body.bodyBase64, Buffer.from([0xff, 0x00, 0xfe]).toString('base64'));
});

test('bad invoke requests are rejected without invoking anything', async () => {
  const calls = h.invoker.calls.length;
  const cases: Array<[unknown, string]> = [
    [{ body: 'x', bodyBase64: 'eA==' }, 'bodyBase64'],
    [{ method: 'GET', body: 'x' }, 'body'],
    [{ method: 'HEAD', bodyBase64: 'eA==' }, 'bodyBase64'],
    [{ method: 'GE T' }, 'method'],
    [{ path: 'no-slash' }, 'path'],
    [{ path: '/a b' }, 'path'],
    [{ headers: { 'bad header': 'x' } }, 'headers.bad header'],
    [{ headers: { ok: 'line\r\nbreak' } }, 'headers.ok'],
    [{ headers: { ok: 1 } }, 'headers.ok'],
    [{ method: 'POST', bodyBase64: 'not base64!' }, 'bodyBase64'],
    [{ method: 'POST', body: 42 }, 'body'],
    [{ verb: 'GET' }, '(root)'],
  ];
  for (const [json, path] of cases) {
    const r = await assertRejected(h, 422, 'invalid-request', () => invoke(json));
    assert.ok(r.body.errors.some((e: string) => e.startsWith(path + ': ')), `${JSON.stringify(json)} -> ${r.text}`);
  }
  await assertRejected(h, 404, 'function-not-found', () => invoke({}, 'ghost'));
  await assertRejected(h, 422, 'invalid-request', () => invoke({}, 'Ghost'));
  await assertRejected(h, 400, 'bad-json', () => h.api('/api/v1/functions/echo/invoke', { method: 'POST', body: '{"method":"GET"', headers: { 'content-type': 'application/json' } }));
  await assertRejected(h, 415, 'unsupported-media-type', () => h.api('/api/v1/functions/echo/invoke', { method: 'POST', body: 'GET /', headers: { 'content-type': 'text/plain' } }));
  await assertRejected(h, 413, 'payload-too-large', () => h.api('/api/v1/functions/echo/invoke', { method: 'POST', body: JSON.stringify({ method: 'POST', body: 'x'.repeat(16 * 1024 * 1024) }), headers: { 'content-type': 'application/json' } }));
  assert.equal(h.invoker.calls.length, calls);
});

test('a tenant cannot invoke another tenant\'s function', async () => {
  const token = await h.tenantToken('acme');
  const calls = h.invoker.calls.length;
  await assertRejected(h, 404, 'function-not-found', () => h.api('/api/v1/functions/echo/invoke', { method: 'POST', json: {}, token }));
  assert.equal(h.invoker.calls.length, calls);
});

test('an invalid header name is reported with a readable message', async () => {
  const r = await invoke({ headers: { 'bad header': 'x' } });
  assert.deepEqual(r.body.errors, ['headers.bad header: not an HTTP header name (letters, digits and !#$%&\'*+-.^_`|~)']);
});
