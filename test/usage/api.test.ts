// GET /api/v1/usage and POST /api/v1/usage/rebuild on the real control plane and SQLite driver:
// the reconciliation of the API's rows and totals with the raw usage records (for several period
// boundaries and all three granularities), tenant scoping, and problem+json for bad input.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { InvocationRecord, UsageGranularity } from '../../src/storage/types.ts';
import { assertProblem, assertRejected, startHarness, type Harness } from '../control/harness.ts';
import { expectedUsage, randomRecords } from '../storage/conformance/usage.ts';
import { collect } from '../storage/conformance/helpers.ts';
import { assertCost, decimal, equal, expectedCost, plus, frac, type PriceTableText } from './helpers.ts';

const H = 3_600_000;
const D = 24 * H;
const T0 = Date.UTC(2024, 4, 1);

let h: Harness;
let acmeToken: string;
let globexToken: string;
/** The raw usage records, read back from storage (not the generated ones). */
let raw: InvocationRecord[];

before(async () => {
  h = await startHarness({ ledger: true });
  acmeToken = await h.tenantToken('acme');
  globexToken = await h.tenantToken('globex');
  const generated = randomRecords(900, 42);
  for (let i = 0; i < generated.length; i += 64) await h.storage.appendInvocations(generated.slice(i, i + 64));
  raw = [];
  for (const [t, f] of [['acme', 'hello'], ['acme', 'resize'], ['globex', 'report']] as const) {
    raw.push(...(await collect((cursor) => h.storage.listInvocations(t, f, { cursor, limit: 200 }))).items);
  }
  assert.equal(raw.length, generated.length);
});
after(() => h.close());

interface Query { tenant?: string; function?: string; from?: number | string; to?: number | string; granularity?: UsageGranularity; token?: string; limit?: number }

async function usage(q: Query): Promise<any> {
  const params = new URLSearchParams();
  for (const k of ['tenant', 'function', 'from', 'to', 'granularity', 'limit'] as const) if (q[k] !== undefined) params.set(k, String(q[k]));
  let body: any = null;
  for (let cursor: string | null = null; ;) {
    if (cursor) params.set('cursor', cursor);
    const r = await h.api(`/api/v1/usage?${params}`, { token: q.token });
    assert.equal(r.status, 200, r.text);
    if (body) {
      assert.deepEqual(r.body.totals, body.totals, 'every page carries the totals of the whole query');
      body.items.push(...r.body.items);
    } else body = r.body;
    cursor = r.body.nextCursor;
    if (!cursor) return body;
  }
}

/** Everything the API says for this query must follow from the raw records alone. */
function reconcile(answer: any, q: { tenant: string | null; function: string | null; from: number; to: number; granularity: UsageGranularity }): void {
  const prices = answer.prices as PriceTableText;
  const want = expectedUsage(raw, q);
  assert.equal(answer.items.length, want.length, JSON.stringify(q));
  let exactSum = frac(0n);
  want.forEach((w, i) => {
    const got = answer.items[i];
    const len = q.granularity === 'hour' ? H : q.granularity === 'day' ? D : q.to - q.from;
    assert.deepEqual(
      { tenant: got.tenant, function: got.function, start: got.start, end: got.end, requests: got.requests, errors: got.errors, coldStarts: got.coldStarts, billedMs: got.billedMs, cpuUs: got.cpuUs, mbMs: got.mbMs, bytesIn: got.bytesIn, bytesOut: got.bytesOut },
      { tenant: w.tenant, function: w.function, start: Math.max(w.start, q.from), end: Math.min(w.start + len, q.to), requests: w.requests, errors: w.errors, coldStarts: w.coldStarts, billedMs: w.billedMs, cpuUs: w.cpuUs, mbMs: w.mbMs, bytesIn: w.bytesIn, bytesOut: w.bytesOut },
    );
    assert.equal(got.gbSeconds, w.mbMs / 1_024_000);
    assert.equal(got.cpuMs, w.cpuUs / 1000);
    assertCost(got.cost, w, prices, `${JSON.stringify(q)} row ${i}`);
    exactSum = plus(exactSum, decimal(got.cost.total));
  });
  // Totals: straight sums over the raw records in the period, priced once.
  const inPeriod = raw.filter((r) => r.ts >= q.from && r.ts < q.to && (q.tenant === null || r.tenant === q.tenant) && (q.function === null || r.function === q.function));
  const t = answer.totals;
  const sums = {
    requests: inPeriod.length,
    errors: inPeriod.filter((r) => r.error !== null || r.status >= 500).length,
    coldStarts: inPeriod.filter((r) => r.coldStart).length,
    billedMs: inPeriod.reduce((s, r) => s + r.billedMs, 0),
    cpuUs: inPeriod.reduce((s, r) => s + Math.round(r.cpuMs * 1000), 0),
    mbMs: inPeriod.reduce((s, r) => s + r.memoryMb * r.billedMs, 0),
    bytesIn: inPeriod.reduce((s, r) => s + r.bytesIn, 0),
    bytesOut: inPeriod.reduce((s, r) => s + r.bytesOut, 0),
  };
  assert.deepEqual({ requests: t.requests, errors: t.errors, coldStarts: t.coldStarts, billedMs: t.billedMs, cpuUs: t.cpuUs, mbMs: t.mbMs, bytesIn: t.bytesIn, bytesOut: t.bytesOut }, sums, JSON.stringify(q));
  assert.equal(t.gbSeconds, sums.mbMs / 1_024_000);
  assertCost(t.cost, sums, prices, `${JSON.stringify(q)} totals`);
  // Cost of the raw records one by one, summed exactly, is the total too (cost is linear).
  const perRecord = inPeriod.reduce((s, r) => plus(s, expectedCost({ requests: 1, mbMs: r.memoryMb * r.billedMs, cpuUs: Math.round(r.cpuMs * 1000), bytesOut: r.bytesOut }, prices).total), frac(0n));
  assert.ok(equal(perRecord, decimal(t.cost.total)), 'Σ cost(record) = total cost');
  assert.ok(equal(exactSum, decimal(t.cost.total)), 'Σ exact row costs = exact total');
}

