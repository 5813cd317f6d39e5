// GET /api/v1/anomalies: the anomaly events the node's monitor found in the tenant's function
// telemetry (telemetry/anomaly-monitor.ts), newest first.
import { z } from 'zod';
import type { AnomalyRecord } from '../storage/types.ts';
import { defineRoute, type Route } from './router.ts';
import { functionNameParam, pageOptions, pageQuery } from './schemas.ts';
import { pageOf } from './views.ts';

export const anomalyView = z.object({
  id: z.string(),
  ts: z.number().int().describe('end of the interval the anomaly was seen in (ms since the Unix epoch)'),
  tenant: z.string(),
  function: z.string(),
  version: z.string().describe('the version served in that interval'),
  signal: z.enum(['invocations_per_s', 'error_rate', 'p95_latency_ms', 'cpu_ms', 'cold_starts']),
  score: z.number().describe('detector score, 0 (normal) .. 1 (certainly anomalous)'),
  expected: z.number().describe("what the signal's history predicted"),
  observed: z.number(),
  explanation: z.string().describe('e.g. "error rate 31% vs expected 0.4% ±0.6%"'),
});

export function toAnomalyView(a: AnomalyRecord): z.output<typeof anomalyView> {
  return { ...a, signal: a.signal as z.output<typeof anomalyView>['signal'] };
}

export const anomalyRoutes: Route[] = [
  defineRoute({
    method: 'GET', path: '/api/v1/anomalies', operationId: 'listAnomalies', tag: 'anomalies', access: 'token', scope: 'tenant',
    summary: "Anomalies found in the tenant's function telemetry, newest first.",
    query: pageQuery.extend({ function: functionNameParam.optional().describe('only this function') }),
    responses: { 200: { description: 'A page of anomaly events', schema: pageOf(anomalyView) } },
    async handle({ deps, tenant, query }) {
      const page = await deps.storage.listAnomalies(tenant, { ...pageOptions(query), function: query.function ?? null });
      return { status: 200, body: { items: page.items.map(toAnomalyView), nextCursor: page.nextCursor } };
    },
  }),
];
