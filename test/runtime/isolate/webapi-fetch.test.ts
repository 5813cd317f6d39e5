// fetch() inside the isolate against a fake WebApiHost: what reaches the host, what comes back,
// errors, aborts, data: URLs handled in the isolate, and release() while a fetch is in flight.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WebApiHost } from '../../../src/runtime/isolate/webapi.ts';
import { setup } from './harness.ts';

type HostRequest = Parameters<WebApiHost['fetch']>[0];
type HostResponse = Awaited<ReturnType<WebApiHost['fetch']>>;

test('fetch() hands the request to host.fetch and builds the Response from its answer', async () => {
  const seen: HostRequest[] = [];
  const t = await setup(async (req) => {
    seen.push(req);
    return { status: 201, statusText: 'Created', headers: [['Content-Type', 'application/json'], ['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2']], body: new TextEncoder().encode('{"ok":true}') };
  });
  try {
    const r = await t.run<string>(`(async () => {
      const res = await fetch('https://api.example.com/items?x=1#frag', {
        method: 'post', headers: { 'X-Token': 'abc', 'Content-Type': 'text/plain' }, body: 'payload',
      });
      return JSON.stringify([res.status, res.statusText, res.ok, res.url, res.type, res.headers.get('content-type'),
        res.headers.getSetCookie(), await res.json()]);
    })()`);
    assert.deepEqual(JSON.parse(r), [201, 'Created', true, 'https://api.example.com/items?x=1', 'basic', 'application/json', ['a=1', 'b=2'], { ok: true }]);
    assert.equal(seen.length, 1);
    const req = seen[0]!;
    assert.equal(req.url, 'https://api.example.com/items?x=1');
    assert.equal(req.method, 'POST');
    assert.deepEqual(req.headers, [['x-token', 'abc'], ['content-type', 'text/plain']]);
    assert.ok(req.body instanceof Uint8Array);
    assert.equal(new TextDecoder().decode(req.body), 'payload');
    assert.equal(t.handle.stats().fetches, 0);
  } finally {
    t.close();
  }
});

test('a stream request body is read in full before it goes to the host; GET has no body', async () => {
  const seen: HostRequest[] = [];
  const t = await setup(async (req) => {
    seen.push(req);
    return { status: 200, statusText: 'OK', headers: [], body: new Uint8Array(0) };
  });
  try {
    await t.run(`(async () => {
      const body = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('ab')); c.enqueue(new TextEncoder().encode('cd')); c.close(); } });
      await fetch('https://example.com/up', { method: 'PUT', body, duplex: 'half' });
      await fetch(new Request('https://example.com/get', { headers: [['Accept', 'x/y']] }));
    })()`);
    assert.equal(new TextDecoder().decode(seen[0]!.body!), 'abcd');
    assert.equal(seen[0]!.method, 'PUT');
    assert.equal(seen[1]!.body, null);
    assert.deepEqual(seen[1]!.headers, [['accept', 'x/y']]);
  } finally {
    t.close();
  }
});

test('a host.fetch rejection reaches the function as a TypeError with the same message', async () => {
  const t = await setup(async () => { throw new Error('egress to evil.example is not allowed'); });
  try {
    const r = await t.run<string>(`fetch('https://evil.example/').then(() => 'resolved', (e) => JSON.stringify([e instanceof TypeError, e.message]))`);
    assert.deepEqual(JSON.parse(r), [true, 'egress to evil.example is not allowed']);
  } finally {
    t.close();
  }
});

test('aborting a pending fetch rejects with the signal reason and drops the host answer', async () => {
  let answer!: (r: HostResponse) => void;
  let started!: () => void;
  const hostStarted = new Promise<void>((resolve) => { started = resolve; });
  const t = await setup(() => new Promise<HostResponse>((resolve) => { answer = resolve; started(); }));
  try {
    const pending = t.run<string>(`(async () => {
      const c = new AbortController();
      globalThis.abortIt = () => c.abort();
      try { await fetch('https://slow.example/', { signal: c.signal }); return 'resolved'; }
      catch (e) { return JSON.stringify([e.name, e instanceof DOMException]); }
    })()`);
    await hostStarted;
    assert.equal(t.handle.stats().fetches, 1);
    await t.run('abortIt()');
    assert.deepEqual(JSON.parse(await pending), ['AbortError', true]);
    answer({ status: 200, statusText: 'OK', headers: [], body: new Uint8Array([1]) });
    assert.equal(t.handle.stats().fetches, 0);
    const reason = await t.run<string>(`fetch('https://x.example/', { signal: AbortSignal.abort('why') }).catch((e) => e)`);
    assert.equal(reason, 'why');
  } finally {
    t.close();
  }
});

test('data: URLs are answered in the isolate and other schemes fail without reaching the host', async () => {
  let calls = 0;
  const t = await setup(async () => { calls++; return { status: 200, statusText: 'OK', headers: [], body: new Uint8Array(0) }; });
  try {
    const r = await t.run<string>(`(async () => {
      const a = await fetch('data:text/plain;base64,SGVsbG8=');
      const b = await fetch('data:,a%20b');
      const errors = [];
      for (const u of ['file:///etc/passwd', 'ftp://example.com/', 'about:unknown', 'http://']) {
        try { await fetch(u); errors.push('resolved'); } catch (e) { errors.push(e.name); }
      }
      return JSON.stringify([await a.text(), a.headers.get('content-type'), await b.text(), b.headers.get('content-type'), errors]);
    })()`);
    assert.deepEqual(JSON.parse(r), ['Hello', 'text/plain', 'a b', 'text/plain;charset=US-ASCII', ['TypeError', 'TypeError', 'TypeError', 'TypeError']]);
    assert.equal(calls, 0);
  } finally {
    t.close();
  }
});

test('release() while a fetch is in flight: the late answer is ignored', async () => {
  let answer!: (r: HostResponse) => void;
  let started!: () => void;
  const hostStarted = new Promise<void>((resolve) => { started = resolve; });
  const t = await setup(() => new Promise<HostResponse>((resolve) => { answer = resolve; started(); }));
  try {
    void t.run(`fetch('https://slow.example/').then(() => {}, () => {})`).catch(() => {});
    await hostStarted;
    t.handle.release();
    assert.equal(t.handle.stats().fetches, 0);
    answer({ status: 200, statusText: 'OK', headers: [], body: new Uint8Array(0) });
  } finally {
    t.close();
  }
});
