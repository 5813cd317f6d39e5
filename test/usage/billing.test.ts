// The price table (parsing, validation, defaults) and exact cost arithmetic.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEFAULT_PRICES, PriceError, defaults, parseDecimal, parsePrices, parsePricesJson } from '../../src/billing/prices.ts';
import { costOf, exactCost, formatExact, toMicros } from '../../src/billing/cost.ts';
import { assertCost } from './helpers.ts';

describe('price table', () => {
  it('parses decimals exactly into 10^-12 units, from strings and JSON numbers', () => {
    assert.equal(parseDecimal('0.20'), 200_000_000_000n);
    assert.equal(parseDecimal('0.0000166667'), 16_666_700n);
    assert.equal(parseDecimal(0.0000166667), 16_666_700n);
    assert.equal(parseDecimal(2e-8), 20_000n);
    assert.equal(parseDecimal('2E-8'), 20_000n);
    assert.equal(parseDecimal('0.000000000001'), 1n);
    assert.equal(parseDecimal(0), 0n);
    assert.equal(parseDecimal('12'), 12_000_000_000_000n);
    assert.equal(parseDecimal('1.'), 1_000_000_000_000n);
    for (const bad of ['-1', '0.0000000000001', 'abc', '', '1,5', '0x10', '1e400', Number.NaN, Number.POSITIVE_INFINITY, '2000000']) {
      assert.equal(typeof parseDecimal(bad as string), 'string', `rejects ${String(bad)}`);
    }
  });

  it('defaults are public-cloud-like list prices in USD; left-out fields keep their default', () => {
    assert.deepEqual(defaults().table, { currency: 'USD', perMillionRequests: '0.2', perGbSecond: '0.0000166667', perCpuMs: '0.00000002', perGbOut: '0.09' });
    assert.equal(DEFAULT_PRICES.perMillionRequests, '0.20');
    const p = parsePrices({ currency: 'EUR', perGbOut: 0 });
    assert.deepEqual(p.table, { currency: 'EUR', perMillionRequests: '0.2', perGbSecond: '0.0000166667', perCpuMs: '0.00000002', perGbOut: '0' });
    assert.deepEqual(parsePrices(undefined).table, defaults().table);
  });

  it('rejects a bad table with one line per field, naming the field', () => {
    assert.throws(() => parsePrices({ currency: 'usd', perGbSecond: '0.0000000000001', perCpuMs: -1, extra: 1 }), (err: unknown) => {
      assert.ok(err instanceof PriceError);
      assert.deepEqual(err.errors.map((e) => e.split(':')[0]).sort(), ['(root)', 'currency', 'perCpuMs', 'perGbSecond']);
      assert.match(err.errors.find((e) => e.startsWith('perGbSecond'))!, /more than 12 decimal places/);
      return true;
    });
    assert.throws(() => parsePricesJson('{"currency": ', '/etc/prices.json'), /\/etc\/prices\.json is not valid: \(root\): not valid JSON/);
    assert.throws(() => parsePrices([1]), PriceError);
  });
});

describe('cost', () => {
  const p = defaults();

  it('prices each component by the documented formula', () => {
    // 1 million requests, 1 GB-s (128 MB for 8 s), 1000 CPU-ms, 1 GiB out.
    const c = costOf({ requests: 1_000_000, mbMs: 1_024_000, cpuUs: 1_000_000, bytesOut: 2 ** 30 }, p);
    assert.deepEqual(c.micros, { requests: 200_000, duration: 17, cpu: 20, egress: 90_000, total: 290_037 });
    assert.equal(c.total, '0.2900366667');
    assert.equal(c.currency, 'USD');
    assert.deepEqual(costOf({ requests: 0, mbMs: 0, cpuUs: 0, bytesOut: 0 }, p), { currency: 'USD', micros: { requests: 0, duration: 0, cpu: 0, egress: 0, total: 0 }, total: '0' });
  });

  it('rounds micro-units half up, once, from the exact amount', () => {
    const unit = 10n ** 36n; // one micro-unit in exact units
    assert.equal(toMicros(unit / 2n - 1n), 0);
    assert.equal(toMicros(unit / 2n), 1);
    assert.equal(toMicros(3n * unit + unit / 2n), 4);
    // Two components of about 0.4 µ$ each round to 0, but their exact sum (0.8 µ$) rounds to 1.
    const c = costOf({ requests: 2, mbMs: 24_576, cpuUs: 0, bytesOut: 0 }, p); // 0.4 + 0.4000008 µ$
    assert.deepEqual(c.micros, { requests: 0, duration: 0, cpu: 0, egress: 0, total: 1 });
    assert.equal(formatExact(exactCost({ requests: 1, mbMs: 0, cpuUs: 0, bytesOut: 0 }, p).total), '0.0000002');
  });

  it('is exactly linear: the cost of a sum is the sum of the costs, whatever the split', () => {
    const q = fc.record({ requests: fc.nat(1e9), mbMs: fc.nat(1e12), cpuUs: fc.nat(1e12), bytesOut: fc.nat(1e13) });
    fc.assert(fc.property(q, q, (a, b) => {
      const sum = { requests: a.requests + b.requests, mbMs: a.mbMs + b.mbMs, cpuUs: a.cpuUs + b.cpuUs, bytesOut: a.bytesOut + b.bytesOut };
      assert.equal(exactCost(sum, p).total, exactCost(a, p).total + exactCost(b, p).total);
    }), { numRuns: 300 });
  });

  it('agrees with an independent fraction computation for arbitrary prices and quantities', () => {
    const price = fc.nat(999_999_999_999).map((f) => `0.${String(f).padStart(12, '0')}`); // < 1 per unit: totals stay within 2^53 micro-units
    fc.assert(fc.property(price, price, price, price, fc.record({ requests: fc.nat(1e9), mbMs: fc.nat(1e12), cpuUs: fc.nat(1e12), bytesOut: fc.nat(1e13) }), (a, b, c, d, q) => {
      const table = parsePrices({ perMillionRequests: a, perGbSecond: b, perCpuMs: c, perGbOut: d }).table;
      assertCost(costOf(q, parsePrices(table)), q, table, JSON.stringify({ table, q }));
    }), { numRuns: 300 });
  });

  it('refuses quantities that are not integers ≥ 0', () => {
    assert.throws(() => exactCost({ requests: 1.5, mbMs: 0, cpuUs: 0, bytesOut: 0 }, p), RangeError);
    assert.throws(() => exactCost({ requests: 0, mbMs: -1, cpuUs: 0, bytesOut: 0 }, p), RangeError);
    // Past 2^53 micro-units (9 billion in the currency) an amount cannot be shown as a JSON integer.
    assert.throws(() => costOf({ requests: 0, mbMs: 0, cpuUs: 0, bytesOut: 2 ** 52 }, parsePrices({ perGbOut: '999999' })), RangeError);
  });
});