describe('GET /api/v1/usage reconciles exactly with the raw usage records', () => {
  const periods: Array<[string, number, number]> = [
    ['everything', T0 - 2 * H, T0 + 72 * H],
    ['one UTC day', T0, T0 + D],
    ['one hour', T0 + 13 * H, T0 + 14 * H],
    ['days cut by the period (23:00 .. 01:00 two days later)', T0 + 23 * H, T0 + 49 * H],
    ['a period that starts before the first record', T0 - 30 * D, T0 + 5 * H],
    ['an empty period', T0 + 400 * D, T0 + 401 * D],
  ];
  for (const [name, from, to] of periods) {
    it(`${name}: every tenant (admin, ?tenant=*), per granularity`, async () => {
      for (const granularity of ['hour', 'day', 'total'] as const) {
        const a = await usage({ tenant: '*', from, to, granularity, limit: 17 });
        assert.equal(a.tenant, '*');
        assert.deepEqual([a.from, a.to, a.granularity], [from, to, granularity]);
        reconcile(a, { tenant: null, function: null, from, to, granularity });
      }
    });
  }

  it('per tenant and per function, with the tenant chosen by the admin or by a tenant token', async () => {
    const from = T0 - 2 * H, to = T0 + 72 * H;
    for (const granularity of ['hour', 'day', 'total'] as const) {
      reconcile(await usage({ tenant: 'acme', from, to, granularity }), { tenant: 'acme', function: null, from, to, granularity });
      reconcile(await usage({ token: acmeToken, from, to, granularity }), { tenant: 'acme', function: null, from, to, granularity });
      reconcile(await usage({ token: acmeToken, function: 'resize', from, to, granularity }), { tenant: 'acme', function: 'resize', from, to, granularity });
      reconcile(await usage({ token: globexToken, from, to, granularity }), { tenant: 'globex', function: null, from, to, granularity });
      // Another tenant's function name gives nothing, not that tenant's usage.
      reconcile(await usage({ token: globexToken, function: 'hello', from, to, granularity }), { tenant: 'globex', function: 'hello', from, to, granularity });
    }
  });

  it('hour, day and total views of a period have the same exact total', async () => {
    const from = T0 + 5 * H, to = T0 + 53 * H;
    const totals = await Promise.all((['hour', 'day', 'total'] as const).map(async (granularity) => (await usage({ tenant: '*', from, to, granularity })).totals));
    assert.deepEqual(totals[0], totals[1]);
    assert.deepEqual(totals[1], totals[2]);
  });

  it('times may be epoch ms, dates or ISO 8601 times with a zone', async () => {
    const a = await usage({ tenant: '*', from: '2024-05-01', to: '2024-05-02T02:00:00+02:00' });
    assert.deepEqual([a.from, a.to], [T0, T0 + D]);
    reconcile(a, { tenant: null, function: null, from: T0, to: T0 + D, granularity: 'total' });
  });
});

