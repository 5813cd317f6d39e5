// An independent re-computation of cost for the metering tests: exact fractions (numerator and
// denominator as BigInt), straight from the price table's decimal strings and the documented
// formulas, sharing no code with src/billing.
import assert from 'node:assert/strict';

export interface Frac { n: bigint; d: bigint }

function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  while (b) [a, b] = [b, a % b];
  return a;
}

export function frac(n: bigint, d = 1n): Frac {
  const g = gcd(n, d) || 1n;
  return { n: n / g, d: d / g };
}

export function plus(a: Frac, b: Frac): Frac {
  return frac(a.n * b.d + b.n * a.d, a.d * b.d);
}

export function times(a: Frac, k: bigint, div = 1n): Frac {
  return frac(a.n * k, a.d * div);
}

/** "0.0000166667" -> 166667/10^10 */
export function decimal(s: string): Frac {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(s);
  assert.ok(m, `not a plain decimal: ${s}`);
  const f = m[2] ?? '';
  return frac(BigInt(m[1]! + f), 10n ** BigInt(f.length));
}

export function equal(a: Frac, b: Frac): boolean {
  return a.n * b.d === b.n * a.d;
}

/** Half-up rounding to integer micro-units. */
export function micros(a: Frac): number {
  const scaled = a.n * 1_000_000n;
  return Number((2n * scaled + a.d) / (2n * a.d));
}

export interface PriceTableText { currency: string; perMillionRequests: string; perGbSecond: string; perCpuMs: string; perGbOut: string }
export interface Quantities { requests: number; mbMs: number; cpuUs: number; bytesOut: number }

/** The documented formulas: requests/10^6, GB-s = MB-ms / (1024 × 1000), CPU-ms = µs / 1000, GB = 2^30 bytes. */
export function expectedCost(q: Quantities, p: PriceTableText): { requests: Frac; duration: Frac; cpu: Frac; egress: Frac; total: Frac } {
  const requests = times(decimal(p.perMillionRequests), BigInt(q.requests), 1_000_000n);
  const duration = times(decimal(p.perGbSecond), BigInt(q.mbMs), 1024n * 1000n);
  const cpu = times(decimal(p.perCpuMs), BigInt(q.cpuUs), 1000n);
  const egress = times(decimal(p.perGbOut), BigInt(q.bytesOut), 2n ** 30n);
  return { requests, duration, cpu, egress, total: plus(plus(requests, duration), plus(cpu, egress)) };
}

/** Asserts that an API cost object is exactly the expected cost of `q`. */
export function assertCost(cost: { currency: string; micros: Record<string, number>; total: string }, q: Quantities, p: PriceTableText, what = ''): void {
  const e = expectedCost(q, p);
  assert.equal(cost.currency, p.currency);
  assert.ok(equal(decimal(cost.total), e.total), `${what}: exact total ${cost.total} != ${e.total.n}/${e.total.d}`);
  assert.deepEqual(cost.micros, {
    requests: micros(e.requests), duration: micros(e.duration), cpu: micros(e.cpu), egress: micros(e.egress), total: micros(e.total),
  }, what);
}
