import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { LogInput, LogRecord } from '../../src/storage/types.ts';
import { startHarness, assertRejected, type Harness } from './harness.ts';

let h: Harness;
let version: string;
before(async () => {
  h = await startHarness();
  version = (await h.deploy('logger')).version.id;
  await h.deploy('quiet');
});
after(() => h.close());

const log = (message: string, invocationId = 'inv-1', fn = 'logger'): LogInput => ({ tenant: 'default', function: fn, version, invocationId, ts: Date.now(), level: 'info', message });

/** Resolves the next time storage.listLogs is called for `fn` (the handler has subscribed before that read). */
function nextLogRead(fn: string): Promise<void> {
  const storage = h.storage;
  const original = storage.listLogs;
  return new Promise((resolve) => {
    storage.listLogs = async function (this: typeof storage, tenant, name, opts): Promise<LogRecord[]> {
      if (name === fn) { storage.listLogs = original; resolve(); }
      return original.call(storage, tenant, name, opts);
    };
  });
}

test('logs are listed after a cursor, filtered by invocation, with `last` to continue from', async () => {
  await h.storage.appendLogs([log('one', 'inv-a'), log('two', 'inv-b'), log('three', 'inv-a')]);
  const all = await h.api('/api/v1/functions/logger/logs');
  assert.equal(all.status, 200);
  assert.deepEqual(all.body.items.map((l: any) => l.message), ['one', 'two', 'three']);
  assert.deepEqual(Object.keys(all.body.items[0]).sort(), ['id', 'invocationId', 'level', 'message', 'ts', 'version']);
  assert.equal(all.body.items[0].version, version);
  assert.equal(all.body.last, all.body.items[2].id);
  const after = await h.api(`/api/v1/functions/logger/logs?after=${all.body.items[0].id}&limit=1`);
  assert.deepEqual(after.body.items.map((l: any) => l.message), ['two']);
  assert.equal(after.body.last, all.body.items[1].id);
  const inv = await h.api('/api/v1/functions/logger/logs?invocation=inv-a');
  assert.deepEqual(inv.body.items.map((l: any) => l.message), ['one', 'three']);
  const none = await h.api(`/api/v1/functions/logger/logs?after=${all.body.last}`);
  assert.deepEqual(none.body, { items: [], last: all.body.last });
});

test('a long-poll answers as soon as the node notifies new logs', async () => {
  const start = (await h.api('/api/v1/functions/logger/logs')).body.last as number;
  const read = nextLogRead('logger');
  const started = performance.now();
  const pending = h.api(`/api/v1/functions/logger/logs?after=${start}&wait=30`);
  await read; // the request has subscribed and read: nothing newer yet
  await h.storage.appendLogs([log('late arrival')]);
  h.handler.notifyLogs('default', 'logger');
  const r = await pending;
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.items.map((l: any) => l.message), ['late arrival']);
  assert.equal(r.body.last, r.body.items[0].id);
  assert.ok(performance.now() - started < 10_000, 'answered on notification, not at the end of the wait');
  assert.equal(h.handler.pendingLogWaits(), 0);
});

test('a long-poll ignores other functions and keeps waiting when the new logs do not match its filter', async () => {
  const start = (await h.api('/api/v1/functions/logger/logs')).body.last as number;
  let read = nextLogRead('logger');
  const pending = h.api(`/api/v1/functions/logger/logs?after=${start}&wait=30&invocation=wanted`);
  await read;
  h.handler.notifyLogs('default', 'quiet'); // another function: no wake-up
  h.handler.notifyLogs('acme', 'logger'); // another tenant: no wake-up
  read = nextLogRead('logger');
  await h.storage.appendLogs([log('not for me', 'other')]);
  h.handler.notifyLogs('default', 'logger');
  await read; // woke, re-read, found nothing matching, waits again
  await h.storage.appendLogs([log('for me', 'wanted')]);
  h.handler.notifyLogs('default', 'logger');
  const r = await pending;
  assert.deepEqual(r.body.items.map((l: any) => l.message), ['for me']);
});

