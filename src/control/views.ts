// What the API returns for each stored record, as zod schemas (documented in the OpenAPI document)
// and the functions that build them, so that the shape served and the shape documented are one.
import { z } from 'zod';
import { functionConfigSchema, type FunctionConfig } from '../config/schema.ts';
import type { DeploymentRecord, FunctionRecord, InvocationRecord, LogRecord, TenantRecord, TokenRecord, VersionRecord } from '../storage/types.ts';

const ms = z.number().int().describe('milliseconds since the Unix epoch');

export const problemSchema = z.object({
  type: z.string(), title: z.string(), status: z.number().int(), detail: z.string(), code: z.string(),
  hint: z.string().optional(), errors: z.array(z.string()).optional(),
}).describe('RFC 9457 problem details');

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

export const functionView = z.object({ name: z.string(), tenant: z.string(), currentVersion: z.string().nullable(), createdAt: ms, updatedAt: ms });
export function toFunctionView(f: FunctionRecord): z.output<typeof functionView> {
  return { name: f.name, tenant: f.tenant, currentVersion: f.currentVersion, createdAt: f.createdAt, updatedAt: f.updatedAt };
}

export const functionDetailView = functionView.extend({ routes: z.array(z.string()), config: functionConfigSchema.nullable() });

export const versionView = z.object({ id: z.string(), number: z.number().int(), size: z.number().int(), sha256: z.string(), createdAt: ms, config: functionConfigSchema });
export function toVersionView(v: VersionRecord): z.output<typeof versionView> {
  return { id: v.id, number: v.number, size: v.size, sha256: v.sha256, createdAt: v.createdAt, config: v.config };
}

export const deployResultView = z.object({ function: z.string(), version: versionView, previous: z.string().nullable(), created: z.boolean(), routes: z.array(z.string()) });
export const rollbackResultView = z.object({ function: z.string(), version: versionView, previous: z.string().nullable() });

export const deploymentView = z.object({ id: z.number().int(), version: z.string(), previous: z.string().nullable(), kind: z.enum(['deploy', 'rollback']), actor: z.string(), at: ms });
export function toDeploymentView(d: DeploymentRecord): z.output<typeof deploymentView> {
  return { id: d.id, version: d.version, previous: d.previous, kind: d.kind, actor: d.actor, at: d.at };
}

export const logView = z.object({ id: z.number().int(), ts: ms, level: z.enum(['debug', 'log', 'info', 'warn', 'error']), message: z.string(), invocationId: z.string(), version: z.string() });
export function toLogView(l: LogRecord): z.output<typeof logView> {
  return { id: l.id, ts: l.ts, level: l.level, message: l.message, invocationId: l.invocationId, version: l.version };
}
export const logsPageView = z.object({ items: z.array(logView), last: z.number().int().describe('pass as ?after= to get what follows') });

export const invocationView = z.object({
  id: z.string(), ts: ms.describe('when the invocation started'), version: z.string(), trigger: z.string().describe('"http" (data plane) or "admin" (the invoke endpoint)'),
  method: z.string(), path: z.string(), status: z.number().int(),
  durationMs: z.number().describe('end-to-end wall time, including queueing and cold start'), cpuMs: z.number(), coldStart: z.boolean(), error: z.string().nullable(),
  memoryMb: z.number().int().describe('the memory limit it ran under'),
  billedMs: z.number().int().describe('billed wall time: the time it held its instance, rounded up to a whole ms'),
  gbSeconds: z.number().describe('memoryMb / 1024 × billedMs / 1000'),
  bytesIn: z.number().int().describe('request body bytes'), bytesOut: z.number().int().describe('response body bytes'),
}).describe('an invocation and its usage record');
export function toInvocationView(i: InvocationRecord): z.output<typeof invocationView> {
  return {
    id: i.id, ts: i.ts, version: i.version, trigger: i.trigger, method: i.method, path: i.path, status: i.status, durationMs: i.durationMs, cpuMs: i.cpuMs,
    coldStart: i.coldStart, error: i.error, memoryMb: i.memoryMb, billedMs: i.billedMs, gbSeconds: (i.memoryMb * i.billedMs) / 1_024_000, bytesIn: i.bytesIn, bytesOut: i.bytesOut,
  };
}

export const invokeResultView = z.object({
  invocationId: z.string(), version: z.string(), status: z.number().int(), headers: z.record(z.string(), z.string()),
  body: z.string().optional().describe('the response body when it is UTF-8 text'),
  bodyBase64: z.string().optional().describe('the response body, base64, when it is not UTF-8 text'),
  durationMs: z.number(), cpuMs: z.number(), coldStart: z.boolean(), error: z.string().nullable(),
});

export const secretListView = z.object({ items: z.array(z.object({ name: z.string(), updatedAt: ms })), nextCursor: z.null() });

export const tenantView = z.object({ id: z.string(), name: z.string(), createdAt: ms });
export function toTenantView(t: TenantRecord): z.output<typeof tenantView> {
  return { id: t.id, name: t.name, createdAt: t.createdAt };
}

export const tokenView = z.object({ id: z.string(), name: z.string(), role: z.enum(['admin', 'tenant']), createdAt: ms, revokedAt: ms.nullable() });
export function toTokenView(t: TokenRecord): z.output<typeof tokenView> {
  return { id: t.id, name: t.name, role: t.role, createdAt: t.createdAt, revokedAt: t.revokedAt };
}
export const tokenCreatedView = z.object({ id: z.string(), name: z.string(), token: z.string().describe('the secret, shown only in this answer') });

/** Data-plane URLs a function answers on: its name prefix plus every configured route. */
export function routeUrls(dataPlaneUrl: string, name: string, config: FunctionConfig | null): string[] {
  const base = dataPlaneUrl.replace(/\/+$/, '');
  let scheme = 'http:';
  try { scheme = new URL(base).protocol; } catch { /* keep http: */ }
  const urls = [`${base}/${name}/`];
  for (const r of config?.routes ?? []) urls.push(r.startsWith('/') ? base + r : `${scheme}//${r}`);
  return [...new Set(urls)];
}
