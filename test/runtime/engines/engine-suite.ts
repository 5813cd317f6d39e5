// One behaviour suite for every engine: the in-process isolated-vm engine and the sandboxed one
// must contain the same failures the same way.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { InvocationError, type Engine } from '../../../src/runtime/engines/types.ts';
import { collector, input, recordingHooks, spec } from '../../helpers/engine.ts';

const HELLO = `export default { async fetch(req, env) { return new Response('hello ' + new URL(req.url).pathname + ' ' + (env.GREETING ?? '')); } };`;

export function runEngineSuite(name: string, make: () => Engine): void {
  describe(`engine: ${name}`, () => {
    const engine = make();
    after(() => engine.close());

    it('runs a function and passes method, URL, headers, body and env', async () => {
      const code = `export default { async fetch(req, env) {
        return Response.json({ m: req.method, u: req.url, h: req.headers.get('x-a'), b: await req.text(), v: env.V, s: env.S });
      } };`;
      const inst = await engine.createInstance(spec(code, { env: { vars: { V: 'var' }, secrets: { S: 'sec' }, bindings: {} } }), recordingHooks());
      const c = collector();
      await inst.invoke(input('/p?q=1', { method: 'POST', headers: [['x-a', '1']], body: new TextEncoder().encode('payload') }), c.sink);
      assert.equal(c.result.head?.status, 200);
      assert.deepEqual(JSON.parse(c.result.body), { m: 'POST', u: 'http://fn.test/p?q=1', h: '1', b: 'payload', v: 'var', s: 'sec' });
      await inst.dispose();
    });

    it('streams a ReadableStream body chunk by chunk', async () => {
      const code = `export default { fetch() {
        let i = 0;
        return new Response(new ReadableStream({ pull(c) { if (i < 3) c.enqueue(new TextEncoder().encode('c' + i++)); else c.close(); } }));
      } };`;
      const inst = await engine.createInstance(spec(code), recordingHooks());
      const c = collector();
      await inst.invoke(input(), c.sink);
      assert.equal(c.result.body, 'c0c1c2');
      assert.ok(c.result.chunks >= 3);
      await inst.dispose();
    });

    it('captures console output with the invocation id', async () => {
      const hooks = recordingHooks();
      const inst = await engine.createInstance(spec(`export default { fetch() { console.log('hi', { a: 1 }); console.error('bad'); return new Response('ok'); } };`), hooks);
      const inp = input();
      await inst.invoke(inp, collector().sink);
      await inst.dispose();
      const mine = hooks.logs.filter((l) => l.inv === inp.id);
      assert.deepEqual(mine.map((l) => l.level), ['log', 'error']);
      assert.match(mine[0]!.message, /hi/);
      assert.match(mine[0]!.message, /a: 1|"a":1/);
    });

    it('a throw ends only that invocation, and the instance keeps serving', async () => {
      const inst = await engine.createInstance(spec(`export default { fetch(req) { if (req.url.endsWith('/boom')) throw new Error('kaboom'); return new Response('fine'); } };`), recordingHooks());
      await assert.rejects(inst.invoke(input('/boom'), collector().sink), (e: unknown) => e instanceof InvocationError && e.code === 'function-threw' && /kaboom/.test(e.message) && !e.fatal);
      const c = collector();
      await inst.invoke(input('/ok'), c.sink);
      assert.equal(c.result.body, 'fine');
      await inst.dispose();
    });

    it('a rejected promise from fetch() ends that invocation', async () => {
      const inst = await engine.createInstance(spec(`export default { fetch() { return Promise.reject(new TypeError('nope')); } };`), recordingHooks());
      await assert.rejects(inst.invoke(input(), collector().sink), (e: unknown) => e instanceof InvocationError && e.code === 'function-threw' && /nope/.test(e.message));
      await inst.dispose();
    });

    it('a stray unhandled rejection is logged but does not cost the response', async () => {
      const hooks = recordingHooks();
      const code = `export default { async fetch() {
        Promise.reject(new Error('stray'));
        await new Promise((r) => setTimeout(r, 1));
        return new Response('answered');
      } };`;
      const inst = await engine.createInstance(spec(code), hooks);
      const c = collector();
      await inst.invoke(input(), c.sink);
      assert.equal(c.result.body, 'answered');
      assert.equal(inst.broken, false);
      const line = await hooks.waitForLog((l) => /stray/.test(l.message));
      assert.equal(line.level, 'error');
      await inst.dispose();
    });

    it('CPU used by later invocations is not charged to an earlier one still in waitUntil', async () => {
      const code = `export default { fetch(req, env, ctx) {
        if (req.url.endsWith('/slow-wait')) { ctx.waitUntil(new Promise((r) => setTimeout(r, 1500))); return new Response('waiting'); }
        const end = Date.now() + 20; while (Date.now() < end) {}
        return new Response('busy');
      } };`;
      const inst = await engine.createInstance(spec(code, { limits: { cpuMs: 50, timeoutMs: 5000 } }), recordingHooks());
      const first = await inst.invoke(input('/slow-wait'), collector().sink);
      // Five invocations of ~20 ms CPU each while the first one's waitUntil is pending: 100 ms in
      // all, more than its 50 ms limit, but none of it is the first invocation's.
      for (let i = 0; i < 5; i++) {
        const c = collector();
        await inst.invoke(input('/work'), c.sink);
        assert.equal(c.result.body, 'busy');
      }
      assert.equal(inst.broken, false);
      await first.waitUntil;
      await inst.dispose();
    });

    it('a non-Response result is a clear error', async () => {
      const inst = await engine.createInstance(spec(`export default { fetch() { return 'text'; } };`), recordingHooks());
      await assert.rejects(inst.invoke(input(), collector().sink), (e: unknown) => e instanceof InvocationError && e.code === 'bad-response');
      await inst.dispose();
    });

    it('an infinite loop hits the CPU limit; the instance is broken, others unharmed', async () => {
      const loop = await engine.createInstance(spec(`export default { fetch() { for (;;) {} } };`, { limits: { cpuMs: 50 } }), recordingHooks());
      const healthy = await engine.createInstance(spec(HELLO), recordingHooks());
      const t0 = performance.now();
      await assert.rejects(loop.invoke(input(), collector().sink), (e: unknown) => e instanceof InvocationError && e.code === 'cpu-limit' && e.fatal);
      assert.ok(performance.now() - t0 < 1500, 'stopped promptly');
      assert.equal(loop.broken, true);
      const c = collector();
      await healthy.invoke(input('/x'), c.sink);
      assert.equal(c.result.body, 'hello /x ');
      await loop.dispose();
      await healthy.dispose();
    });

    it('an allocation bomb hits the memory limit', async () => {
      const code = `export default { fetch() { const a = []; for (;;) a.push(new Array(1e5).fill(Math.random())); } };`;
      const inst = await engine.createInstance(spec(code, { limits: { memoryMb: 16, cpuMs: 10_000, timeoutMs: 10_000 } }), recordingHooks());
      await assert.rejects(inst.invoke(input(), collector().sink), (e: unknown) => e instanceof InvocationError && (e.code === 'memory-limit' || e.code === 'instance-crashed') && e.fatal);
      assert.equal(inst.broken, true);
      await inst.dispose();
    });

    it('a never-settling promise hits the wall-clock timeout', async () => {
      const inst = await engine.createInstance(spec(`export default { fetch() { return new Promise(() => {}); } };`, { limits: { timeoutMs: 100 } }), recordingHooks());
      await assert.rejects(inst.invoke(input(), collector().sink), (e: unknown) => e instanceof InvocationError && e.code === 'timeout');
      await inst.dispose();
    });

    it('rejects a module without a default fetch handler at load time', async () => {
      await assert.rejects(engine.createInstance(spec(`export default {};`), recordingHooks()), (e: unknown) => e instanceof InvocationError && e.code === 'load-failed' && /fetch/.test(e.message));
      await assert.rejects(engine.createInstance(spec(`export default { fetch() {} }; throw new Error('top-level')`), recordingHooks()), (e: unknown) => e instanceof InvocationError && e.code === 'load-failed' && /top-level/.test(e.message));
    });

    it('exposes no host authority inside the isolate', async () => {
      const code = `export default { fetch() {
        const F = ({}).constructor.constructor;
        const g = F('return this')();
        return Response.json({ process: typeof process, require: typeof require, Buffer: typeof Buffer, gp: typeof g.process, same: g === globalThis });
      } };`;
      const inst = await engine.createInstance(spec(code), recordingHooks());
      const c = collector();
      await inst.invoke(input(), c.sink);
      assert.deepEqual(JSON.parse(c.result.body), { process: 'undefined', require: 'undefined', Buffer: 'undefined', gp: 'undefined', same: true });
      await inst.dispose();
    });

    it('serves KV and fetch through the host hooks only', async () => {
      const calls: Array<[string, string]> = [];
      const hooks = recordingHooks(async (_inv, binding, op, args) => {
        calls.push([binding, op]);
        if (binding === 'KV' && op === 'get') return { value: new TextEncoder().encode('stored:' + String(args[0])), metadata: null };
        if (binding === 'KV' && op === 'put') return null;
        throw new TypeError('egress denied for test');
      });
      const code = `export default { async fetch(req, env) {
        await env.KV.put('k', 'v');
        const v = await env.KV.get('k');
        let err = '';
        try { await fetch('http://127.0.0.1:1/'); } catch (e) { err = e.name + ':' + e.message; }
        return Response.json({ v, err });
      } };`;
      const inst = await engine.createInstance(spec(code, { env: { vars: {}, secrets: {}, bindings: { KV: { type: 'kv' } } } }), hooks);
      const c = collector();
      await inst.invoke(input(), c.sink);
      const body = JSON.parse(c.result.body);
      assert.equal(body.v, 'stored:k');
      assert.match(body.err, /^TypeError:.*egress denied for test/);
      assert.deepEqual(calls, [['KV', 'put'], ['KV', 'get'], ['__fetch', 'fetch']]);
      await inst.dispose();
    });
  });
}
