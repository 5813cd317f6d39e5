// The anomaly monitor wired into a real node: a function whose error rate jumps is reported in
// GET /api/v1/anomalies, counted in /metrics and appended to the ledger (type anomaly.detected).
// Short intervals (100 ms) keep it quick; the assertion waits on a bounded deadline, not a sleep.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestNode, type TestNode } from '../helpers/node.ts';

const FLAKY = `export default { fetch(req) {
  if (new URL(req.url).searchParams.get('fail') === '1') throw new Error('injected fault');
  return new Response('ok');
} };`;

/** Sends requests from `workers` loops until `stop()` is true; every `failEvery` in 10 fails once `failing()` is on. */
async function drive(node: TestNode, path: string, stop: () => boolean, failing: () => number, workers = 4): Promise<number> {
  let n = 0;
  await Promise.all(Array.from({ length: workers }, async () => {
    while (!stop()) {
      const fail = n++ % 10 < failing();
      const res = await fetch(`${node.dataUrl}${path}${fail ? '?fail=1' : ''}`);
      await res.arrayBuffer();
    }
  }));
  return n;
}

describe('anomaly monitor (e2e)', () => {
  let node: TestNode;
  before(async () => { node = await startTestNode({ anomaly: { intervalMs: 100, warmupIntervals: 10, cooldownIntervals: 10_000 } }); });
  after(() => node.close());

  it('reports an error-rate jump in the API, /metrics and the ledger', async () => {
    assert.equal((await node.deploy('flaky', FLAKY)).status, 201);
    let failRate = 0;
    let found: any = null;
    const started = Date.now();
    const traffic = drive(node, '/flaky/', () => found !== null || Date.now() - started > 15_000, () => failRate);
    await new Promise((r) => setTimeout(r, 2500)); // 25 healthy intervals of baseline
    failRate = 3;
    while (found === null && Date.now() - started < 15_000) {
      const r = await node.admin('/anomalies?function=flaky');
      const body: any = await r.json();
      found = body.items.find((a: any) => a.signal === 'error_rate') ?? null;
      if (!found) await new Promise((res) => setTimeout(res, 100));
    }
    await traffic;
    assert.ok(found, 'an error_rate anomaly within the deadline');
    assert.equal(found.tenant, 'default');
    assert.equal(found.function, 'flaky');
    assert.ok(found.observed >= 0.05 && found.observed <= 0.5, `observed ${found.observed}`); // the first interval may straddle the switch
    assert.match(found.explanation, /^error rate \d+(\.\d)?% vs expected/);
    const metrics = await (await fetch(node.adminUrl + '/metrics', { headers: { authorization: `Bearer ${node.adminToken}` } })).text();
    assert.match(metrics, /cairn_anomalies_total\{signal="error_rate"\} [1-9]/);
    let entry: any = null;
    for (let i = 0; i < 50 && !entry; i++) {
      const entries: any = await (await node.admin('/ledger/entries?limit=200')).json();
      entry = entries.items.find((e: any) => e.type === 'anomaly.detected' && e.body?.id === found.id) ?? null;
      if (!entry) await new Promise((res) => setTimeout(res, 50));
    }
    assert.ok(entry, 'the anomaly is in the ledger');
    assert.equal(entry.actor, 'system:anomaly');
    assert.equal(entry.body.explanation, found.explanation);
  });
});
