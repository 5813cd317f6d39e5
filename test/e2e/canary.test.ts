// Fault injection: a deploy that fails 30% of requests is rolled back by the canary within a bounded
// time while traffic continues; a healthy redeploy under the same traffic is kept. The monitor runs
// 100 ms intervals so the whole test takes seconds; waits are bounded deadlines on observable state.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestNode, type TestNode } from '../helpers/node.ts';

const CANARY = { autoRollback: true, windowMs: 3000 };
const healthy = (tag: string) => `export default { fetch() { return new Response(${JSON.stringify(tag)}); } };`;
// Fails 3 requests in every 10 (per instance), deterministically.
const FAULTY = `let n = 0;
export default { fetch() { if (n++ % 10 < 3) throw new Error('injected fault'); return new Response('faulty'); } };`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('canary analysis (e2e)', () => {
  let node: TestNode;
  let stop = false;
  let traffic: Promise<void>;
  const served = new Map<string, number>();
  before(async () => {
    node = await startTestNode({ anomaly: { intervalMs: 100 } });
    // Traffic from 4 loops for the whole suite (the function is deployed first).
    assert.equal((await node.deploy('shop', healthy('v1'), { canary: CANARY })).status, 201);
    traffic = Promise.all(Array.from({ length: 4 }, async () => {
      while (!stop) {
        const res = await fetch(node.dataUrl + '/shop/');
        const text = res.status === 200 ? await res.text() : (await res.arrayBuffer(), String(res.status));
        served.set(text, (served.get(text) ?? 0) + 1);
      }
    })).then(() => {});
    await sleep(1500); // the first version's baseline
  });
  after(async () => {
    stop = true;
    await traffic;
    await node.close();
  });

  const current = async (): Promise<string> => ((await (await node.admin('/functions/shop')).json()) as any).currentVersion;

  it('rolls back a version that fails 30% of requests, within a bounded time, and records why', async () => {
    const v1 = await current();
    const deployed = await node.deploy('shop', FAULTY, { canary: CANARY });
    assert.equal(deployed.status, 201);
    const v2 = deployed.body.version.id;
    const t0 = Date.now();
    let now = v2;
    while (now === v2 && Date.now() - t0 < 5000) { await sleep(50); now = await current(); }
    const took = Date.now() - t0;
    assert.equal(now, v1, `rolled back to ${v1} (still ${now} after ${took} ms)`);
    // (Its first answers are the injected faults, so what it served may be 500s only.)
    assert.ok((served.get('faulty') ?? 0) + (served.get('500') ?? 0) > 0, 'the faulty version served traffic before the rollback');
    const deps: any = await (await node.admin('/functions/shop/deployments?limit=1')).json();
    assert.deepEqual({ kind: deps.items[0].kind, version: deps.items[0].version, actor: deps.items[0].actor }, { kind: 'rollback', version: v1, actor: 'system:canary' });
    let entry: any = null;
    for (let i = 0; i < 40 && !entry; i++) {
      const entries: any = await (await node.admin('/ledger/entries?limit=200')).json();
      entry = entries.items.find((e: any) => e.type === 'control.rollback' && e.actor === 'system:canary') ?? null;
      if (!entry) await sleep(50);
    }
    assert.ok(entry, 'the rollback is audited in the ledger');
    assert.equal(entry.body.version, v1);
    assert.equal(entry.body.previous, v2);
    assert.match(entry.body.reason, /^error rate \d+(\.\d)?% \(\d+ of \d+\) vs \d+(\.\d)?% on v/);
  });

  it('keeps a healthy redeploy under the same traffic', async () => {
    const deployed = await node.deploy('shop', healthy('v3'), { canary: CANARY });
    assert.equal(deployed.status, 201);
    const v3 = deployed.body.version.id;
    const before = served.get('v3') ?? 0;
    await sleep(CANARY.windowMs + 1000); // the whole canary window, and then some
    const now = await current();
    const why = now === v3 ? '' : JSON.stringify(((await (await node.admin('/ledger/entries?limit=200')).json()) as any).items.filter((e: any) => e.type === 'control.rollback').map((e: any) => e.body.reason));
    assert.equal(now, v3, `the healthy version was rolled back: ${why}`);
    assert.ok((served.get('v3') ?? 0) - before > 100, 'v3 served traffic during its canary window');
    const deps: any = await (await node.admin('/functions/shop/deployments?limit=1')).json();
    assert.equal(deps.items[0].kind, 'deploy');
  });
});
