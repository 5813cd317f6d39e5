// /api/v1/functions and /api/v1/functions/{name}.
import type { ControlDeps } from './deps.ts';
import type { FunctionRecord } from '../storage/types.ts';
import { defineRoute, type Route } from './router.ts';
import { functionNotFound } from './problems.ts';
import { functionNameParam, pageOptions, pageQuery } from './schemas.ts';
import { audit } from './audit.ts';
import { functionDetailView, functionView, pageOf, routeUrls, toFunctionView } from './views.ts';

export async function requireFunction(deps: ControlDeps, tenant: string, name: string): Promise<FunctionRecord> {
  const fn = await deps.storage.getFunction(tenant, name);
  if (!fn) throw functionNotFound(tenant, name);
  return fn;
}

/** Calls the node's change hook; a failing hook is logged, never turned into a failed request (the change is already stored). */
export function functionChanged(deps: Pick<ControlDeps, 'onFunctionChanged' | 'logger'>, tenant: string, name: string): void {
  try {
    deps.onFunctionChanged(tenant, name);
  } catch (err) {
    deps.logger.error({ err, tenant, function: name }, 'onFunctionChanged failed');
  }
}

const nameParams = { name: functionNameParam };

export const functionRoutes: Route[] = [
  defineRoute({
    method: 'GET', path: '/api/v1/functions', operationId: 'listFunctions', tag: 'functions', access: 'token', scope: 'tenant',
    summary: 'List the functions of the tenant (a platform admin may pass ?tenant=* for every tenant).',
    allowAllTenants: true,
    query: pageQuery,
    responses: { 200: { description: 'A page of functions', schema: pageOf(functionView) } },
    async handle({ deps, tenant, allTenants, query }) {
      const page = await deps.storage.listFunctions(allTenants ? null : tenant, pageOptions(query));
      return { status: 200, body: { items: page.items.map(toFunctionView), nextCursor: page.nextCursor } };
    },
  }),
  defineRoute({
    method: 'GET', path: '/api/v1/functions/{name}', operationId: 'getFunction', tag: 'functions', access: 'token', scope: 'tenant',
    summary: 'One function with its routes and the configuration of its current version.',
    params: nameParams,
    responses: { 200: { description: 'The function', schema: functionDetailView } },
    async handle({ deps, tenant, params }) {
      const fn = await requireFunction(deps, tenant, params.name);
      const version = fn.currentVersion ? await deps.storage.getVersion(tenant, fn.name, fn.currentVersion) : null;
      const config = version?.config ?? null;
      return { status: 200, body: { ...toFunctionView(fn), routes: routeUrls(deps.dataPlaneUrl, fn.name, config), config } };
    },
  }),
  defineRoute({
    method: 'DELETE', path: '/api/v1/functions/{name}', operationId: 'deleteFunction', tag: 'functions', access: 'token', scope: 'tenant',
    summary: 'Delete a function with its versions and deployments.',
    params: nameParams,
    responses: { 204: { description: 'Deleted' } },
    async handle({ deps, tenant, principal, params }) {
      if (!(await deps.storage.deleteFunction(tenant, params.name))) throw functionNotFound(tenant, params.name);
      functionChanged(deps, tenant, params.name);
      await audit(deps, principal, tenant, 'function.delete', { function: params.name });
      return { status: 204 };
    },
  }),
];
