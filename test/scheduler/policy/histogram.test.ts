import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BIN_MAX, IdleHistogram } from '../../../src/scheduler/policy/histogram.ts';
import { SmoothedForecast } from '../../../src/scheduler/policy/forecast.ts';

const MIN = 60_000, HOUR = 60 * MIN;

function bruteCv(h: IdleHistogram): number {
  const c = Array.from({ length: h.bins }, (_, i) => h.count(i));
  const mean = c.reduce((a, b) => a + b, 0) / c.length;
  const v = c.reduce((a, x) => a + (x - mean) ** 2, 0) / (c.length - 1);
  return mean === 0 ? 0 : Math.sqrt(v) / mean;
}

describe('IdleHistogram', () => {
  it('bins idle times by the minute over 4 hours and counts the rest as out of bounds', () => {
    const h = new IdleHistogram();
    assert.equal(h.bins, 240);
    assert.equal(h.rangeMs, 4 * HOUR);
    assert.equal(h.add(0), true);
    assert.equal(h.add(MIN - 1), true);
    assert.equal(h.add(MIN), true);
    assert.equal(h.add(4 * HOUR - 1), true);
    assert.equal(h.add(4 * HOUR), false);
    assert.equal(h.add(30 * HOUR), false);
    assert.equal(h.count(0), 2);
    assert.equal(h.count(1), 1);
    assert.equal(h.count(239), 1);
    assert.equal(h.inRange, 4);
    assert.equal(h.outOfBounds, 2);
    assert.equal(h.oobRate(), 2 / 6);
  });

  it('reads percentiles off the cumulative counts', () => {
    const h = new IdleHistogram();
    assert.equal(h.percentileBin(0.5), -1, 'empty');
    for (let i = 0; i < 5; i++) h.add(2.5 * MIN);
    for (let i = 0; i < 90; i++) h.add(10.5 * MIN);
    for (let i = 0; i < 4; i++) h.add(20.2 * MIN);
    h.add(30.5 * MIN);
    assert.equal(h.percentileBin(0.05), 2);
    assert.equal(h.percentileBin(0.06), 10);
    assert.equal(h.percentileBin(0.5), 10);
    assert.equal(h.percentileBin(0.95), 10);
    assert.equal(h.percentileBin(0.99), 20);
    assert.equal(h.percentileBin(1), 30);
  });

  it('computes the coefficient of variation of the bin counts incrementally', () => {
    const h = new IdleHistogram();
    assert.equal(h.cv(), 0);
    for (let i = 0; i < 50; i++) h.add(7 * MIN);
    assert.ok(Math.abs(h.cv() - Math.sqrt(240)) < 1e-9, 'one populated bin: the highest CV there is');
    const flat = new IdleHistogram();
    for (let b = 0; b < 240; b++) for (let k = 0; k < 3; k++) flat.add(b * MIN + 1);
    assert.ok(flat.cv() < 1e-9, 'idle times spread evenly: CV 0');
    let seed = 7;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const r = new IdleHistogram();
    for (let i = 0; i < 2000; i++) {
      r.add(-Math.log(1 - rnd()) * 30 * MIN);
      if (i % 97 === 0) assert.ok(Math.abs(r.cv() - bruteCv(r)) < 1e-9);
    }
  });

  it('halves instead of overflowing its 16-bit counters, keeping the shape', () => {
    const h = new IdleHistogram();
    for (let i = 0; i < 70_000; i++) h.add(0);
    for (let i = 0; i < 3; i++) h.add(100 * MIN);
    assert.ok(h.count(0) <= BIN_MAX);
    assert.ok(h.count(0) > BIN_MAX / 2 - 10);
    assert.equal(h.count(100), 3);
    assert.ok(Math.abs(h.cv() - bruteCv(h)) < 1e-6);
    assert.equal(h.percentileBin(0.99), 0);
    h.add(5 * HOUR);
    const oob = h.outOfBounds;
    h.halve();
    assert.equal(h.count(100), 2, 'a bin that was seen stays seen');
    assert.equal(h.outOfBounds, Math.ceil(oob / 2));
  });

  it('takes 504 bytes of state whatever it is fed', () => {
    const h = new IdleHistogram();
    for (let i = 0; i < 100_000; i++) h.add((i * 7919) % (6 * HOUR));
    assert.equal(h.stateBytes(), 240 * 2 + 24);
  });
});

describe('SmoothedForecast', () => {
  it('smooths the long idle times exponentially and tracks how erratic they are', () => {
    const f = new SmoothedForecast();
    assert.equal(f.forecast(), null);
    assert.equal(f.relativeError(), Infinity);
    f.observe(6 * HOUR);
    assert.equal(f.forecast(), 6 * HOUR);
    f.observe(8 * HOUR);
    assert.equal(f.forecast(), 7 * HOUR);
    const daily = new SmoothedForecast();
    for (let i = 0; i < 20; i++) daily.observe(24 * HOUR + (i % 2 ? 1 : -1) * MIN);
    assert.ok(Math.abs(daily.forecast()! - 24 * HOUR) < 2 * MIN);
    assert.ok(daily.relativeError() < 0.01, 'a daily job is regular');
    assert.throws(() => new SmoothedForecast({ alpha: 0 }), RangeError);
  });
});
