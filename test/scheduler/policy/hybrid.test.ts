import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HybridHistogramPolicy } from '../../../src/scheduler/policy/hybrid.ts';
import type { AppKeepAlive } from '../../../src/scheduler/policy/types.ts';

const MIN = 60_000, HOUR = 60 * MIN;
const close = (a: number, b: number, msg?: string) => assert.ok(Math.abs(a - b) < 1e-6, msg ?? `${a} ≈ ${b}`);

/** Runs invocations of `execMs` separated by the given idle times; returns the time the app went idle last. */
function feed(app: AppKeepAlive, idles: number[], execMs = 100, t0 = 0): number {
  let t = t0;
  app.onInvocationStart(t);
  t += execMs;
  app.onInvocationEnd(t);
  for (const idle of idles) {
    t += idle;
    app.onInvocationStart(t);
    t += execMs;
    app.onInvocationEnd(t);
  }
  return t;
}

describe('HybridHistogramPolicy', () => {
  it('has the published parameters by default', () => {
    const p = new HybridHistogramPolicy();
    assert.equal(p.name, 'hybrid-4h');
    assert.deepEqual({ ...p.options }, {
      rangeMs: 4 * HOUR, binMs: MIN, headPercentile: 0.05, tailPercentile: 0.99, margin: 0.1, cvThreshold: 2,
      minSamples: 2, oobThreshold: 0.5, forecastMargin: 0.15, forecastMaxError: Infinity, forecastAlpha: 0.5, fallbackKeepAliveMs: 4 * HOUR,
    });
    assert.throws(() => new HybridHistogramPolicy({ rangeMs: 90_000 }), RangeError);
    assert.throws(() => new HybridHistogramPolicy({ headPercentile: 0.5, tailPercentile: 0.4 }), RangeError);
  });

  it('falls back to the standard keep-alive (the whole range) while it has too few idle times', () => {
    const app = new HybridHistogramPolicy().forApp();
    assert.deepEqual(app.windows(), { prewarmMs: 0, keepAliveMs: 4 * HOUR, source: 'fallback' });
    feed(app, [30 * MIN]);
    assert.equal(app.windows().source, 'fallback', 'one idle time is not a pattern (minSamples 2)');
    feed(app, [30 * MIN], 100, 10 * HOUR);
    assert.equal(app.windows().source, 'histogram');
    const tuned = new HybridHistogramPolicy({ fallbackKeepAliveMs: 10 * MIN, minSamples: 5 }).forApp();
    feed(tuned, [30 * MIN, 30 * MIN, 30 * MIN]);
    assert.deepEqual(tuned.windows(), { prewarmMs: 0, keepAliveMs: 10 * MIN, source: 'fallback' });
  });

  it('pre-warms at the 5th percentile minus 10% and keeps alive to the 99th plus 10%', () => {
    const app = new HybridHistogramPolicy().forApp();
    const idles = [...Array(5).fill(2.5 * MIN), ...Array(90).fill(10.5 * MIN), ...Array(4).fill(20.2 * MIN), 30.5 * MIN];
    feed(app, idles);
    const w = app.windows();
    assert.equal(w.source, 'histogram');
    close(w.prewarmMs, 2 * MIN * 0.9); // head: bin [2, 3) min, lower edge, 10% earlier
    close(w.prewarmMs + w.keepAliveMs, 21 * MIN * 1.1); // tail: bin [20, 21) min, upper edge, 10% later
  });

  it('keeps a periodic app cold between runs and warm when the next one is due', () => {
    const app = new HybridHistogramPolicy().forApp();
    const idleSince = feed(app, Array(10).fill(29.5 * MIN)); // a 30-minute timer
    const w = app.windows();
    close(w.prewarmMs, 29 * MIN * 0.9);
    close(w.keepAliveMs, 30 * MIN * 1.1 - 29 * MIN * 0.9);
    const plan = app.plan()!;
    assert.equal(plan.prewarm, true, 'unload at once, pre-warm later');
    assert.equal(app.warmAt(idleSince + 1), false);
    assert.equal(app.warmAt(idleSince + 20 * MIN), false);
    assert.equal(app.nextChangeAt(idleSince + 20 * MIN), plan.loadAt);
    assert.equal(app.warmAt(idleSince + 27 * MIN), true, 'pre-warmed before the next run');
    assert.equal(app.warmAt(idleSince + 29.5 * MIN), true);
    assert.equal(app.warmAt(idleSince + 34 * MIN), false, 'unloaded once the run is overdue');
  });

  it('does not unload at all when the head of the histogram is in the first minute', () => {
    const app = new HybridHistogramPolicy().forApp();
    feed(app, [...Array(49).fill(5_000), ...Array(49).fill(40_000), 3.2 * MIN, 3.2 * MIN]);
    const w = app.windows();
    assert.equal(w.prewarmMs, 0);
    close(w.keepAliveMs, 4 * MIN * 1.1); // 99th percentile in bin 3 → upper edge 4 min
    assert.equal(app.plan()!.prewarm, false);
  });

  it('falls back when the histogram is not representative (low CV)', () => {
    const app = new HybridHistogramPolicy().forApp();
    const spread: number[] = [];
    for (let b = 0; b < 240; b++) spread.push(b * MIN + 30_000, b * MIN + 30_000);
    feed(app, spread);
    assert.ok(app.histogram.cv() < 2);
    assert.deepEqual(app.windows(), { prewarmMs: 0, keepAliveMs: 4 * HOUR, source: 'fallback' });
    const lenient = new HybridHistogramPolicy({ cvThreshold: 0 }).forApp();
    feed(lenient, spread);
    assert.equal(lenient.windows().source, 'histogram');
  });

  it('forecasts idle times beyond the range (exponential smoothing) with a ±15% window', () => {
    const app = new HybridHistogramPolicy().forApp();
    feed(app, [24 * HOUR, 24 * HOUR]); // a daily job: every idle time is out of bounds
    let w = app.windows();
    assert.equal(w.source, 'forecast');
    close(w.prewarmMs, 24 * HOUR * 0.85);
    close(w.keepAliveMs, 24 * HOUR * 0.3);
    const drifting = new HybridHistogramPolicy().forApp();
    feed(drifting, [6 * HOUR, 8 * HOUR]);
    w = drifting.windows();
    close(w.prewarmMs, 7 * HOUR * 0.85); // level 6 h + 0.5 · (8 h − 6 h)
    close(w.keepAliveMs, 7 * HOUR * 0.3);
  });

  it('uses the histogram while fewer than half the idle times are out of bounds', () => {
    const app = new HybridHistogramPolicy().forApp();
    const t = feed(app, [10.5 * MIN, 10.5 * MIN, 10.5 * MIN, 9 * HOUR, 9 * HOUR]);
    assert.equal(app.windows().source, 'histogram');
    app.onInvocationStart(t + 9 * HOUR);
    app.onInvocationEnd(t + 9 * HOUR + 100);
    assert.equal(app.histogram.oobRate(), 0.5);
    assert.equal(app.windows().source, 'forecast');
  });

  it('can distrust an erratic forecast', () => {
    const gated = new HybridHistogramPolicy({ forecastMaxError: 0.2, fallbackKeepAliveMs: 10 * MIN }).forApp();
    feed(gated, [5 * HOUR, 20 * HOUR, 6 * HOUR, 30 * HOUR]);
    assert.deepEqual(gated.windows(), { prewarmMs: 0, keepAliveMs: 10 * MIN, source: 'fallback' });
    const regular = new HybridHistogramPolicy({ forecastMaxError: 0.2 }).forApp();
    feed(regular, Array(8).fill(12 * HOUR));
    assert.equal(regular.windows().source, 'forecast');
  });

  it('records an idle time only when the app was idle: overlapping invocations are one busy period', () => {
    const app = new HybridHistogramPolicy().forApp();
    app.onInvocationStart(0);
    app.onInvocationStart(10);
    app.onInvocationEnd(5_000);
    app.onInvocationStart(6_000); // app still busy: no idle time
    app.onInvocationEnd(7_000);
    app.onInvocationEnd(10_000);
    assert.equal(app.histogram.samples, 0);
    app.onInvocationStart(10_000 + 90_000);
    assert.equal(app.histogram.samples, 1);
    assert.equal(app.histogram.count(1), 1);
  });

  it('keeps about half a kilobyte of state per application, however much it sees', () => {
    const app = new HybridHistogramPolicy().forApp();
    let seed = 1;
    const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    let t = 0;
    for (let i = 0; i < 200_000; i++) {
      app.onInvocationStart(t);
      t += 50;
      app.onInvocationEnd(t);
      t += rnd() < 0.01 ? 6 * HOUR * rnd() : 90_000 * rnd();
    }
    assert.ok(app.histogram.count(0) <= 0xffff);
    assert.ok(app.stateBytes() <= 1024, `${app.stateBytes()} bytes`);
    assert.equal(app.windows().source, 'histogram');
  });
});