describe('usage access and input', () => {
  it('defaults to the current month up to the end of the current hour', async () => {
    const now = Date.now();
    await h.storage.appendInvocations([{ ...randomRecords(1, 99)[0]!, id: 'now', tenant: 'default', function: 'live', ts: now }]);
    const a = await usage({});
    const d = new Date(now);
    assert.equal(a.tenant, 'default');
    assert.equal(a.from, Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
    assert.equal(a.to, now - (now % H) + H);
    assert.deepEqual(a.items.map((i: any) => [i.function, i.requests]), [['live', 1]]);
    const onlyFrom = await usage({ from: a.to });
    assert.deepEqual([onlyFrom.from, onlyFrom.to, onlyFrom.items.length], [a.to, a.to + H, 0]);
  });

  it('a tenant token cannot see another tenant, nor every tenant', async () => {
    for (const tenant of ['globex', '*', 'default']) {
      assertProblem(await h.api(`/api/v1/usage?tenant=${encodeURIComponent(tenant)}`, { token: acmeToken }), 403, 'forbidden');
    }
    assertProblem(await h.api('/api/v1/usage', { token: null }), 401, 'unauthorized');
    assertProblem(await h.api('/api/v1/usage?tenant=nobody'), 404, 'not-found');
  });

  it('bad input is 422 problem+json naming the field, and changes nothing', async () => {
    const cases: Array<[string, string]> = [
      ['from=2024-05-01T10:30:00Z', 'from'], [`to=${T0 + 1}`, 'to'], [`from=${T0}&to=${T0}`, 'to'], [`from=${T0 + H}&to=${T0}`, 'to'],
      ['from=yesterday', 'from'], ['from=2024-05-01T10:00:00', 'from'], ['from=1714521600', 'from'], ['to=2024-13-01', 'to'],
      ['granularity=week', 'granularity'], ['function=Not_A_Name', 'function'], ['limit=0', 'limit'], ['limit=201', 'limit'],
    ];
    for (const [q, field] of cases) {
      const r = await assertRejected(h, 422, 'invalid-request', () => h.api(`/api/v1/usage?${q}`));
      assert.match(r.body.errors[0], new RegExp(`^${field}: `), `${q}: ${r.text}`);
    }
    const hint = await h.api('/api/v1/usage?from=2024-05-01T10:30:00Z');
    assert.match(hint.body.errors[0], /whole UTC hour such as 2024-05-01T10:00:00Z or 2024-05-01T11:00:00Z/);
    await assertRejected(h, 422, 'invalid-request', () => h.api('/api/v1/usage?cursor=bogus'));
  });

  it('rebuild is for platform admins, reports what it corrected, and is audited', async () => {
    assertProblem(await h.api('/api/v1/usage/rebuild', { method: 'POST', token: acmeToken }), 403, 'forbidden');
    const before = await usage({ tenant: '*', from: T0 - 2 * H, to: T0 + 72 * H, granularity: 'hour' });
    const size = h.ledger!.size;
    const r = await h.api('/api/v1/usage/rebuild', { method: 'POST' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.corrected, 0);
    assert.equal(r.body.invocations, raw.length + 1);
    assert.deepEqual(await usage({ tenant: '*', from: T0 - 2 * H, to: T0 + 72 * H, granularity: 'hour' }), before);
    assert.equal(h.ledger!.size, size + 1);
    const entry = await h.ledger!.entry(size);
    assert.equal(entry.entry.type, 'control.usage.rebuild');
    assert.equal(entry.entry.tenant, '*');
    assert.deepEqual(entry.entry.body, r.body);
  });

  it('the OpenAPI document describes both routes and their parameters', async () => {
    const doc = (await h.api('/api/v1/openapi.json', { token: null })).body;
    const get = doc.paths['/api/v1/usage'].get;
    assert.deepEqual(get.parameters.filter((p: any) => p.in === 'query').map((p: any) => p.name).sort(), ['cursor', 'from', 'function', 'granularity', 'limit', 'tenant', 'to']);
    assert.ok(get.responses['200'].content['application/json'].schema.properties.totals);
    assert.ok(get.responses['422'] && get.responses['403']);
    assert.ok(doc.paths['/api/v1/usage/rebuild'].post);
  });
});
