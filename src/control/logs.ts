// Invocation logs (with long-poll) and the invocation history of a function.
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import type { LogRecord } from '../storage/types.ts';
import { requireFunction } from './functions.ts';
import { defineRoute, type Route } from './router.ts';
import { functionNameParam, PAGE_LIMIT_MAX, pageOptions, pageQuery } from './schemas.ts';
import { invocationView, logsPageView, pageOf, toInvocationView, toLogView } from './views.ts';

export const MAX_WAIT_SECONDS = 30;

const logsQuery = z.object({
  after: z.coerce.number().int().min(0).default(0).describe('return logs with an id greater than this (the `last` of the previous answer)'),
  limit: z.coerce.number().int().min(1).max(PAGE_LIMIT_MAX).default(100).describe('at most this many logs, 1..200'),
  invocation: z.string().min(1).max(128).optional().describe('only the logs of this invocation id'),
  wait: z.coerce.number().min(0).max(MAX_WAIT_SECONDS).default(0).describe('seconds (≤ 30) to wait for a log when none is newer than `after`'),
});

export const logRoutes: Route[] = [
  defineRoute({
    method: 'GET', path: '/api/v1/functions/{name}/logs', operationId: 'listLogs', tag: 'logs', access: 'token', scope: 'tenant',
    summary: 'Logs of a function in id order after `after`; with `wait` it long-polls until a log arrives, the wait ends, or the client leaves.',
    params: { name: functionNameParam }, query: logsQuery,
    responses: { 200: { description: 'Logs newer than `after` (possibly none when the wait ended)', schema: logsPageView } },
    async handle({ deps, tenant, params, query, logs, signal }) {
      await requireFunction(deps, tenant, params.name);
      const deadline = performance.now() + query.wait * 1000;
      const read = (): Promise<LogRecord[]> => deps.storage.listLogs(tenant, params.name, { afterId: query.after, limit: query.limit, invocationId: query.invocation });
      let rows: LogRecord[];
      for (;;) {
        // Subscribe before reading: a batch persisted between the read and the wait still wakes us.
        const sub = query.wait > 0 ? logs.subscribe(tenant, params.name) : null;
        rows = await read();
        const remaining = deadline - performance.now();
        if (rows.length > 0 || sub === null || remaining <= 0 || signal.aborted) { sub?.cancel(); break; }
        // Woken: loop and read again (the batch may hold only other invocations' logs); otherwise the wait is over.
        if (!(await sub.wait(remaining, signal))) break;
      }
      const last = rows.reduce((m, r) => Math.max(m, r.id), query.after);
      return { status: 200, body: { items: rows.map(toLogView), last } };
    },
  }),
  defineRoute({
    method: 'GET', path: '/api/v1/functions/{name}/invocations', operationId: 'listInvocations', tag: 'logs', access: 'token', scope: 'tenant',
    summary: 'The invocations of a function, newest first.',
    params: { name: functionNameParam }, query: pageQuery,
    responses: { 200: { description: 'A page of invocations', schema: pageOf(invocationView) } },
    async handle({ deps, tenant, params, query }) {
      await requireFunction(deps, tenant, params.name);
      const page = await deps.storage.listInvocations(tenant, params.name, pageOptions(query));
      return { status: 200, body: { items: page.items.map(toInvocationView), nextCursor: page.nextCursor } };
    },
  }),
];
