// The small pieces of the control plane on their own: canonical JSON, version ids, log waiters, router.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson } from '../../src/control/canonical-json.ts';
import { versionId } from '../../src/control/versions.ts';
import { LogWaiters } from '../../src/control/log-waiters.ts';
import { Router, defineRoute } from '../../src/control/router.ts';
import { sha256Hex } from '../../src/shared/ids.ts';

test('canonical JSON sorts keys at every depth and drops undefined members', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' }, u: undefined }), '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
  assert.equal(canonicalJson({ a: 1, b: 2 }), canonicalJson({ b: 2, a: 1 }));
  assert.equal(canonicalJson([undefined, null, 'é"']), '[null,null,"é\\""]');
  assert.throws(() => canonicalJson({ n: Number.NaN }), TypeError);
});

test('a version id is "v" + 20 hex of sha256(code, newline, canonical config)', () => {
  const id = versionId('export default {}', { b: 1, a: 2 });
  assert.equal(id, 'v' + sha256Hex('export default {}\n{"a":2,"b":1}').slice(0, 20));
  assert.equal(versionId('export default {}', { a: 2, b: 1 }), id);
  assert.notEqual(versionId('export default {} ', { a: 2, b: 1 }), id);
});

test('log waiters: a notification before wait() still counts; timeouts and aborts do not', async () => {
  const w = new LogWaiters();
  const early = w.subscribe('t', 'f');
  w.notify('t', 'f');
  assert.equal(await early.wait(10_000), true);
  const other = w.subscribe('t', 'f');
  w.notify('t', 'g');
  w.notify('u', 'f');
  assert.equal(await other.wait(1), false);
  const aborted = w.subscribe('t', 'f');
  const ac = new AbortController();
  const p = aborted.wait(10_000, ac.signal);
  ac.abort();
  assert.equal(await p, false);
  const cancelled = w.subscribe('t', 'f');
  cancelled.cancel();
  assert.equal(w.pending, 0);
  const late = w.subscribe('t', 'f');
  const q = late.wait(10_000);
  w.notify('t', 'f');
  assert.equal(await q, true);
  assert.equal(w.pending, 0);
});

test('the router matches params, reports allowed methods, and refuses duplicates', async () => {
  const handle = async () => ({ status: 204 });
  const base = { operationId: 'x', summary: 's', tag: 't', access: 'public' as const, scope: 'global' as const, responses: {}, handle };
  const a = defineRoute({ ...base, method: 'GET', path: '/a/{id}' });
  const b = defineRoute({ ...base, method: 'DELETE', path: '/a/{id}', operationId: 'y' });
  const r = new Router([a, b]);
  const m = r.match('GET', '/a/h%C3%A9');
  assert.equal(m.kind, 'route');
  assert.deepEqual(m.kind === 'route' && m.params, { id: 'hé' });
  assert.deepEqual(r.match('PUT', '/a/1'), { kind: 'method', allow: ['GET', 'DELETE'] });
  assert.deepEqual(r.match('GET', '/a/'), { kind: 'none' });
  assert.deepEqual(r.match('GET', '/a'), { kind: 'none' });
  assert.throws(() => r.match('GET', '/a/%E0%A4%A'), URIError);
  assert.throws(() => new Router([a, a]), /duplicate route GET \/a\/\{id\}/);
});
