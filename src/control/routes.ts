// The one route table of the admin API: the router dispatches it and the OpenAPI document describes it.
import type { Route } from './router.ts';
import { healthRoutes } from './health.ts';
import { openApiRoute } from './openapi.ts';
import { functionRoutes } from './functions.ts';
import { versionRoutes } from './versions.ts';
import { logRoutes } from './logs.ts';
import { invokeRoutes } from './invoke.ts';
import { secretRoutes } from './secrets.ts';
import { tenantRoutes } from './tenants.ts';
import { ledgerRoutes } from './ledger.ts';
import { usageRoutes } from './usage.ts';
import { anomalyRoutes } from './anomalies.ts';

export function buildRoutes(): Route[] {
  const routes: Route[] = [];
  routes.push(...healthRoutes, openApiRoute(() => routes), ...functionRoutes, ...versionRoutes, ...logRoutes, ...invokeRoutes, ...secretRoutes, ...tenantRoutes, ...usageRoutes, ...anomalyRoutes, ...ledgerRoutes);
  return routes;
}
