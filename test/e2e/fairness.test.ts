// Issue 3: "Fair sharing between tenants: one tenant's burst cannot starve another's latency".
// Tenant "a" floods a CPU-heavy function with many concurrent requests (far more than its pool has
// instances, so most of them wait in its queue) while tenant "b" keeps calling a light function.
// B's requests must all succeed and B's median latency must stay within a bound relative to B's
// latency measured alone, in the same test, on the same node.
//
// What keeps B fast: each tenant has its own pool per function and its own sandbox processes, so
// A's queue and A's busy isolates are not in B's path; the remaining contention is for CPU (2 cores
// here), which the OS shares between A's sandbox processes, B's sandbox process and the node.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestNode, type TestNode } from '../helpers/node.ts';

const HOG = `
function work(n) { let x = 0x9e3779b9 | 0, acc = 0; for (let i = 0; i < n; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; acc = (acc + (x & 0xffff)) | 0; } return acc; }
export default { fetch() { return new Response(String(work(8000000))); } };`; // ~15-25 ms of CPU per request
const LIGHT = `export default { fetch() { return new Response('b-ok'); } };`;

const FLOOD_CLIENTS = 32;
const B_REQUESTS = 100;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
}

async function timedGet(url: string): Promise<{ status: number; body: string; ms: number }> {
  const t0 = performance.now();
  const r = await fetch(url);
  const body = await r.text();
  return { status: r.status, body, ms: performance.now() - t0 };
}

/** B's requests, one after another with a short pause between them. */
async function probeB(url: string): Promise<{ ms: number[]; failures: string[] }> {
  const ms: number[] = [];
  const failures: string[] = [];
  for (let i = 0; i < B_REQUESTS; i++) {
    const r = await timedGet(url);
    if (r.status !== 200 || r.body !== 'b-ok') failures.push(`${r.status} ${r.body.slice(0, 200)}`);
    else ms.push(r.ms);
    await new Promise((res) => setTimeout(res, 10));
  }
  return { ms, failures };
}

describe('fair sharing between tenants', () => {
  let node: TestNode;
  // Two sandbox processes per tenant (the production default): A's flood can keep both cores busy.
  before(async () => { node = await startTestNode({ sandboxes: 2 }); });
  after(() => node.close());

  it("a tenant flooding a CPU-heavy function does not starve another tenant's light function", async (t) => {
    for (const id of ['a', 'b']) {
      const r = await node.admin('/tenants', { method: 'POST', body: JSON.stringify({ id }) });
      assert.equal(r.status, 201, await r.text());
    }
    const hogDeploy = await node.admin('/functions/hog/versions?tenant=a', {
      method: 'POST', body: JSON.stringify({ code: HOG, config: { limits: { cpuMs: 2000, timeoutMs: 60_000 }, scaling: { maxInstances: 4, concurrency: 1, queueDepth: 1000 } } }),
    });
    assert.equal(hogDeploy.status, 201, await hogDeploy.text());
    const lightDeploy = await node.admin('/functions/light/versions?tenant=b', { method: 'POST', body: JSON.stringify({ code: LIGHT, config: {} }) });
    assert.equal(lightDeploy.status, 201, await lightDeploy.text());

    const hogUrl = node.dataUrl + '/hog/';
    const lightUrl = node.dataUrl + '/light/';
    // Warm both (sandbox processes, instances, JIT) so neither phase pays for a start.
    assert.equal((await timedGet(hogUrl)).status, 200);
    for (let i = 0; i < 5; i++) assert.equal((await timedGet(lightUrl)).status, 200);

    // B alone.
    const alone = await probeB(lightUrl);
    assert.deepEqual(alone.failures, []);
    const aloneMedian = median(alone.ms);

    // A floods: FLOOD_CLIENTS closed-loop clients on the hog until B is done.
    let stop = false;
    let hogOk = 0;
    const hogOther: string[] = [];
    const flood = Array.from({ length: FLOOD_CLIENTS }, async () => {
      while (!stop) {
        const r = await timedGet(hogUrl);
        if (r.status === 200) hogOk++; else hogOther.push(`${r.status} ${r.body.slice(0, 120)}`);
      }
    });
    await new Promise((res) => setTimeout(res, 500)); // let the flood fill A's instances and queue
    const hogBefore = hogOk;
    const tB = performance.now();
    const loaded = await probeB(lightUrl);
    const bWallMs = performance.now() - tB;
    const hogDuring = hogOk - hogBefore;
    stop = true;
    await Promise.all(flood);

    const loadedMedian = median(loaded.ms);
    const bound = 5 * aloneMedian + 20;
    t.diagnostic(`B alone: median ${aloneMedian.toFixed(2)} ms, max ${Math.max(...alone.ms).toFixed(2)} ms`);
    t.diagnostic(`B during A's flood: median ${loadedMedian.toFixed(2)} ms, max ${Math.max(...loaded.ms).toFixed(2)} ms, ${loaded.failures.length} failures (bound ${bound.toFixed(2)} ms)`);
    t.diagnostic(`A: ${hogDuring} hog requests answered while B ran (${((hogDuring * 1000) / bWallMs).toFixed(1)}/s), ${hogOk} in all, ${hogOther.length} not 200`);

    // The flood was real: A kept its instances busy while B was measured.
    assert.ok(hogDuring >= 10, `A's flood answered only ${hogDuring} requests while B ran`);
    assert.deepEqual(loaded.failures, [], "B's requests all succeed during A's flood");
    assert.ok(loadedMedian <= bound, `B's median latency during A's flood (${loadedMedian.toFixed(2)} ms) is within 5× B alone + 20 ms (${bound.toFixed(2)} ms)`);
  });
});