test('a long-poll ends with no items when the wait runs out', async () => {
  const start = (await h.api('/api/v1/functions/logger/logs')).body.last as number;
  const r = await h.api(`/api/v1/functions/logger/logs?after=${start}&wait=0.05`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { items: [], last: start });
  assert.equal(h.handler.pendingLogWaits(), 0);
});

test('a long-poll stops waiting when the client disconnects', async () => {
  const start = (await h.api('/api/v1/functions/logger/logs')).body.last as number;
  const read = nextLogRead('logger');
  const abort = new AbortController();
  const started = performance.now();
  const pending = h.api(`/api/v1/functions/logger/logs?after=${start}&wait=30`, { signal: abort.signal });
  await read;
  assert.equal(h.handler.pendingLogWaits(), 1);
  const done = once(h.logLines, 'request');
  abort.abort();
  await assert.rejects(pending, { name: 'AbortError' });
  const [entry] = await done as [{ path: string }];
  assert.equal(entry.path, '/api/v1/functions/logger/logs');
  assert.ok(performance.now() - started < 10_000);
  assert.equal(h.handler.pendingLogWaits(), 0);
});

test('bad log queries are rejected and change nothing', async () => {
  for (const q of ['after=-1', 'after=x', 'limit=0', 'limit=201', 'wait=31', 'wait=-1', 'wait=soon', 'invocation=']) {
    const r = await assertRejected(h, 422, 'invalid-request', () => h.api(`/api/v1/functions/logger/logs?${q}`));
    assert.match(r.body.errors[0], new RegExp('^' + q.split('=')[0] + ': '));
  }
  await assertRejected(h, 404, 'function-not-found', () => h.api('/api/v1/functions/ghost/logs?wait=30'));
  await assertRejected(h, 422, 'invalid-request', () => h.api('/api/v1/functions/Ghost/logs'));
  assert.equal(h.handler.pendingLogWaits(), 0);
});

test('invocations are listed newest first with cursor pagination', async () => {
  const base = {
    tenant: 'default', function: 'logger', version, trigger: 'http', method: 'GET', path: '/', status: 200, durationMs: 3, cpuMs: 1, coldStart: false, error: null,
    memoryMb: 128, billedMs: 3, bytesIn: 0, bytesOut: 12,
  };
  await h.storage.appendInvocations([
    { ...base, id: 'i1', ts: 1000, coldStart: true },
    { ...base, id: 'i2', ts: 2000, status: 500, error: 'function-threw' },
    { ...base, id: 'i3', ts: 3000, method: 'POST', path: '/x' },
  ]);
  const r = await h.api('/api/v1/functions/logger/invocations');
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.items.map((i: any) => i.id), ['i3', 'i2', 'i1']);
  assert.deepEqual(r.body.items[1], {
    id: 'i2', ts: 2000, version, trigger: 'http', method: 'GET', path: '/', status: 500, durationMs: 3, cpuMs: 1, coldStart: false, error: 'function-threw',
    memoryMb: 128, billedMs: 3, gbSeconds: 128 * 3 / 1_024_000, bytesIn: 0, bytesOut: 12,
  });
  const p1 = await h.api('/api/v1/functions/logger/invocations?limit=2');
  assert.deepEqual(p1.body.items.map((i: any) => i.id), ['i3', 'i2']);
  const p2 = await h.api(`/api/v1/functions/logger/invocations?limit=2&cursor=${p1.body.nextCursor}`);
  assert.deepEqual(p2.body.items.map((i: any) => i.id), ['i1']);
  await assertRejected(h, 404, 'function-not-found', () => h.api('/api/v1/functions/ghost/invocations'));
  await assertRejected(h, 422, 'invalid-request', () => h.api('/api/v1/functions/logger/invocations?limit=0'));
  await assertRejected(h, 422, 'invalid-request', () => h.api('/api/v1/functions/logger/invocations?cursor=bogus'));
});
