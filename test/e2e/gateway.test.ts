// The data plane end to end: a real node, deployments through the real admin API, requests over HTTP.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestNode, type TestNode } from '../helpers/node.ts';

describe('data plane', () => {
  let node: TestNode;
  before(async () => { node = await startTestNode(); });
  after(() => node.close());

  it('routes /<name>/* to the current version, forwarding method, URL, headers and body', async () => {
    const code = `export default { async fetch(req) {
      return Response.json({ method: req.method, url: req.url, x: req.headers.get('x-test'), body: await req.text() }, { headers: { 'x-fn': 'echo' } });
    } };`;
    assert.equal((await node.deploy('echo', code)).status, 201);
    const res = await fetch(node.dataUrl + '/echo/a/b?c=1', { method: 'PUT', headers: { 'x-test': 'yes' }, body: 'payload' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-fn'), 'echo');
    assert.match(res.headers.get('x-cairn-invocation-id') ?? '', /^[0-9a-z]{26}$/);
    const body: any = await res.json();
    assert.deepEqual({ ...body, url: new URL(body.url).pathname + new URL(body.url).search }, { method: 'PUT', url: '/echo/a/b?c=1', x: 'yes', body: 'payload' });
  });

  it('accepts the hybrid-histogram keep-alive policy and reports the memory budget', async () => {
    assert.equal((await node.deploy('learner', `export default { fetch() { return new Response('learned'); } };`, { scaling: { policy: 'hybrid-histogram' } })).status, 201);
    assert.equal(await (await fetch(node.dataUrl + '/learner/')).text(), 'learned');
    const metrics = await (await fetch(node.adminUrl + '/metrics', { headers: { authorization: `Bearer ${node.adminToken}` } })).text();
    assert.match(metrics, /cairn_memory_budget_used_megabytes [1-9]\d*/);
  });

  it('serves configured path routes', async () => {
    const code = `export default { fetch(req) { return new Response('api:' + new URL(req.url).pathname); } };`;
    assert.equal((await node.deploy('apifn', code, { routes: ['/v1/'] })).status, 201);
    const res = await fetch(node.dataUrl + '/v1/users');
    assert.equal(await res.text(), 'api:/v1/users');
  });

  it('streams a response body as the function produces it', async () => {
    const code = `export default { fetch() {
      let i = 0;
      const enc = new TextEncoder();
      return new Response(new ReadableStream({ async pull(c) { await new Promise((r) => setTimeout(r, 5)); if (i < 5) c.enqueue(enc.encode('part' + i++ + ';')); else c.close(); } }));
    } };`;
    await node.deploy('streamer', code);
    const res = await fetch(node.dataUrl + '/streamer/');
    const reader = res.body!.getReader();
    let text = '', reads = 0;
    for (;;) { const { done, value } = await reader.read(); if (done) break; reads++; text += new TextDecoder().decode(value); }
    assert.equal(text, 'part0;part1;part2;part3;part4;');
    assert.ok(reads >= 2, 'arrived in more than one read');
  });

  it('a client that disconnects mid-stream cancels the stream and frees the instance', async () => {
    const code = `export default { fetch(req, env) {
      if (new URL(req.url).pathname.endsWith('/ping')) return new Response('pong');
      const chunk = new Uint8Array(64 * 1024);
      return new Response(new ReadableStream({ pull(c) { c.enqueue(chunk); } }));
    } };`;
    await node.deploy('endless', code, { scaling: { maxInstances: 1 }, limits: { timeoutMs: 60_000, cpuMs: 60_000 } });
    const ac = new AbortController();
    const res = await fetch(node.dataUrl + '/endless/', { signal: ac.signal });
    const reader = res.body!.getReader();
    let received = 0;
    while (received < 1024 * 1024) received += (await reader.read()).value!.byteLength;
    ac.abort();
    // With one instance, this answers only once the aborted invocation has ended.
    const pong = await fetch(node.dataUrl + '/endless/ping');
    assert.equal(await pong.text(), 'pong');
  });

  it('answers problem+json for an unknown route', async () => {
    const res = await fetch(node.dataUrl + '/nothing-here/');
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    const p: any = await res.json();
    assert.equal(p.code, 'no-route');
    assert.ok(p.hint);
  });

  it('refuses a body over the limit with 413 before invoking', async () => {
    await node.deploy('small', `export default { async fetch(req) { return new Response(String((await req.arrayBuffer()).byteLength)); } };`, { limits: { bodyBytes: 1024 } });
    const ok = await fetch(node.dataUrl + '/small/', { method: 'POST', body: 'x'.repeat(1024) });
    assert.equal(await ok.text(), '1024');
    const big = await fetch(node.dataUrl + '/small/', { method: 'POST', body: 'x'.repeat(1025) });
    assert.equal(big.status, 413);
    assert.equal(((await big.json()) as any).code, 'payload-too-large');
  });

  it('an infinite loop ends that invocation with a 503 problem while other functions keep serving', async () => {
    await node.deploy('spin', `export default { fetch(req) { if (req.url.endsWith('/loop')) for (;;) {} return new Response('still here'); } };`, { limits: { cpuMs: 30 } });
    await node.deploy('bystander', `export default { fetch() { return new Response('unaffected'); } };`);
    const looping = fetch(node.dataUrl + '/spin/loop');
    const other = await fetch(node.dataUrl + '/bystander/');
    assert.equal(await other.text(), 'unaffected');
    const res = await looping;
    assert.equal(res.status, 503);
    const p: any = await res.json();
    assert.equal(p.code, 'cpu-limit');
    assert.ok(p.invocationId);
    const again = await fetch(node.dataUrl + '/spin/ok');
    assert.equal(await again.text(), 'still here', 'the broken instance was replaced');
  });

  it('a throwing function gets a 500 problem and its stack goes to the logs, not the client', async () => {
    await node.deploy('thrower', `export default { fetch() { throw new Error('secret internals'); } };`);
    const res = await fetch(node.dataUrl + '/thrower/');
    assert.equal(res.status, 500);
    const p: any = await res.json();
    assert.equal(p.code, 'function-threw');
    assert.doesNotMatch(JSON.stringify(p), /secret internals/);
    const logs: any = await (await node.admin(`/functions/thrower/logs?invocation=${p.invocationId}&wait=5`)).json();
    assert.ok(logs.items.some((l: { message: string }) => /secret internals/.test(l.message)));
  });

  it('a never-settling promise times out with 504', async () => {
    await node.deploy('hang', `export default { fetch() { return new Promise(() => {}); } };`, { limits: { timeoutMs: 200 } });
    const res = await fetch(node.dataUrl + '/hang/');
    assert.equal(res.status, 504);
    assert.equal(((await res.json()) as any).code, 'timeout');
  });

  it('a new deploy is served by the next request; rollback restores the previous version', async () => {
    await node.deploy('ver', `export default { fetch() { return new Response('one'); } };`);
    assert.equal(await (await fetch(node.dataUrl + '/ver/')).text(), 'one');
    await node.deploy('ver', `export default { fetch() { return new Response('two'); } };`);
    assert.equal(await (await fetch(node.dataUrl + '/ver/')).text(), 'two');
    const rb = await node.admin('/functions/ver/rollback', { method: 'POST', body: '{}' });
    assert.equal(rb.status, 200);
    assert.equal(await (await fetch(node.dataUrl + '/ver/')).text(), 'one');
  });

  it('KV persists across invocations and instances', async () => {
    const code = `export default { async fetch(req, env) {
      const n = Number((await env.KV.get('n')) ?? '0') + 1;
      await env.KV.put('n', String(n));
      return new Response(String(n));
    } };`;
    await node.deploy('count', code, { bindings: { KV: { type: 'kv' } } });
    const seen = [];
    for (let i = 0; i < 3; i++) seen.push(await (await fetch(node.dataUrl + '/count/')).text());
    assert.deepEqual(seen, ['1', '2', '3']);
  });

  it('a function cannot fetch loopback addresses unless allowed', async () => {
    await node.deploy('egress', `export default { async fetch(req) { try { await fetch(new URL(req.url).searchParams.get('u')); return new Response('reached'); } catch (e) { return new Response(e.name + ': ' + e.message, { status: 502 }); } } };`);
    const res = await fetch(node.dataUrl + '/egress/?u=' + encodeURIComponent(node.adminUrl + '/healthz'));
    assert.equal(res.status, 502);
    assert.match(await res.text(), /TypeError: .*denied/);
    const admin = new URL(node.adminUrl);
    await node.deploy('egress', `export default { async fetch(req) { const r = await fetch(new URL(req.url).searchParams.get('u')); return new Response('reached ' + r.status); } };`, { egress: { allow: [admin.host] } });
    const ok = await fetch(node.dataUrl + '/egress/?u=' + encodeURIComponent(node.adminUrl + '/healthz'));
    assert.equal(await ok.text(), 'reached 200');
  });

  it('env.LEDGER records documents in the tenant ledger with the function as actor', async () => {
    const code = `export default { async fetch(req, env) {
      const tables = await env.LEDGER.tables.list();
      if (!tables.items.some((t) => t.name === 'orders')) await env.LEDGER.tables.create('orders');
      const rev = await env.LEDGER.documents.put('orders', 'o-1', { qty: 2 });
      let refused = '';
      try { await env.LEDGER.call('no.such.op', {}); } catch (e) { refused = e.message; }
      return Response.json({ index: rev.index, revision: rev.revision, refused });
    } };`;
    assert.equal((await node.deploy('orders', code, { bindings: { LEDGER: { type: 'ledger' } } })).status, 201);
    const res = await fetch(node.dataUrl + '/orders/');
    assert.equal(res.status, 200);
    const body: any = await res.json();
    assert.equal(body.revision, 1);
    assert.match(body.refused, /unknown ledger operation/);
    const doc: any = await (await node.admin('/ledger/tables/orders/documents/o-1')).json();
    assert.deepEqual(doc.data, { qty: 2 });
    const entry: any = await (await node.admin(`/ledger/entries/${body.index}`)).json();
    assert.equal(entry.actor, 'function:orders');
    assert.equal(entry.tenant, 'default');
  });

  it('env.AI scores a series with the platform detectors', async () => {
    const code = `export default { async fetch(req, env) {
      const series = Array.from({ length: 400 }, (_, i) => [i * 60000, 10 + (i % 7) * 0.1]);
      series[350] = [350 * 60000, 500];
      const scores = await env.AI.score(series, { detector: 'robust' });
      let err = '';
      try { await env.AI.score('nope'); } catch (e) { err = e.message; }
      return Response.json({ n: scores.length, spike: scores[350], calm: Math.max(...scores.slice(300, 349)), err });
    } };`;
    assert.equal((await node.deploy('scorer', code, { bindings: { AI: { type: 'ai' } } })).status, 201);
    const body: any = await (await fetch(node.dataUrl + '/scorer/')).json();
    assert.equal(body.n, 400);
    assert.ok(body.spike > 0.9, `spike scored ${body.spike}`);
    assert.ok(body.calm < 0.5, `calm points scored up to ${body.calm}`);
    assert.match(body.err, /series must be an array/);
  });

  it('exposes invocation metrics per function and version', async () => {
    const res = await fetch(node.adminUrl + '/metrics', { headers: { authorization: `Bearer ${node.adminToken}` } });
    const text = await res.text();
    assert.match(text, /cairn_invocations_total\{function="echo",version="v[0-9a-f]+",status="200"\} \d+/);
    assert.match(text, /cairn_invocation_duration_seconds_bucket\{le="[^"]+",function="echo"/);
    assert.match(text, /cairn_cold_starts_total\{function="echo"\} \d+/);
    assert.match(text, /cairn_invocation_errors_total\{function="spin",version="v[0-9a-f]+",code="cpu-limit"\} 1/);
  });
});
