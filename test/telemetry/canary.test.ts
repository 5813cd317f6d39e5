// Canary analysis with injected intervals: no node, no clock.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CanaryAnalyzer, type CanaryVerdict } from '../../src/telemetry/canary.ts';
import type { IntervalSummary } from '../../src/telemetry/anomaly-monitor.ts';

const POLICY = { autoRollback: true, windowMs: 10_000 };

function harness() {
  const verdicts: CanaryVerdict[] = [];
  const c = new CanaryAnalyzer({ rollback: (v) => verdicts.push(v) });
  let ts = 0;
  const interval = (version: string, invocations: number, errors: number, p95 = 20): void => {
    ts += 100;
    const s: IntervalSummary = {
      tenant: 't', function: 'f', version, mixed: false, ts, invocations, errors,
      values: { invocations_per_s: invocations * 10, error_rate: invocations ? errors / invocations : 0, p95_latency_ms: p95, cpu_ms: 1, cold_starts: 0 },
    };
    c.observe(s);
  };
  return { c, verdicts, interval, now: () => ts };
}

describe('CanaryAnalyzer', () => {
  it('rolls back a version that fails 30% against a clean baseline, once', () => {
    const h = harness();
    for (let i = 0; i < 50; i++) h.interval('v1', 20, i % 25 === 0 ? 1 : 0);
    h.c.deployed('t', 'f', 'v2', 'v1', POLICY, h.now());
    assert.equal(h.c.watching('t', 'f'), 'v2');
    h.interval('v2', 20, 6);
    h.interval('v2', 20, 6);
    assert.equal(h.verdicts.length, 1);
    const v = h.verdicts[0]!;
    assert.deepEqual({ version: v.version, previous: v.previous, signal: v.signal }, { version: 'v2', previous: 'v1', signal: 'error_rate' });
    assert.match(v.reason, /^error rate 30% \(\d+ of \d+\) vs 0\.\d+% on v1$/);
    assert.equal(h.c.watching('t', 'f'), null);
    h.interval('v2', 20, 6);
    assert.equal(h.verdicts.length, 1);
  });

  it('passes a healthy version and stops watching after the window', () => {
    const h = harness();
    for (let i = 0; i < 50; i++) h.interval('v1', 20, i % 25 === 0 ? 1 : 0);
    h.c.deployed('t', 'f', 'v2', 'v1', POLICY, h.now());
    for (let i = 0; i < 100; i++) h.interval('v2', 20, i % 30 === 0 ? 1 : 0);
    assert.equal(h.verdicts.length, 0);
    assert.equal(h.c.watching('t', 'f'), null);
  });

  it('judges against the previous version’s own error rate', () => {
    const h = harness();
    for (let i = 0; i < 50; i++) h.interval('v1', 20, 6); // v1 already fails 30%
    h.c.deployed('t', 'f', 'v2', 'v1', POLICY, h.now());
    for (let i = 0; i < 20; i++) h.interval('v2', 20, 6);
    assert.equal(h.verdicts.length, 0);
  });

  it('rolls back a latency regression', () => {
    const h = harness();
    for (let i = 0; i < 50; i++) h.interval('v1', 20, 0, 20);
    h.c.deployed('t', 'f', 'v2', 'v1', POLICY, h.now());
    for (let i = 0; i < 5; i++) h.interval('v2', 20, 0, 400);
    assert.equal(h.verdicts.length, 0, 'not judged on the first intervals, which carry the cold starts');
    for (let i = 0; i < 45; i++) h.interval('v2', 20, 0, 400);
    assert.deepEqual(h.verdicts.map((v) => v.signal), ['p95_latency_ms'], 'judged from half-way through the window');
    assert.equal(h.verdicts[0]!.reason, 'p95 latency 400 ms vs 20 ms on v1');
  });

  it('ignores intervals that straddle a version switch', () => {
    const h = harness();
    for (let i = 0; i < 50; i++) h.interval('v1', 20, 0);
    h.c.deployed('t', 'f', 'v2', 'v1', POLICY, h.now());
    // The old version's failures, counted in an interval whose last invocation was the new one's.
    for (let i = 0; i < 5; i++) {
      h.c.observe({ tenant: 't', function: 'f', version: 'v2', mixed: true, ts: h.now() + i, invocations: 40, errors: 20, values: { invocations_per_s: 400, error_rate: 0.5, p95_latency_ms: 20, cpu_ms: 1, cold_starts: 0 } });
    }
    assert.equal(h.verdicts.length, 0);
    assert.equal(h.c.watching('t', 'f'), 'v2');
  });

  it('does nothing without autoRollback, without a previous version, or after cancel', () => {
    const h = harness();
    for (let i = 0; i < 50; i++) h.interval('v1', 20, 0);
    h.c.deployed('t', 'f', 'v2', 'v1', { autoRollback: false, windowMs: 10_000 }, h.now());
    h.c.deployed('t', 'g', 'v2', null, POLICY, h.now());
    assert.equal(h.c.watching('t', 'f'), null);
    assert.equal(h.c.watching('t', 'g'), null);
    h.c.deployed('t', 'f', 'v2', 'v1', POLICY, h.now());
    h.c.cancel('t', 'f');
    h.interval('v2', 20, 10);
    assert.equal(h.verdicts.length, 0);
  });
});
