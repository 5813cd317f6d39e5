// Metering: the hourly usage roll-ups that appendInvocations maintains in the same transaction as the
// raw records, the period queries over them, and their rebuild from the raw records.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import type { InvocationInput, StorageDriver, UsageGranularity, UsageRow, UsageTotals } from '../../../src/storage/types.ts';
import { collect, itWith, makeInvocation, rejectsWithCode, type OpenDriver } from './helpers.ts';
import { mulberry32 } from '../../../src/anomaly/stats.ts';

const H = 3_600_000;
const D = 24 * H;
/** 2024-05-01T00:00:00Z */
const T0 = Date.UTC(2024, 4, 1);

const ZERO: UsageTotals = { requests: 0, errors: 0, coldStarts: 0, billedMs: 0, cpuUs: 0, mbMs: 0, bytesIn: 0, bytesOut: 0 };

function add(u: UsageTotals, i: InvocationInput): void {
  u.requests++;
  if (i.error !== null || i.status >= 500) u.errors++;
  if (i.coldStart) u.coldStarts++;
  u.billedMs += i.billedMs;
  u.cpuUs += Math.round(i.cpuMs * 1000);
  u.mbMs += i.memoryMb * i.billedMs;
  u.bytesIn += i.bytesIn;
  u.bytesOut += i.bytesOut;
}

