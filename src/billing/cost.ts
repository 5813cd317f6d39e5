// The cost of metered usage under a price table, in exact integer arithmetic.
//
// Every quantity is an integer (requests, MB-ms, CPU µs, bytes) and every price an integer of
// 10^-12 units, and every divisor (10^6 requests, 1 024 000 MB-ms per GB-s, 1000 µs per ms, 2^30
// bytes per GB) has only 2 and 5 as prime factors, so each cost is exactly an integer number of
// 10^-42 currency units: no rounding happens until an amount is shown. Cost is linear, so the
// exact cost of a sum of usage is the sum of the exact costs — hour, day and total views agree
// exactly. Amounts are shown as integer micro-units (10^-6), rounded half up once from the exact
// value, and as the exact decimal.
import type { Prices } from './prices.ts';
import { formatScaled } from './prices.ts';

/** The quantities a cost is computed from (a subset of the storage layer's UsageTotals). */
export interface BillableUsage {
  requests: number;
  /** Σ memoryMb × billedMs. GB-seconds = mbMs / 1 024 000. */
  mbMs: number;
  cpuUs: number;
  bytesOut: number;
}

/** Digits of the exact unit: amounts are integers of 10^-EXACT_DIGITS currency units. */
export const EXACT_DIGITS = 42;
const MICRO_DIV = 10n ** BigInt(EXACT_DIGITS - 6);

export interface ExactCost {
  requests: bigint;
  duration: bigint;
  cpu: bigint;
  egress: bigint;
  total: bigint;
}

export interface Cost {
  currency: string;
  /** Integer micro-units (10^-6 of the currency), each rounded half up from its exact amount. */
  micros: { requests: number; duration: number; cpu: number; egress: number; total: number };
  /** The exact total as a decimal string (sum these, not the rounded micros, to add periods up). */
  total: string;
}

function int(n: number, what: string): bigint {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} must be an integer ≥ 0, got ${n}`);
  return BigInt(n);
}

/** The exact cost of `u`, in 10^-42 currency units. */
export function exactCost(u: BillableUsage, p: Prices): ExactCost {
  // price [10^-12 / unit] × quantity / divisor, scaled to 10^-42: × 10^30 / divisor.
  const requests = p.perMillionRequests * int(u.requests, 'requests') * 10n ** 24n; // / 10^6
  const duration = (p.perGbSecond * int(u.mbMs, 'mbMs') * 10n ** 30n) / 1_024_000n; // exact: 1 024 000 = 2^13 × 5^3 divides 10^30
  const cpu = p.perCpuMs * int(u.cpuUs, 'cpuUs') * 10n ** 27n; // / 1000
  const egress = p.perGbOut * int(u.bytesOut, 'bytesOut') * 5n ** 30n; // × 10^30 / 2^30
  return { requests, duration, cpu, egress, total: requests + duration + cpu + egress };
}

/** Rounds an exact amount (10^-42 units) half up to integer micro-units. */
export function toMicros(exact: bigint): number {
  const micros = (exact + MICRO_DIV / 2n) / MICRO_DIV;
  if (micros > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('the amount is too large to show in micro-units');
  return Number(micros);
}

/** An exact amount (10^-42 units) as a decimal string. */
export function formatExact(exact: bigint): string {
  return formatScaled(exact, EXACT_DIGITS);
}

export function costOf(u: BillableUsage, p: Prices): Cost {
  const e = exactCost(u, p);
  return {
    currency: p.currency,
    micros: { requests: toMicros(e.requests), duration: toMicros(e.duration), cpu: toMicros(e.cpu), egress: toMicros(e.egress), total: toMicros(e.total) },
    total: formatExact(e.total),
  };
}

/** GB-seconds of `mbMs` as a number, for display (the exact quantity is mbMs). */
export function gbSeconds(mbMs: number): number {
  return mbMs / 1_024_000;
}
