// GET /api/v1/usage: metered usage and its cost per tenant, function and period, from the hourly
// roll-ups (which storage keeps in the same transaction as the raw usage records), priced with the
// node's price table in exact integer arithmetic (billing/cost.ts). POST /api/v1/usage/rebuild
// recomputes the roll-ups from the raw records (platform admins).
import { z } from 'zod';
import { costOf, gbSeconds } from '../billing/cost.ts';
import { defaults, type Prices } from '../billing/prices.ts';
import type { UsageGranularity, UsageRow, UsageTotals } from '../storage/types.ts';
import { audit } from './audit.ts';
import { defineRoute, type Route } from './router.ts';
import { functionNameParam, PAGE_LIMIT_MAX } from './schemas.ts';

export const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** 2000-01-01 .. 9999-12-31: anything outside is a typo (seconds for ms, a missing digit). */
const MIN_TIME = Date.UTC(2000, 0, 1);
const MAX_TIME = Date.UTC(9999, 11, 31);

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** Epoch ms, a UTC date (2024-05-01) or an ISO 8601 time with a zone (2024-05-01T13:00:00Z). */
export function parseTime(value: string): number | string {
  let t: number;
  if (/^\d{1,16}$/.test(value)) t = Number(value);
  else if (ISO_DATE.test(value) || ISO_TIME.test(value)) t = Date.parse(value);
  else return 'expected epoch milliseconds, a UTC date such as 2024-05-01, or an ISO 8601 time with a zone such as 2024-05-01T13:00:00Z';
  if (!Number.isFinite(t)) return `"${value}" is not a valid date`;
  if (t < MIN_TIME || t > MAX_TIME) return `"${value}" is outside 2000-01-01 .. 9999-12-31 (milliseconds, not seconds, since the epoch)`;
  return t;
}

const time = z.string().transform((v, ctx) => {
  const t = parseTime(v);
  if (typeof t === 'string') {
    ctx.addIssue({ code: 'custom', message: t });
    return z.NEVER;
  }
  return t;
}).meta({ type: 'string', examples: ['2024-05-01', '2024-05-01T13:00:00Z', '1714568400000'] }); // documented as the string it is sent as

const iso = (t: number): string => new Date(t).toISOString().replace('.000Z', 'Z');

export const usageQuery = z.object({
  function: functionNameParam.optional().describe('only this function (it may since have been deleted: its usage stays)'),
  from: time.optional().describe('start of the period, inclusive: a whole UTC hour as epoch ms, a date (2024-05-01) or an ISO 8601 time (2024-05-01T13:00:00Z); default: the start of the current UTC month'),
  to: time.optional().describe('end of the period, exclusive, a whole UTC hour; default: the end of the current hour'),
  granularity: z.enum(['hour', 'day', 'total']).default('total').describe('one row per function and UTC hour, UTC day, or for the whole period'),
  cursor: z.string().max(4096).optional().describe('nextCursor of the previous page'),
  limit: z.coerce.number().int().min(1).max(PAGE_LIMIT_MAX).default(100).describe('rows per page, 1..200'),
}).superRefine((q, ctx) => {
  for (const k of ['from', 'to'] as const) {
    const t = q[k];
    if (t !== undefined && t % HOUR_MS !== 0) {
      const down = t - (t % HOUR_MS);
      ctx.addIssue({ code: 'custom', path: [k], message: `usage is rolled up by the hour: use a whole UTC hour such as ${iso(down)} or ${iso(down + HOUR_MS)}` });
    }
  }
  if (q.from !== undefined && q.to !== undefined && q.to <= q.from) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be later than from' });
});

const ms = z.number().int().describe('milliseconds since the Unix epoch');

const costView = z.object({
  currency: z.string(),
  micros: z.object({
    requests: z.number().int(), duration: z.number().int().describe('GB-seconds'), cpu: z.number().int(), egress: z.number().int().describe('bytes out'),
    total: z.number().int().describe('the exact total rounded half up (not the sum of the rounded parts)'),
  }).describe('integer micro-units (10^-6) of the currency, each rounded half up from its exact amount'),
  total: z.string().describe('the exact total, a decimal string: add these (not the rounded micros) to sum periods'),
});

const quantities = {
  requests: z.number().int(), errors: z.number().int().describe('invocations the platform ended or refused, or that answered 5xx'), coldStarts: z.number().int(),
  billedMs: z.number().int().describe('billed wall time (ms): the time invocations held their instance'),
  cpuMs: z.number().describe('CPU time (ms, to the µs)'), cpuUs: z.number().int().describe('CPU time in whole µs (what is billed)'),
  gbSeconds: z.number().describe('memory limit (GB) × billed seconds; mbMs / 1024000'), mbMs: z.number().int().describe('Σ memory limit (MB) × billed ms: GB-seconds exactly'),
  bytesIn: z.number().int(), bytesOut: z.number().int(),
  cost: costView,
};

