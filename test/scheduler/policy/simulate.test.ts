// The trace-replay simulator (bench/autoscale/simulate.ts) on a small trace: its accounting is
// checked on hand-made cases through the real policies, and its results behave as they must.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fixedFrontierColdStarts, formatReport, simulate, type PolicyCase } from '../../../bench/autoscale/simulate.ts';
import { FixedKeepAlive } from '../../../src/scheduler/policy/fixed.ts';
import { HybridHistogramPolicy } from '../../../src/scheduler/policy/hybrid.ts';

const MIN = 60_000, HOUR = 60 * MIN;

// No app faster than a few per minute: keeps the test to well under a second.
const small = { apps: 60, durationMs: 2 * 24 * HOUR, seed: 5, rateKnots: [[0, 1 / 1440], [0.45, 1 / 60], [1, 4]] as Array<[number, number]> };

describe('keep-alive simulator', () => {
  it('counts cold starts and idle memory-time per policy, normalised to fixed 10 minutes', () => {
    const policies: PolicyCase[] = [5, 10, 60].map((m) => ({ label: `fixed-${m}m`, policy: new FixedKeepAlive(m * MIN) }));
    policies.push({ label: 'hybrid-4h', policy: new HybridHistogramPolicy() });
    const r = simulate({ trace: small, policies, warmupMs: 6 * HOUR });
    const [f5, f10, f60, hybrid] = r.results;
    assert.equal(f10!.coldVsBaseline, 1);
    assert.equal(f10!.wastedVsBaseline, 1);
    assert.ok(f5!.coldStarts > f10!.coldStarts && f10!.coldStarts > f60!.coldStarts, 'longer keep-alive, fewer cold starts');
    assert.ok(f5!.wastedGBs < f10!.wastedGBs && f10!.wastedGBs < f60!.wastedGBs, '... and more idle memory');
    for (const x of r.results) {
      assert.equal(x.invocations, f10!.invocations, 'all policies see the same invocations');
      assert.ok(x.appColdPct.p50 <= x.appColdPct.p75 && x.appColdPct.p75 <= x.appColdPct.p90);
    }
    assert.ok(hybrid!.byKind.timer.coldStarts < f10!.byKind.timer.coldStarts / 4, 'timers get pre-warmed');
    assert.ok(hybrid!.maxStateBytes <= 1024);
    assert.ok(hybrid!.sources.histogram > 0);
    const interpolated = fixedFrontierColdStarts(r.results, (f10!.wastedGBs + f60!.wastedGBs) / 2);
    assert.ok(interpolated !== null && interpolated < f10!.coldStarts && interpolated > f60!.coldStarts);
    assert.match(formatReport(r), /hybrid-4h: .* fewer cold starts than fixed-10m/);
  });

  it('matches hand-computed waste for a single timer app', () => {
    // One 30-minute timer over 6 hours: fixed 10 min wastes 10 min after every run but the last.
    const timerOnly = { apps: 1, durationMs: 6 * HOUR, seed: 1, timerShare: 1, rateKnots: [[0, 1 / 30], [1, 1 / 30]] as Array<[number, number]>, invocationSigma: 0.01 };
    const r = simulate({ trace: timerOnly, policies: [{ label: 'fixed-10m', policy: new FixedKeepAlive(10 * MIN) }] });
    const x = r.results[0]!;
    assert.equal(x.coldStarts, x.invocations, 'the timer outlives every 10-minute keep-alive');
    const gb = 128 / 1024;
    const expected = (x.invocations - 1) * 600 * gb; // the last idle period may be cut by the trace end
    assert.ok(x.wastedGBs >= expected - 1e-6 && x.wastedGBs <= expected + 600 * gb + 1e-6, `${x.wastedGBs} vs ${expected}`);
  });
});
