// /healthz, /readyz and /metrics.
import { z } from 'zod';
import { Problem } from '../shared/problem.ts';
import { defineRoute, type Route } from './router.ts';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export const healthRoutes: Route[] = [
  defineRoute({
    method: 'GET', path: '/healthz', operationId: 'healthz', tag: 'health', access: 'public', scope: 'global',
    summary: 'Liveness: the process answers.',
    responses: { 200: { description: 'Alive', schema: z.object({ status: z.literal('ok') }) } },
    async handle() {
      return { status: 200, body: { status: 'ok' } };
    },
  }),
  defineRoute({
    method: 'GET', path: '/readyz', operationId: 'readyz', tag: 'health', access: 'public', scope: 'global',
    summary: 'Readiness: the node serves traffic (503 problem `not-ready` while starting or draining).',
    responses: { 200: { description: 'Ready', schema: z.object({ status: z.literal('ready') }) }, 503: { description: 'Not ready' } },
    async handle({ deps }) {
      if (!deps.isReady()) throw new Problem(503, 'not-ready', 'The node is not ready to serve.', { hint: 'Wait and retry; the node is starting or shutting down.', retryAfterSeconds: 1 });
      return { status: 200, body: { status: 'ready' } };
    },
  }),
  defineRoute({
    method: 'GET', path: '/metrics', operationId: 'metrics', tag: 'health', access: 'admin', scope: 'global',
    summary: 'Prometheus metrics of the node (platform admin token).',
    responses: { 200: { description: 'Prometheus text exposition format 0.0.4', contentType: PROMETHEUS_CONTENT_TYPE } },
    async handle({ deps }) {
      return { status: 200, text: await deps.metricsText(), contentType: PROMETHEUS_CONTENT_TYPE };
    },
  }),
];
