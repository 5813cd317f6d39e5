// The admin API (control plane) as a node:http request handler. The node mounts it on its admin
// port; everything it touches arrives through ControlDeps.
//
// Long-poll wiring: the returned handler has `notifyLogs(tenant, fn)`. The node calls it after each
// batch of logs it has persisted (storage.appendLogs resolved) for every (tenant, function) in the
// batch; GET /functions/{name}/logs?wait= requests waiting on that function then re-read and answer.
import type http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { z } from 'zod';
import { formatIssues } from '../config/schema.ts';
import { newId } from '../shared/ids.ts';
import { Problem, toProblem } from '../shared/problem.ts';
import { isStorageError } from '../storage/errors.ts';
import { ANONYMOUS, authenticate, checkTenantPrincipal, requestedTenant, resolveTenant, type Principal } from './auth.ts';
import type { ControlDeps } from './deps.ts';
import { readJsonBody, sendJson, sendProblem, sendText } from './http.ts';
import { LogWaiters } from './log-waiters.ts';
import { forbidden, invalidRequest } from './problems.ts';
import { Router, type Reply, type Route } from './router.ts';
import { buildRoutes } from './routes.ts';
import { asLedgerProblem } from './ledger.ts';

export interface ControlHandler {
  (req: http.IncomingMessage, res: http.ServerResponse): void;
  /** Wakes log long-polls of this function; call after the node has persisted a log batch for it. */
  notifyLogs(tenant: string, fn: string): void;
  /** The route table (served and documented). */
  readonly routes: readonly Route[];
  /** How many functions have log long-polls waiting (for tests and metrics). */
  pendingLogWaits(): number;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function createControlHandler(deps: ControlDeps): ControlHandler {
  const routes = buildRoutes();
  const router = new Router(routes);
  const logs = new LogWaiters();
  const now = deps.now ?? Date.now;

  async function serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = performance.now();
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : newId();
    res.setHeader('x-request-id', requestId);
    res.setHeader('cache-control', 'no-store');
    const aborter = new AbortController();
    res.on('close', () => aborter.abort());
    let path = '';
    let tenant = '';
    let principal: Principal = ANONYMOUS;
    try {
      const url = new URL(req.url ?? '/', 'http://control.invalid');
      path = url.pathname;
      const route = match(req.method ?? 'GET', url.pathname, res);
      if (route.route.access !== 'public') {
        principal = await authenticate(req, deps);
        if (route.route.access === 'admin' && principal.kind !== 'admin') throw forbidden('Only a platform admin may do this.', 'Use the bootstrap admin token (CAIRN_ADMIN_TOKEN).');
      }
      const requested = route.route.access === 'public' ? null : requestedTenant(req, url);
      checkTenantPrincipal(principal, requested);
      let allTenants = false;
      if (route.route.scope === 'tenant') ({ tenant, all: allTenants } = await resolveTenant(principal, requested, route.route.allowAllTenants === true, deps));
      const params = validateParams(route.route, route.params);
      const query = route.route.query ? parse(route.route.query, Object.fromEntries(url.searchParams)) : {};
      const body = route.route.body ? parse(route.route.body, (await readJsonBody(req)) ?? {}) : undefined;
      const reply = await route.route.handle({ deps, req, requestId, principal, tenant, allTenants, params, query, body, signal: aborter.signal, now, logs });
      send(res, reply);
    } catch (err) {
      const problem = asProblem(err);
      if (problem.status >= 500 && (problem.code === 'internal' || problem.code === 'ledger-corrupt')) deps.logger.error({ err, requestId, method: req.method, path }, 'admin request failed');
      const extra: Record<string, string> = problem.status === 401 ? { 'www-authenticate': 'Bearer realm="cairn"' } : {};
      if (!res.headersSent && !res.destroyed) sendProblem(res, problem, extra);
      else res.destroy();
    } finally {
      deps.logger.debug({ requestId, method: req.method, path, status: res.statusCode, ms: Math.round((performance.now() - started) * 10) / 10, principal: principal.actor, tenant: tenant || undefined }, 'admin request');
    }
  }

  function match(method: string, pathname: string, res: http.ServerResponse): { route: Route; params: Record<string, string> } {
    let m;
    try {
      m = router.match(method, pathname);
    } catch {
      throw invalidRequest([`path: "${pathname}" is not valid percent-encoding`], 'The request path cannot be decoded.');
    }
    if (m.kind === 'route') return { route: m.route, params: m.params };
    if (m.kind === 'method') {
      res.setHeader('allow', m.allow.join(', '));
      throw new Problem(405, 'method-not-allowed', `${method} is not allowed on ${pathname}.`, { hint: `Use ${m.allow.join(' or ')}; see /api/v1/openapi.json.` });
    }
    throw new Problem(404, 'not-found', `There is no endpoint at ${pathname}.`, { hint: 'See /api/v1/openapi.json for the routes of the admin API.' });
  }

  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    void serve(req, res).catch((err: unknown) => {
      deps.logger.error({ err }, 'admin handler crashed');
      res.destroy();
    });
  };
  return Object.assign(handler, { notifyLogs: (tenant: string, fn: string) => logs.notify(tenant, fn), routes, pendingLogWaits: () => logs.pending });
}

function parse(schema: z.ZodType, input: unknown): unknown {
  const r = schema.safeParse(input);
  if (!r.success) throw invalidRequest(formatIssues(r.error));
  return r.data;
}

function validateParams(route: Route, raw: Record<string, string>): Record<string, string> {
  const errors: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const schema = route.params?.[key];
    if (!schema) continue;
    const r = schema.safeParse(value);
    if (!r.success) errors.push(...formatIssues(r.error, key));
  }
  if (errors.length > 0) throw invalidRequest(errors, 'A path parameter is not valid.', 'Fix the named path segment and send the request again.');
  return raw;
}

function asProblem(err: unknown): Problem {
  if (isStorageError(err, 'conflict')) return new Problem(409, 'conflict', err.message, { hint: 'Re-read the resource and retry with a non-conflicting value.' });
  if (isStorageError(err, 'invalid-request')) return new Problem(422, 'invalid-request', err.message, { hint: 'Pass back the nextCursor of the previous page unchanged, or omit cursor.' });
  const mapped = asLedgerProblem(err);
  if (mapped !== err) return mapped as Problem;
  return toProblem(err);
}

function send(res: http.ServerResponse, reply: Reply): void {
  if (res.destroyed) return;
  if (reply.text !== undefined) sendText(res, reply.status, reply.text, reply.contentType ?? 'text/plain; charset=utf-8', reply.headers);
  else sendJson(res, reply.status, reply.body, reply.headers);
}
