// Anomaly events: idempotent batch writes, tenant scoping, function filter, newest-first pages.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import type { AnomalyRecord } from '../../../src/storage/types.ts';
import { collect, itWith, type OpenDriver } from './helpers.ts';

function anomaly(id: string, ts: number, over: Partial<AnomalyRecord> = {}): AnomalyRecord {
  return {
    id, ts, tenant: 'acme', function: 'hello', version: 'v1', signal: 'error_rate', score: 0.93,
    expected: 0.004, observed: 0.31, explanation: 'error rate 31% vs expected 0.4% ±0.6%', ...over,
  };
}

export function anomalySuite(open: OpenDriver): void {
  describe('anomalies', () => {
    itWith(open, 'stores every field and lists newest first; a repeated id is skipped', async (d) => {
      const a = anomaly('a1', 100);
      const b = anomaly('a2', 200, { signal: 'p95_latency_ms', score: 0.8, expected: 12.5, observed: 480, version: 'v2' });
      await d.appendAnomalies([a, b]);
      await d.appendAnomalies([]);
      await d.appendAnomalies([a]);
      const page = await d.listAnomalies('acme');
      assert.deepEqual(page.items, [b, a]);
      assert.equal(page.nextCursor, null);
    });

    itWith(open, 'is scoped to the tenant and filters by function', async (d) => {
      await d.appendAnomalies([anomaly('a1', 1), anomaly('a2', 2, { function: 'other' }), anomaly('a3', 3, { tenant: 'globex' })]);
      assert.deepEqual((await d.listAnomalies('acme')).items.map((x) => x.id), ['a2', 'a1']);
      assert.deepEqual((await d.listAnomalies('acme', { function: 'hello' })).items.map((x) => x.id), ['a1']);
      assert.deepEqual((await d.listAnomalies('globex')).items.map((x) => x.id), ['a3']);
      assert.deepEqual((await d.listAnomalies('nobody')).items, []);
    });

    itWith(open, 'pages by cursor without gaps or repeats, also across equal timestamps', async (d) => {
      const all: AnomalyRecord[] = [];
      for (let i = 0; i < 25; i++) all.push(anomaly(`a${String(i).padStart(2, '0')}`, Math.floor(i / 3), { function: i % 2 ? 'hello' : 'other' }));
      await d.appendAnomalies(all);
      const { items, pages } = await collect((cursor) => d.listAnomalies('acme', { cursor, limit: 4 }));
      assert.equal(pages, 7);
      const want = [...all].sort((x, y) => y.ts - x.ts || (y.id < x.id ? -1 : 1));
      assert.deepEqual(items, want);
      const hello = await collect((cursor) => d.listAnomalies('acme', { cursor, limit: 5, function: 'hello' }));
      assert.deepEqual(hello.items, want.filter((x) => x.function === 'hello'));
    });
  });
}
