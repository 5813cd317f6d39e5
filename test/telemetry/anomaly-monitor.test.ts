// The anomaly monitor with injected time: intervals close on the clock, not on sleeps.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AnomalyMonitor, explain, type AnomalyEvent, type IntervalSummary } from '../../src/telemetry/anomaly-monitor.ts';

function harness(opts: { intervalMs?: number } = {}) {
  let now = 1_700_000_000_000;
  const events: AnomalyEvent[] = [];
  const intervals: IntervalSummary[] = [];
  const m = new AnomalyMonitor({ intervalMs: opts.intervalMs ?? 1000, now: () => now, onAnomaly: (e) => events.push(e), onInterval: (s) => intervals.push(s) });
  /** One interval of traffic: n invocations spread over it, `fail` of them 500s. */
  const interval = (n: number, fail = 0, latencyMs = 20, version = 'v1') => {
    const start = now;
    const step = m.intervalMs / (n + 1);
    for (let i = 0; i < n; i++) {
      now = start + Math.floor((i + 1) * step);
      m.record('acme', 'hello', version, i < fail ? 500 : 200, latencyMs + (i % 5), 2 + (i % 3) * 0.1, false, null);
    }
    now = start + m.intervalMs;
    m.tick(now);
  };
  return { m, events, intervals, interval, advance: (ms: number) => { now += ms; m.tick(now); } };
}

describe('AnomalyMonitor', () => {
  it('aggregates an interval into its signals', () => {
    const h = harness();
    h.interval(20, 2, 40);
    assert.equal(h.intervals.length, 1);
    const s = h.intervals[0]!;
    assert.equal(s.invocations, 20);
    assert.equal(s.errors, 2);
    assert.equal(s.values.invocations_per_s, 20);
    assert.equal(s.values.error_rate, 0.1);
    assert.ok(s.values.p95_latency_ms >= 44 && s.values.p95_latency_ms <= 44 * 1.2, `p95 ${s.values.p95_latency_ms}`);
    assert.ok(Math.abs(s.values.cpu_ms - 2.1) < 0.01);
    assert.equal(s.ts % 1000, 0);
  });

  it('reports an error-rate jump once, with expected vs observed, and nothing on steady traffic', () => {
    const h = harness();
    for (let i = 0; i < 120; i++) h.interval(50, i % 40 === 0 ? 1 : 0);
    assert.equal(h.events.length, 0, 'steady traffic with a rare error is normal');
    for (let i = 0; i < 5; i++) h.interval(50, 15);
    const errs = h.events.filter((e) => e.signal === 'error_rate');
    assert.equal(errs.length, 1, JSON.stringify(h.events));
    const e = errs[0]!;
    assert.equal(e.tenant, 'acme');
    assert.equal(e.function, 'hello');
    assert.equal(e.version, 'v1');
    assert.equal(e.observed, 0.3);
    assert.ok(e.score >= 0.75 && e.score <= 1);
    assert.ok(e.expected < 0.01);
    assert.match(e.explanation, /^error rate 30% vs expected 0\.\d+% ±\d/);
  });

  it('reports a latency regression and a traffic flood', () => {
    const h = harness();
    for (let i = 0; i < 100; i++) h.interval(30);
    h.interval(30, 0, 400);
    assert.deepEqual(h.events.map((e) => e.signal), ['p95_latency_ms']);
    for (let i = 0; i < 40; i++) h.interval(30);
    h.interval(600);
    assert.ok(h.events.some((e) => e.signal === 'invocations_per_s' && e.observed === 600), JSON.stringify(h.events));
  });

  it('stays quiet during warm-up', () => {
    const h = harness();
    for (let i = 0; i < 10; i++) h.interval(50);
    h.interval(50, 40);
    assert.equal(h.events.length, 0);
  });

  it('closes idle intervals on tick and skips long gaps', () => {
    const h = harness({ intervalMs: 100 });
    h.interval(5);
    h.advance(100_000);
    // the interval with traffic, the next (empty) one, then at most 3 more empty ones
    assert.equal(h.intervals.length, 5);
    assert.deepEqual(h.intervals.slice(1).map((s) => s.invocations), [0, 0, 0, 0]);
    h.advance(100);
    assert.equal(h.intervals.length, 6);
  });

  it('explains in the units of each signal', () => {
    assert.equal(explain('error_rate', 0.31, 0.004, 0.006), 'error rate 31% vs expected 0.4% ±0.6%');
    assert.equal(explain('p95_latency_ms', 480, 12.5, 2), 'p95 latency 480 ms vs expected 12.5 ms ±2 ms');
    assert.equal(explain('invocations_per_s', 600, 30, 1.5), 'invocations 600/s vs expected 30/s ±1.5/s');
  });
});
