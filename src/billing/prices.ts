// The node's price table: what one request, one GB-second, one CPU-millisecond and one GB sent
// cost. Node configuration (`cairn serve --prices <file|json>` or CAIRN_PRICES), not a function's
// cairn.json: the operator sets prices, not the tenants.
//
// Prices are decimals with at most 12 fractional digits, given as JSON strings ("0.0000166667") or
// numbers, and are held as exact integers of 10^-12 currency units: no binary floating point
// touches money anywhere (see cost.ts).
import { z } from 'zod';
import { formatIssues } from '../config/schema.ts';

/** Decimal places a price may have. */
export const PRICE_DIGITS = 12;
const PICO = 10n ** BigInt(PRICE_DIGITS);

/** The price table as configured (decimal strings), as the API shows it. */
export interface PriceTable {
  /** ISO 4217 code of the amounts, e.g. "USD". */
  currency: string;
  /** Per million invocations (AWS Lambda: 0.20 USD). */
  perMillionRequests: string;
  /** Per GB-second: memory limit in GB (MB / 1024) × billed wall seconds (AWS Lambda x86: 0.0000166667 USD). */
  perGbSecond: string;
  /** Per CPU millisecond (Cloudflare Workers: 0.02 USD per million CPU-ms = 0.00000002). */
  perCpuMs: string;
  /** Per GB (2^30 bytes) of response bodies sent (AWS data transfer out: 0.09 USD). */
  perGbOut: string;
}

/** Defaults close to public serverless list prices (USD, 2024). */
export const DEFAULT_PRICES: PriceTable = {
  currency: 'USD',
  perMillionRequests: '0.20',
  perGbSecond: '0.0000166667',
  perCpuMs: '0.00000002',
  perGbOut: '0.09',
};

/** A parsed price table: every price in exact 10^-12 currency units per unit. */
export interface Prices {
  table: PriceTable;
  currency: string;
  perMillionRequests: bigint;
  perGbSecond: bigint;
  perCpuMs: bigint;
  perGbOut: bigint;
}

export class PriceError extends Error {
  readonly errors: string[];
  /** The message without the error lines. */
  readonly summary: string;
  constructor(errors: string[], summary = 'the price table is not valid') {
    super(`${summary}: ${errors.join('; ')}`);
    this.name = 'PriceError';
    this.errors = errors;
    this.summary = summary;
  }
}

const DECIMAL = /^(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
/** Upper bound of any one price (per unit), to catch a misplaced decimal point. */
const MAX_PRICE = 1_000_000n * PICO;

/** Exact value of a non-negative decimal (string or JSON number) in 10^-12 units, or an error message. */
export function parseDecimal(value: string | number): bigint | string {
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : 'x') : value.trim();
  const m = DECIMAL.exec(text);
  if (!m) return `expected a non-negative decimal such as "0.20", got ${JSON.stringify(value)}`;
  const int = m[1]!;
  const frac = m[2] ?? '';
  const exp = Number(m[3] ?? 0);
  if (!Number.isSafeInteger(exp) || Math.abs(exp) > 100) return `the exponent of ${JSON.stringify(value)} is out of range`;
  // value = (int.frac) × 10^exp = digits × 10^(exp - frac.length); in pico units × 10^12.
  const digits = BigInt(int + frac);
  const shift = exp - frac.length + PRICE_DIGITS;
  let units: bigint;
  if (shift >= 0) units = digits * 10n ** BigInt(shift);
  else {
    const div = 10n ** BigInt(-shift);
    if (digits % div !== 0n) return `${JSON.stringify(value)} has more than ${PRICE_DIGITS} decimal places`;
    units = digits / div;
  }
  if (units > MAX_PRICE) return `${JSON.stringify(value)} is more than 1000000 per unit; is the decimal point in the right place?`;
  return units;
}

/** Formats 10^-12 units as the shortest exact decimal. */
export function formatPico(units: bigint): string {
  return formatScaled(units, PRICE_DIGITS);
}

/** Formats an integer of 10^-digits units as an exact decimal string without trailing zeros. */
export function formatScaled(units: bigint, digits: number): string {
  const neg = units < 0n;
  const abs = neg ? -units : units;
  const scale = 10n ** BigInt(digits);
  const int = abs / scale;
  const frac = (abs % scale).toString().padStart(digits, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${int}${frac ? '.' + frac : ''}`;
}

const price = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const r = parseDecimal(v);
  if (typeof r === 'string') {
    ctx.addIssue({ code: 'custom', message: r });
    return z.NEVER;
  }
  return r;
});

const tableSchema = z.object({
  currency: z.string().regex(/^[A-Z]{3}$/, 'expected a three-letter ISO 4217 currency code such as "USD" or "EUR"').optional(),
  perMillionRequests: price.optional(),
  perGbSecond: price.optional(),
  perCpuMs: price.optional(),
  perGbOut: price.optional(),
}).strict();

/**
 * Validates a price table (fields left out keep their default) and returns it parsed. Throws
 * PriceError with one "field: what is wrong" line per problem.
 */
export function parsePrices(input: unknown): Prices {
  const r = tableSchema.safeParse(input ?? {});
  if (!r.success) throw new PriceError(formatIssues(r.error));
  const d = defaults();
  const v = r.data;
  const pick = (k: 'perMillionRequests' | 'perGbSecond' | 'perCpuMs' | 'perGbOut'): bigint => v[k] ?? d[k];
  const parsed = {
    currency: v.currency ?? d.currency,
    perMillionRequests: pick('perMillionRequests'), perGbSecond: pick('perGbSecond'), perCpuMs: pick('perCpuMs'), perGbOut: pick('perGbOut'),
  };
  return { ...parsed, table: tableOf(parsed) };
}

/** Parses a price table given as JSON text (the CLI reads it from --prices / CAIRN_PRICES). */
export function parsePricesJson(text: string, source = 'the price table'): Prices {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new PriceError([`(root): not valid JSON: ${(err as Error).message}`], `${source} is not valid`);
  }
  try {
    return parsePrices(json);
  } catch (err) {
    if (err instanceof PriceError) throw new PriceError(err.errors, `${source} is not valid`);
    throw err;
  }
}

let cachedDefaults: Prices | null = null;
/** DEFAULT_PRICES, parsed. */
export function defaults(): Prices {
  if (!cachedDefaults) {
    const p = (s: string): bigint => parseDecimal(s) as bigint;
    const d = {
      currency: DEFAULT_PRICES.currency,
      perMillionRequests: p(DEFAULT_PRICES.perMillionRequests), perGbSecond: p(DEFAULT_PRICES.perGbSecond),
      perCpuMs: p(DEFAULT_PRICES.perCpuMs), perGbOut: p(DEFAULT_PRICES.perGbOut),
    };
    cachedDefaults = { ...d, table: tableOf(d) };
  }
  return cachedDefaults;
}

function tableOf(p: Omit<Prices, 'table'>): PriceTable {
  return {
    currency: p.currency,
    perMillionRequests: formatPico(p.perMillionRequests), perGbSecond: formatPico(p.perGbSecond),
    perCpuMs: formatPico(p.perCpuMs), perGbOut: formatPico(p.perGbOut),
  };
}