export const usageRowView = z.object({
  tenant: z.string(), function: z.string(),
  start: ms.describe('start of this row\'s period (inclusive)'), end: ms.describe('end of this row\'s period (exclusive)'),
  ...quantities,
});

export const usageView = z.object({
  tenant: z.string().describe('the tenant, or "*" for every tenant'), function: z.string().nullable(),
  from: ms, to: ms, granularity: z.enum(['hour', 'day', 'total']),
  prices: z.object({ currency: z.string(), perMillionRequests: z.string(), perGbSecond: z.string(), perCpuMs: z.string(), perGbOut: z.string() }),
  items: z.array(usageRowView), nextCursor: z.string().nullable(),
  totals: z.object(quantities).describe('the whole query (every page), priced once: equal to the sum of the rows\' exact costs'),
});

export const rebuildView = z.object({
  hours: z.number().int().describe('hourly roll-up rows after the rebuild'),
  invocations: z.number().int().describe('raw usage records they were computed from'),
  corrected: z.number().int().describe('roll-up rows that were missing, extra or different (0: they agreed)'),
});

function quantitiesView(u: UsageTotals, prices: Prices): z.output<z.ZodObject<typeof quantities>> {
  return {
    requests: u.requests, errors: u.errors, coldStarts: u.coldStarts, billedMs: u.billedMs,
    cpuMs: u.cpuUs / 1000, cpuUs: u.cpuUs, gbSeconds: gbSeconds(u.mbMs), mbMs: u.mbMs, bytesIn: u.bytesIn, bytesOut: u.bytesOut,
    cost: costOf(u, prices),
  };
}

function rowView(r: UsageRow, g: UsageGranularity, from: number, to: number, prices: Prices): z.output<typeof usageRowView> {
  const len = g === 'hour' ? HOUR_MS : g === 'day' ? DAY_MS : to - from;
  return { tenant: r.tenant, function: r.function, start: Math.max(r.start, from), end: Math.min(r.start + len, to), ...quantitiesView(r, prices) };
}

/** The default period: from the start of the current UTC month to the end of the current hour. */
export function defaultPeriod(now: number): { from: number; to: number } {
  const d = new Date(now);
  return { from: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), to: now - (now % HOUR_MS) + HOUR_MS };
}

export const usageRoutes: Route[] = [
  defineRoute({
    method: 'GET', path: '/api/v1/usage', operationId: 'getUsage', tag: 'usage', access: 'token', scope: 'tenant', allowAllTenants: true,
    summary: 'Metered usage and its cost per function and hour, day or whole period; platform admins may ask for every tenant with ?tenant=*.',
    query: usageQuery,
    responses: { 200: { description: 'Usage rows (a page) and the totals of the whole query', schema: usageView } },
    async handle({ deps, tenant, allTenants, query, now }) {
      const prices = deps.prices ?? defaults();
      const period = defaultPeriod(now());
      const to = query.to ?? Math.max(period.to, (query.from ?? 0) + HOUR_MS);
      const from = query.from ?? Math.min(period.from, to - HOUR_MS);
      const q = { tenant: allTenants ? null : tenant, function: query.function ?? null, from, to };
      const [page, totals] = await Promise.all([
        deps.storage.queryUsage({ ...q, granularity: query.granularity }, { cursor: query.cursor ?? null, limit: query.limit }),
        deps.storage.usageTotals(q),
      ]);
      return {
        status: 200,
        body: {
          tenant: allTenants ? '*' : tenant, function: q.function, from, to, granularity: query.granularity, prices: prices.table,
          items: page.items.map((r) => rowView(r, query.granularity, from, to, prices)), nextCursor: page.nextCursor,
          totals: quantitiesView(totals, prices),
        },
      };
    },
  }),
  defineRoute({
    method: 'POST', path: '/api/v1/usage/rebuild', operationId: 'rebuildUsage', tag: 'usage', access: 'admin', scope: 'global',
    summary: 'Recompute every hourly usage roll-up from the raw usage records, in one transaction, and say how many rows were corrected.',
    responses: { 200: { description: 'The roll-ups were rebuilt', schema: rebuildView } },
    async handle({ deps, principal }) {
      const r = await deps.storage.rebuildUsage();
      await audit(deps, principal, '*', 'usage.rebuild', { hours: r.hours, invocations: r.invocations, corrected: r.corrected });
      return { status: 200, body: r };
    },
  }),
];