/** What queryUsage must answer, computed naively from the raw records. */
export function expectedUsage(records: InvocationInput[], q: { tenant: string | null; function: string | null; from: number; to: number; granularity: UsageGranularity }): UsageRow[] {
  const rows = new Map<string, UsageRow>();
  for (const i of records) {
    if (i.ts < q.from || i.ts >= q.to) continue;
    if (q.tenant !== null && i.tenant !== q.tenant) continue;
    if (q.function !== null && i.function !== q.function) continue;
    const start = q.granularity === 'hour' ? i.ts - (i.ts % H) : q.granularity === 'day' ? i.ts - (i.ts % D) : q.from;
    const key = `${start}\0${i.tenant}\0${i.function}`;
    let row = rows.get(key);
    if (!row) rows.set(key, row = { tenant: i.tenant, function: i.function, start, ...ZERO });
    add(row, i);
  }
  return [...rows.values()].sort((a, b) => a.start - b.start || cmp(a.tenant, b.tenant) || cmp(a.function, b.function));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sum(rows: UsageTotals[]): UsageTotals {
  const t = { ...ZERO };
  for (const r of rows) for (const k of Object.keys(t) as Array<keyof UsageTotals>) t[k] += r[k];
  return t;
}

/** A deterministic pseudo-random generator, so a failure can be replayed. */
export const rng = mulberry32;

/** `n` varied records over two tenants, three functions and about three days starting at T0 - 2h. */
export function randomRecords(n: number, seed = 1): InvocationInput[] {
  const r = rng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const out: InvocationInput[] = [];
  for (let k = 0; k < n; k++) {
    // Some records sit exactly on, or 1 ms before, an hour or day boundary.
    const edge = r();
    const ts = edge < 0.1 ? T0 + Math.floor(r() * 72) * H : edge < 0.2 ? T0 + Math.floor(r() * 72) * H - 1 : T0 - 2 * H + Math.floor(r() * 74 * H);
    const [tenant, fn] = pick([['acme', 'hello'], ['acme', 'resize'], ['globex', 'report']] as const);
    const status = pick([200, 200, 200, 201, 404, 500, 503]);
    const error = status === 503 ? pick(['overloaded', 'cpu-limit', null]) : null;
    out.push({
      id: `inv-${seed}-${k}`, tenant, function: fn, version: 'v1', ts, trigger: pick(['http', 'admin']), method: 'GET', path: '/',
      status, durationMs: r() * 200, cpuMs: Math.round(r() * 50_000) / 1000 + (r() < 0.1 ? 0.0004 : 0), coldStart: r() < 0.1, error,
      memoryMb: pick([128, 256, 1024, 3008]), billedMs: Math.floor(r() * 3000), bytesIn: Math.floor(r() * 10_000), bytesOut: Math.floor(r() * 1_000_000),
    });
  }
  return out;
}

async function appendInBatches(d: StorageDriver, records: InvocationInput[], size: number): Promise<void> {
  for (let i = 0; i < records.length; i += size) await d.appendInvocations(records.slice(i, i + size));
}

async function allUsage(d: StorageDriver, q: Parameters<typeof expectedUsage>[1], limit = 200): Promise<UsageRow[]> {
  return (await collect((cursor) => d.queryUsage(q, { cursor, limit }))).items;
}

export function usageSuite(open: OpenDriver): void {
  describe('usage roll-ups', () => {
    itWith(open, 'appendInvocations adds each record to its (tenant, function, UTC hour); every quantity is summed exactly', async (d) => {
      const a = { ...makeInvocation('acme', 'hello', 'a', T0 + 10), memoryMb: 128, billedMs: 3, cpuMs: 1.2345, bytesIn: 10, bytesOut: 100, coldStart: true };
      const b = { ...makeInvocation('acme', 'hello', 'b', T0 + H - 1), memoryMb: 256, billedMs: 7, cpuMs: 0.0004, bytesIn: 0, bytesOut: 5, status: 502 };
      const c = { ...makeInvocation('acme', 'hello', 'c', T0 + H), memoryMb: 1024, billedMs: 1000, cpuMs: 40, bytesIn: 1, bytesOut: 2, error: 'timeout', status: 504 };
      const e = { ...makeInvocation('acme', 'hello', 'e', T0 + H + 5), status: 404 };
      await d.appendInvocations([a, b]);
      await d.appendInvocations([c, e]);
      const q = { tenant: 'acme', function: 'hello', from: T0, to: T0 + 2 * H, granularity: 'hour' as const };
      const page = await d.queryUsage(q);
      assert.equal(page.nextCursor, null);
      assert.deepEqual(page.items, [
        { tenant: 'acme', function: 'hello', start: T0, requests: 2, errors: 1, coldStarts: 1, billedMs: 10, cpuUs: 1235, mbMs: 128 * 3 + 256 * 7, bytesIn: 10, bytesOut: 105 },
        { tenant: 'acme', function: 'hello', start: T0 + H, requests: 2, errors: 1, coldStarts: 0, billedMs: 1002, cpuUs: 40_250, mbMs: 1024 * 1000 + 128 * 2, bytesIn: 1, bytesOut: 7 },
      ]);
      assert.deepEqual(await d.usageTotals(q), sum(page.items));
    });

    itWith(open, 'a record appended twice counts once, and a failed batch adds nothing', async (d) => {
      const one = makeInvocation('acme', 'hello', 'dup', T0);
      await d.appendInvocations([one]);
      await d.appendInvocations([one, makeInvocation('acme', 'hello', 'new', T0 + 1)]);
      const q = { tenant: 'acme', function: 'hello', from: T0, to: T0 + H };
      assert.equal((await d.usageTotals(q)).requests, 2);
      for (const bad of [{ bytesOut: -1 }, { memoryMb: 1.5 }, { billedMs: Number.NaN }, { cpuMs: -0.5 }, { ts: T0 + 0.5 }, { status: null as unknown as number }]) {
        await assert.rejects(d.appendInvocations([makeInvocation('acme', 'hello', 'good', T0 + 2), { ...makeInvocation('acme', 'hello', 'bad', T0 + 3), ...bad }]), Error, JSON.stringify(bad));
      }
      assert.deepEqual(await d.usageTotals(q), { requests: 2, errors: 0, coldStarts: 0, billedMs: 4, cpuUs: 500, mbMs: 128 * 4, bytesIn: 0, bytesOut: 10 });
      assert.deepEqual((await d.listInvocations('acme', 'hello')).items.map((i) => i.id), ['new', 'dup']);
    });

    itWith(open, 'hour, day and total queries agree with the raw records for any whole-hour period, tenant and function', async (d) => {
      const records = randomRecords(600, 7);
      await appendInBatches(d, records, 37);
      const periods: Array<[number, number]> = [
        [T0 - 2 * H, T0 + 72 * H], [T0, T0 + D], [T0 + 5 * H, T0 + 6 * H], [T0 + 23 * H, T0 + 49 * H], [T0 - 10 * D, T0 + 10 * D], [T0 + 100 * D, T0 + 101 * D],
      ];
      for (const [from, to] of periods) {
        for (const [tenant, fn] of [[null, null], ['acme', null], ['acme', 'hello'], ['globex', 'report'], ['globex', 'hello'], ['nobody', null]] as const) {
          for (const granularity of ['hour', 'day', 'total'] as const) {
            const q = { tenant, function: fn, from, to, granularity };
            const want = expectedUsage(records, q);
            assert.deepEqual(await allUsage(d, q, 50), want, JSON.stringify(q));
            assert.deepEqual(await d.usageTotals(q), sum(want), JSON.stringify(q));
          }
        }
      }
    });

    itWith(open, 'day buckets are UTC days (the first may start before `from`); total has one row per function starting at `from`', async (d) => {
      await d.appendInvocations([makeInvocation('acme', 'hello', 'x', T0 + 20 * H), makeInvocation('acme', 'hello', 'y', T0 + 30 * H), makeInvocation('acme', 'other', 'z', T0 + 30 * H)]);
      const days = await d.queryUsage({ tenant: 'acme', function: null, from: T0 + 12 * H, to: T0 + 36 * H, granularity: 'day' });
      assert.deepEqual(days.items.map((r) => [r.start, r.function, r.requests]), [[T0, 'hello', 1], [T0 + D, 'hello', 1], [T0 + D, 'other', 1]]);
      const total = await d.queryUsage({ tenant: 'acme', function: null, from: T0 + 12 * H, to: T0 + 36 * H, granularity: 'total' });
      assert.deepEqual(total.items.map((r) => [r.start, r.function, r.requests]), [[T0 + 12 * H, 'hello', 2], [T0 + 12 * H, 'other', 1]]);
      assert.deepEqual((await d.queryUsage({ tenant: 'acme', function: null, from: T0 + 21 * H, to: T0 + 30 * H, granularity: 'total' })).items, []);
      assert.deepEqual(await d.usageTotals({ tenant: 'acme', function: null, from: T0 + 21 * H, to: T0 + 30 * H }), ZERO);
    });

    itWith(open, 'pages follow the cursor through every row exactly once; bad cursors and periods are invalid-request', async (d) => {
      const records = randomRecords(300, 3);
      await d.appendInvocations(records);
      const q = { tenant: null, function: null, from: T0 - 2 * H, to: T0 + 72 * H, granularity: 'hour' as const };
      const all = await collect((cursor) => d.queryUsage(q, { cursor, limit: 7 }));
      assert.deepEqual(all.items, expectedUsage(records, q));
      assert.ok(all.pages > 10);
      await rejectsWithCode(d.queryUsage(q, { cursor: 'bogus' }), 'invalid-request');
      await rejectsWithCode(d.queryUsage({ ...q, from: T0 + 1 }), 'invalid-request');
      await rejectsWithCode(d.queryUsage({ ...q, to: q.from }), 'invalid-request');
      await rejectsWithCode(d.usageTotals({ ...q, to: T0 + 30 * 60_000 }), 'invalid-request');
    });

    itWith(open, 'rebuildUsage recomputes the same roll-ups from the raw records (nothing to correct)', async (d) => {
      const records = randomRecords(250, 11);
      await appendInBatches(d, records, 50);
      const q = { tenant: null, function: null, from: T0 - 2 * H, to: T0 + 72 * H, granularity: 'hour' as const };
      const before = await allUsage(d, q);
      const r = await d.rebuildUsage();
      assert.deepEqual(r, { hours: before.length, invocations: 250, corrected: 0 });
      assert.deepEqual(await allUsage(d, q), before);
      assert.deepEqual(await d.rebuildUsage(), r);
    });

    itWith(open, 'migrate keeps the roll-ups', async (d) => {
      await d.appendInvocations(randomRecords(40, 5));
      const q = { tenant: null, function: null, from: T0 - 2 * H, to: T0 + 72 * H };
      const before = await d.usageTotals(q);
      await d.migrate();
      assert.deepEqual(await d.usageTotals(q), before);
      assert.equal(before.requests, 40);
    });
  });
}
