import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FixedKeepAlive } from '../../../src/scheduler/policy/fixed.ts';
import { createKeepAlivePolicy, HybridHistogramPolicy, idlePlan } from '../../../src/scheduler/policy/index.ts';

const MIN = 60_000;

describe('FixedKeepAlive', () => {
  it('keeps an idle instance for exactly keepAliveMs after the last invocation ends, never pre-warms', () => {
    const app = new FixedKeepAlive(10 * MIN).forApp();
    assert.deepEqual(app.windows(), { prewarmMs: 0, keepAliveMs: 10 * MIN, source: 'fixed' });
    assert.equal(app.warmAt(0), false, 'nothing is warm before the first invocation');
    assert.equal(app.plan(), null);
    app.onInvocationStart(1000);
    assert.equal(app.warmAt(5000), true, 'busy means warm');
    assert.equal(app.idleSince, null);
    app.onInvocationEnd(2000);
    assert.equal(app.idleSince, 2000);
    assert.deepEqual(app.plan(), { idleSince: 2000, loadAt: 2000, unloadAt: 2000 + 10 * MIN, prewarm: false, source: 'fixed' });
    assert.equal(app.warmAt(2000 + 10 * MIN - 1), true);
    assert.equal(app.warmAt(2000 + 10 * MIN), false);
    assert.equal(app.nextChangeAt(3000), 2000 + 10 * MIN);
    assert.equal(app.nextChangeAt(2000 + 10 * MIN), null);
  });

  it('becomes idle only when the last of overlapping invocations ends', () => {
    const app = new FixedKeepAlive(MIN).forApp();
    app.onInvocationStart(0);
    app.onInvocationStart(10);
    app.onInvocationEnd(20);
    assert.equal(app.inflight, 1);
    assert.equal(app.idleSince, null);
    assert.equal(app.warmAt(10 * MIN), true, 'still running');
    app.onInvocationEnd(50);
    assert.equal(app.idleSince, 50);
    assert.equal(app.warmAt(50 + MIN), false);
    app.onInvocationEnd(60); // unbalanced: ignored
    assert.equal(app.inflight, 0);
    assert.equal(app.idleSince, 50);
  });

  it('is named after its duration and rejects nonsense', () => {
    assert.equal(new FixedKeepAlive(10 * MIN).name, 'fixed-10m');
    assert.equal(new FixedKeepAlive(4 * 60 * MIN).name, 'fixed-4h');
    assert.equal(new FixedKeepAlive(1500).name, 'fixed-1500ms');
    assert.throws(() => new FixedKeepAlive(-1), RangeError);
    assert.throws(() => new FixedKeepAlive(NaN), RangeError);
    assert.ok(new FixedKeepAlive().forApp().stateBytes() <= 64);
  });
});

describe('idlePlan and createKeepAlivePolicy', () => {
  it('turns pre-warm windows into "unload now, load later, keep for keepAliveMs"', () => {
    assert.deepEqual(idlePlan({ prewarmMs: 5 * MIN, keepAliveMs: 2 * MIN, source: 'histogram' }, 1000),
      { idleSince: 1000, loadAt: 1000 + 5 * MIN, unloadAt: 1000 + 7 * MIN, prewarm: true, source: 'histogram' });
    assert.deepEqual(idlePlan({ prewarmMs: 0, keepAliveMs: 2 * MIN, source: 'fallback' }, 0),
      { idleSince: 0, loadAt: 0, unloadAt: 2 * MIN, prewarm: false, source: 'fallback' });
  });

  it('maps the config names to policies', () => {
    const fixed = createKeepAlivePolicy('fixed', { keepAliveMs: 5 * MIN });
    assert.ok(fixed instanceof FixedKeepAlive);
    assert.equal((fixed as FixedKeepAlive).keepAliveMs, 5 * MIN);
    const hybrid = createKeepAlivePolicy('hybrid-histogram', { keepAliveMs: 5 * MIN, hybrid: { cvThreshold: 3 } });
    assert.ok(hybrid instanceof HybridHistogramPolicy);
    assert.equal((hybrid as HybridHistogramPolicy).options.cvThreshold, 3);
    assert.throws(() => createKeepAlivePolicy('nope' as 'fixed', { keepAliveMs: 1 }), RangeError);
  });
});
