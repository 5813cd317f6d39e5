import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KpaAutoscaler, targetInstances, TimeWeightedWindow, type KpaDecision, type KpaOptions } from '../../../src/scheduler/autoscaler/index.ts';

const S = 1000;

/**
 * Drives an autoscaler second by second: the load (requests in flight) is a function of the second,
 * the pool follows the decision at once (ready = last desired). Returns the decision of every second.
 */
function drive(opts: KpaOptions, load: (sec: number) => number, seconds: number, ready0 = 0): KpaDecision[] {
  const kpa = new KpaAutoscaler(opts);
  let ready = ready0;
  const out: KpaDecision[] = [];
  for (let sec = 0; sec < seconds; sec++) {
    kpa.record(sec * S, load(sec));
    const d = kpa.decide(sec * S, ready);
    out.push(d);
    ready = d.desired;
  }
  return out;
}

describe('TimeWeightedWindow', () => {
  it('averages a step function over the window, counting only time since the first value', () => {
    const w = new TimeWeightedWindow(60 * S);
    assert.equal(w.average(5 * S, 60 * S), 0, 'no data');
    w.set(0, 2);
    assert.equal(w.average(10 * S, 60 * S), 2);
    w.set(10 * S, 4);
    assert.equal(w.average(20 * S, 60 * S), 3);
    assert.equal(w.average(20 * S, 6 * S), 4);
    w.set(20 * S, 0);
    assert.ok(Math.abs(w.average(50 * S, 60 * S) - 60 / 50) < 1e-9);
    assert.equal(w.average(81 * S, 60 * S), 0, 'the load left the window');
    w.set(10 * 3600 * S, 1);
    assert.equal(w.average(10 * 3600 * S + 30 * S, 60 * S), 30 / 59, 'a long gap is skipped, not replayed');
  });
});

describe('KpaAutoscaler', () => {
  it('asks for ceil(concurrency / target) instances in steady state', () => {
    const d = drive({ target: 10 }, () => 25, 90);
    assert.equal(d.at(-1)!.desired, 3);
    assert.equal(d.at(-1)!.panic, false);
    assert.equal(drive({ target: 1 }, () => 1.5, 90).at(-1)!.desired, 2);
    assert.equal(drive({ target: 1 }, () => 3, 90).at(-1)!.desired, 3, 'exactly on target: no extra instance');
  });

  it('follows a step load within the panic window instead of the stable window', () => {
    const d = drive({ target: 1 }, (s) => (s < 120 ? 2 : 10), 240, 2);
    assert.ok(d.slice(60, 120).every((x) => x.desired === 2 && !x.panic), 'steady at 2 before the step');
    const entered = d.findIndex((x, i) => i >= 120 && x.panic);
    assert.ok(entered >= 120 && entered <= 123, `panic entered at ${entered}s`);
    const reached = d.findIndex((x, i) => i >= 120 && x.desired >= 10);
    assert.ok(reached > 0 && reached <= 128, `10 instances by ${reached}s`);
    assert.ok(d[reached]!.desiredStable < 5, 'the stable window alone would still ask for few');
    // Panic holds for a stable window after the last crossing, then the stable window has caught up.
    assert.equal(d[150]!.panic, true);
    assert.equal(d[200]!.panic, false);
    assert.ok(d.slice(reached).every((x) => x.desired === 10));
  });

  it('holds a burst through the panic window, never scaling down while panicking', () => {
    const d = drive({ target: 1 }, (s) => (s >= 100 && s < 103 ? 20 : 1), 400, 1);
    assert.ok(d.slice(60, 100).every((x) => x.desired === 1 && !x.panic));
    const start = d.findIndex((x) => x.panic);
    assert.ok(start >= 100 && start <= 102);
    const peak = Math.max(...d.map((x) => x.desired));
    assert.ok(peak >= 10, `peak ${peak}`);
    const end = d.findIndex((x, i) => i > start && !x.panic);
    assert.ok(end - start >= 60, `panic lasted ${end - start}s`);
    for (let i = start + 1; i < end; i++) assert.ok(d[i]!.desired >= d[i - 1]!.desired, `no scale-down in panic at ${i}s`);
    // After the panic: down at most by half per decision, back to the base load.
    for (let i = end; i < d.length; i++) assert.ok(d[i]!.desired >= Math.floor(d[i - 1]!.desired / 2));
    assert.equal(d.at(-1)!.desired, 1);
  });

  it('decays to zero once a whole stable window has seen no request', () => {
    const d = drive({ target: 1 }, (s) => (s < 120 ? 5 : 0), 260, 5);
    assert.equal(d[119]!.desired, 5);
    assert.ok(d[150]!.desired >= 1, 'still serving the tail of the window');
    const zero = d.findIndex((x, i) => i >= 120 && x.desired === 0);
    assert.ok(zero >= 179 && zero <= 182, `zero at ${zero}s`);
    for (let i = 121; i < d.length; i++) assert.ok(d[i]!.desired <= d[i - 1]!.desired, 'monotone decay');
    assert.ok(d.slice(zero).every((x) => x.desired === 0 && !x.panic));
  });

  it('respects its bounds and the scale-up rate', () => {
    const kpa = new KpaAutoscaler({ target: 1, maxScaleUpRate: 10 });
    kpa.record(0, 5000);
    assert.equal(kpa.decide(3 * S, 1).desired, 10, 'at most 10× the ready instances in one decision');
    const bounded = drive({ target: 1, minScale: 2, maxScale: 4 }, (s) => (s < 30 ? 50 : 0), 200);
    assert.equal(Math.max(...bounded.map((x) => x.desired)), 4);
    assert.equal(bounded.at(-1)!.desired, 2);
    assert.throws(() => new KpaAutoscaler({ target: 0 }), RangeError);
    assert.throws(() => new KpaAutoscaler({ target: 1, panicWindowMs: 120 * S }), RangeError);
  });
});

describe('targetInstances', () => {
  it('lets the autoscaler size the pool above one and the keep-alive policy decide zero or one', () => {
    assert.equal(targetInstances({ minInstances: 0, maxInstances: 10, desired: 0, keepWarm: false }), 0);
    assert.equal(targetInstances({ minInstances: 0, maxInstances: 10, desired: 1, keepWarm: false }), 0, 'policy unloads the last one');
    assert.equal(targetInstances({ minInstances: 0, maxInstances: 10, desired: 0, keepWarm: true }), 1, 'kept alive or pre-warmed');
    assert.equal(targetInstances({ minInstances: 0, maxInstances: 10, desired: 4, keepWarm: false }), 4);
    assert.equal(targetInstances({ minInstances: 2, maxInstances: 10, desired: 0, keepWarm: false }), 2);
    assert.equal(targetInstances({ minInstances: 0, maxInstances: 3, desired: 8, keepWarm: true }), 3);
  });
});
