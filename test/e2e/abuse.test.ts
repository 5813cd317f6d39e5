// The abuse defence wired into a real node: one client floods a function while another keeps its
// usual pace; the flood is answered 429 (problem+json, Retry-After, without invoking the function),
// reported in GET /api/v1/anomalies, /metrics and the ledger, and released once it has calmed down,
// while the other client gets 200s throughout. Every test client connects from 127.0.0.1, so the
// node trusts x-forwarded-for (`trustProxy`, as behind a reverse proxy) and each client sends its
// own address there. Short intervals (200 ms) keep it quick; waits are bounded deadlines.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestNode, type TestNode } from '../helpers/node.ts';

const OK = `export default { fetch() { return new Response('ok'); } };`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('abuse defence (e2e)', () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode({ anomaly: false, abuse: { intervalMs: 200, warmupSamples: 5 }, trustProxy: true });
  });
  after(() => node.close());

  it('rate-limits a flooding client, keeps serving a normal one, and releases the flood when it stops', async () => {
    assert.equal((await node.deploy('shop', OK, { abuse: { floorPerS: 50, factor: 5, cooldownMs: 1000 } })).status, 201);
    const url = `${node.dataUrl}/shop/`;
    const get = (client: string) => fetch(url, { headers: { 'x-forwarded-for': client } });

    // The normal client: one request every ~40 ms for the whole test; every answer must be a 200.
    let stopNormal = false;
    const normalStatuses: number[] = [];
    const normal = (async () => {
      while (!stopNormal) {
        const r = await get('10.0.0.7');
        await r.arrayBuffer();
        normalStatuses.push(r.status);
        await sleep(40);
      }
    })();
    await sleep(1500); // the population: the normal client's rate over several intervals

    // The flood: 8 connections in a tight loop until it is limited (bounded).
    let limited: Response | null = null;
    let limitedBody: any = null;
    const started = Date.now();
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (limited === null && Date.now() - started < 15_000) {
        const r = await get('10.6.6.6');
        if (r.status === 429 && limited === null) {
          limited = r;
          limitedBody = await r.json();
        } else await r.arrayBuffer();
      }
    }));
    const floodEnded = Date.now();
    assert.ok(limited, 'the flooding client is limited within the deadline');
    const res = limited as Response;
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    assert.ok(Number(res.headers.get('retry-after')) >= 1, `Retry-After ${res.headers.get('retry-after')}`);
    assert.ok(res.headers.get('x-cairn-invocation-id'));
    assert.equal(limitedBody.code, 'rate-limited');
    assert.equal(limitedBody.status, 429);

    // Still limited right after, and not invoked: the function's invocations grow only by the
    // normal client's requests meanwhile.
    const invocations = async () => {
      const text = await (await fetch(node.adminUrl + '/metrics', { headers: { authorization: `Bearer ${node.adminToken}` } })).text();
      let n = 0;
      for (const m of text.matchAll(/^cairn_invocations_total\{[^}]*function="shop"[^}]*\} (\d+)$/gm)) n += Number(m[1]);
      return n;
    };
    await sleep(100); // let the flood's in-flight invocations finish
    const invokedBefore = await invocations();
    assert.ok(invokedBefore > 0, 'cairn_invocations_total counts the function');
    const normalBefore = normalStatuses.length;
    for (let i = 0; i < 20; i++) assert.equal((await get('10.6.6.6')).status, 429);
    const invoked = (await invocations()) - invokedBefore;
    const normalMeanwhile = normalStatuses.length - normalBefore;
    assert.ok(invoked <= normalMeanwhile + 2, `${invoked} invocations while 20 requests were refused and the normal client sent ${normalMeanwhile}`);

    // The flood stops; at a gentle pace the client is released after the cool-down (1 s).
    const calm = Date.now();
    let released = false;
    while (!released && Date.now() - calm < 8000) {
      const r = await get('10.6.6.6');
      await r.arrayBuffer();
      released = r.status === 200;
      if (!released) await sleep(100);
    }
    assert.ok(released, 'released once its rate was normal');
    // The cool-down runs from the last flooding interval, which ends after the flood's last request.
    assert.ok(Date.now() - floodEnded >= 1000, `released ${Date.now() - floodEnded} ms after the flood, not before the cool-down`);

    stopNormal = true;
    await normal;
    assert.ok(normalStatuses.length > 20, `the normal client sent ${normalStatuses.length} requests`);
    assert.deepEqual([...new Set(normalStatuses)], [200], 'the normal client only ever got 200s');

    // Recorded like the anomaly monitor's events: API, /metrics, ledger.
    const anomalies: any = await (await node.admin('/anomalies?function=shop')).json();
    const event = anomalies.items.find((a: any) => a.signal === 'client-rate');
    assert.ok(event, 'a client-rate anomaly');
    assert.equal(event.function, 'shop');
    assert.ok(event.observed >= 50, `observed ${event.observed}/s`);
    assert.match(event.explanation, /^client 10\.6\.6\.6 request rate \d+(\.\d+)?\/s vs expected \d+(\.\d+)?\/s/);
    const metrics = await (await fetch(node.adminUrl + '/metrics', { headers: { authorization: `Bearer ${node.adminToken}` } })).text();
    const m = /cairn_rate_limited_total\{function="shop"\} (\d+)/.exec(metrics);
    assert.ok(m && Number(m[1]) >= 21, `cairn_rate_limited_total ${m?.[1]}`);
    let entry: any = null;
    for (let i = 0; i < 50 && !entry; i++) {
      const entries: any = await (await node.admin('/ledger/entries?limit=200')).json();
      entry = entries.items.find((e: any) => e.type === 'anomaly.detected' && e.body?.id === event.id) ?? null;
      if (!entry) await sleep(50);
    }
    assert.ok(entry, 'the anomaly is in the ledger');
    assert.equal(entry.actor, 'system:anomaly');
  });

  it('leaves functions without an abuse config alone', async () => {
    assert.equal((await node.deploy('open', OK)).status, 201);
    const statuses = await Promise.all(Array.from({ length: 200 }, async () => {
      const r = await fetch(`${node.dataUrl}/open/`, { headers: { 'x-forwarded-for': '10.6.6.6' } });
      await r.arrayBuffer();
      return r.status;
    }));
    assert.deepEqual([...new Set(statuses)], [200]);
  });
});
