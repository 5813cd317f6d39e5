import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AnomalyRecord } from '../../src/storage/types.ts';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
before(async () => { h = await startHarness(); });
after(() => h.close());

const event = (id: string, ts: number, over: Partial<AnomalyRecord> = {}): AnomalyRecord => ({
  id, ts, tenant: 'default', function: 'hello', version: 'v1', signal: 'error_rate', score: 0.9, expected: 0.004, observed: 0.31,
  explanation: 'error rate 31% vs expected 0.4% ±0.6%', ...over,
});

test('GET /api/v1/anomalies lists the tenant’s anomalies newest first, by function, in pages', async () => {
  await h.storage.appendAnomalies([event('a1', 1000), event('a2', 2000, { function: 'other', signal: 'p95_latency_ms' }), event('a3', 3000), event('b1', 4000, { tenant: 'acme' })]);
  const all = await h.api('/api/v1/anomalies');
  assert.equal(all.status, 200);
  assert.deepEqual(all.body.items.map((a: AnomalyRecord) => a.id), ['a3', 'a2', 'a1']);
  assert.deepEqual(all.body.items[2], event('a1', 1000));
  const hello = await h.api('/api/v1/anomalies?function=hello&limit=1');
  assert.deepEqual(hello.body.items.map((a: AnomalyRecord) => a.id), ['a3']);
  const next = await h.api(`/api/v1/anomalies?function=hello&limit=1&cursor=${hello.body.nextCursor}`);
  assert.deepEqual(next.body.items.map((a: AnomalyRecord) => a.id), ['a1']);
  assert.equal(next.body.nextCursor, null);
  assert.equal((await h.api('/api/v1/anomalies?cursor=nonsense')).status, 422);
  assert.equal((await h.api('/api/v1/anomalies?function=Not%20A%20Name')).status, 422);
});

test('a tenant token sees only its own tenant’s anomalies', async () => {
  const token = await h.tenantToken('acme');
  const r = await h.api('/api/v1/anomalies', { token });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.items.map((a: AnomalyRecord) => a.id), ['b1']);
  assert.equal((await h.api('/api/v1/anomalies', { token: null })).status, 401);
});

test('the route is in the OpenAPI document', async () => {
  const doc = await h.api('/api/v1/openapi.json');
  assert.equal(doc.body.paths['/api/v1/anomalies'].get.operationId, 'listAnomalies');
});
