import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Pool } from '../../src/scheduler/pool.ts';
import type { Instance } from '../../src/runtime/engines/types.ts';
import { scalingSchema } from '../../src/config/schema.ts';
import { Problem } from '../../src/shared/problem.ts';

// A stand-in engine instance: the pool only needs identity, `broken` and `dispose`.
function fakeInstance(id: number): Instance & { disposed: boolean; breakNow(): void } {
  let broken = false;
  return {
    id: String(id), startMs: 1, disposed: false,
    get broken() { return broken; },
    breakNow() { broken = true; },
    invoke: () => Promise.reject(new Error('not used')),
    async dispose() { this.disposed = true; },
  };
}

function pool(scaling: object) {
  const started: ReturnType<typeof fakeInstance>[] = [];
  let pendingStarts: Array<() => void> = [];
  const p = new Pool('k', scalingSchema.parse(scaling), () => new Promise((resolve) => {
    pendingStarts.push(() => { const i = fakeInstance(started.length); started.push(i); resolve(i); });
  }));
  const startAll = async () => { const s = pendingStarts; pendingStarts = []; s.forEach((f) => f()); await new Promise((r) => setImmediate(r)); };
  return { p, started, startAll, pendingCount: () => pendingStarts.length };
}

describe('Pool', () => {
  it('cold-starts an instance for the first request and reuses it warm afterwards', async () => {
    const { p, startAll, started } = pool({ concurrency: 1 });
    const first = p.acquire();
    await startAll();
    const l1 = await first;
    assert.equal(l1.coldStart, true);
    p.release(l1);
    const l2 = await p.acquire();
    assert.equal(l2.coldStart, false);
    assert.equal(l2.slot, l1.slot);
    assert.equal(started.length, 1);
  });

  it('scales out to maxInstances, then queues, then refuses with 503 and Retry-After', async () => {
    const { p, startAll, pendingCount } = pool({ concurrency: 1, maxInstances: 2, queueDepth: 1 });
    const a = p.acquire(), b = p.acquire();
    assert.equal(pendingCount(), 2);
    await startAll();
    const [la, lb] = await Promise.all([a, b]);
    const queued = p.acquire();
    assert.equal(p.queued, 1);
    await assert.rejects(p.acquire(), (e: unknown) => e instanceof Problem && e.status === 503 && e.headers()['retry-after'] === '1');
    p.release(la);
    const lq = await queued;
    assert.equal(lq.slot, la.slot);
    p.release(lb);
    p.release(lq);
  });

  it('serves up to `concurrency` invocations per instance', async () => {
    const { p, startAll, started } = pool({ concurrency: 3, maxInstances: 1 });
    const first = p.acquire();
    await startAll();
    const leases = [await first, await p.acquire(), await p.acquire()];
    assert.equal(started.length, 1);
    assert.ok(leases.every((l) => l.slot === leases[0]!.slot));
    assert.equal(p.queued, 0);
  });

  it('replaces a broken instance and reaps idle ones down to minInstances', async () => {
    const { p, startAll, started } = pool({ concurrency: 1, minInstances: 1, keepAliveMs: 0 });
    const l = p.acquire();
    await startAll();
    const lease = await l;
    started[0]!.breakNow();
    p.release(lease);
    assert.equal(started[0]!.disposed, true);
    assert.equal(p.size, 0);
    p.ensureMinimum();
    await startAll();
    assert.equal(p.size, 1);
    assert.equal(p.reapIdle(performance.now() + 1), 0, 'keeps minInstances');
  });

  it('scales to zero when idle past keepAliveMs and drains a retired pool', async () => {
    const { p, startAll, started } = pool({ concurrency: 1, keepAliveMs: 1000 });
    const l = p.acquire();
    await startAll();
    const lease = await l;
    p.retire();
    assert.equal(started[0]!.disposed, false, 'busy instances finish first');
    p.release(lease);
    assert.equal(started[0]!.disposed, true);
    assert.equal(p.empty, true);
  });

  it('fails the waiting requests when the instance cannot start', async () => {
    const p = new Pool('k', scalingSchema.parse({}), () => Promise.reject(new Error('boom')));
    await assert.rejects(p.acquire(), /boom/);
    assert.equal(p.empty, true);
  });
});

describe('Pool with a node memory budget', () => {
  it('evicts the least recently used idle instance of another function before refusing', async () => {
    const { MemoryBudget } = await import('../../src/scheduler/memory-budget.ts');
    const budget = new MemoryBudget(256);
    const make = (key: string) => {
      const started: ReturnType<typeof fakeInstance>[] = [];
      const p = new Pool(key, scalingSchema.parse({ concurrency: 1, maxInstances: 5 }), async () => { const i = fakeInstance(started.length); started.push(i); return i; }, {}, { budget, memoryMb: 128 });
      return { p, started };
    };
    const a = make('a'), b = make('b'), c = make('c');
    const la = await a.p.acquire();
    a.p.release(la);
    const lb = await b.p.acquire();
    b.p.release(lb);
    assert.equal(budget.usedMb, 256);
    // c needs room: a's idle instance (least recently used) is evicted, b's stays.
    const lc = await c.p.acquire();
    assert.equal(a.started[0]!.disposed, true);
    assert.equal(b.started[0]!.disposed, false);
    assert.equal(budget.evictions, 1);
    // Everything busy now: the next new instance is refused with 503, nothing is evicted.
    const lb2 = await b.p.acquire();
    await assert.rejects(a.p.acquire(), (e: unknown) => e instanceof Problem && e.code === 'memory-budget' && e.status === 503);
    assert.equal(budget.usedMb, 256);
    c.p.release(lc);
    b.p.release(lb2);
  });
});

describe('Pool with a keep-alive policy', () => {
  it('unloads the last idle instance when the policy says so and pre-warms when it says warm', async () => {
    let warm = true;
    const keepAlive = { warmAt: () => warm } as unknown as import('../../src/scheduler/policy/index.ts').AppKeepAlive;
    const started: ReturnType<typeof fakeInstance>[] = [];
    const p = new Pool('k', scalingSchema.parse({ keepAliveMs: 3_600_000 }), async () => { const i = fakeInstance(started.length); started.push(i); return i; }, {}, { keepAlive });
    const l = await p.acquire();
    p.release(l);
    assert.equal(p.reapIdle(performance.now()), 0, 'the policy keeps it warm');
    warm = false;
    assert.equal(p.reapIdle(performance.now()), 1, 'unloaded although keepAliveMs has not passed');
    assert.equal(p.size, 0);
    p.ensureMinimum(performance.now());
    assert.equal(p.starting, 0, 'no pre-warm while the policy says cold');
    warm = true;
    p.ensureMinimum(performance.now());
    assert.equal(p.starting, 1, 'pre-warmed');
    await new Promise((r) => setImmediate(r));
    assert.equal(p.size, 1);
  });
});
