// Who is calling and in which tenant they act. The bootstrap admin token is recognised by its
// sha256 (compared in constant time); every other token is looked up by hash in storage.
import { timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { sha256Hex } from '../shared/ids.ts';
import type { ControlDeps } from './deps.ts';
import { forbidden, invalidRequest, notFound, unauthorized } from './problems.ts';
import { TENANT_ID } from './schemas.ts';

export const DEFAULT_TENANT = 'default';

export type Principal =
  | { kind: 'anonymous'; actor: 'anonymous' }
  | { kind: 'admin'; actor: string }
  | { kind: 'tenant'; tenant: string; tokenId: string; actor: string };

export const ANONYMOUS: Principal = { kind: 'anonymous', actor: 'anonymous' };

export async function authenticate(req: http.IncomingMessage, deps: ControlDeps): Promise<Principal> {
  const header = req.headers.authorization;
  if (!header) throw unauthorized('This endpoint needs a token and the request carries none.');
  const m = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(header);
  if (!m) throw unauthorized('The Authorization header is not of the form `Bearer <token>`.');
  const hash = sha256Hex(m[1]!);
  if (hexEqual(hash, deps.adminTokenHash)) return { kind: 'admin', actor: 'admin' };
  const token = await deps.storage.findTokenByHash(hash);
  if (!token) throw unauthorized('The token is not known to this platform.', 'Check CAIRN_TOKEN / --token; tenant tokens are created with POST /api/v1/tenants/{tenant}/tokens.');
  if (token.revokedAt !== null) throw unauthorized('The token has been revoked.', 'Ask an administrator of the tenant for a new token.');
  if (token.role === 'admin') return { kind: 'admin', actor: `token:${token.id}` };
  return { kind: 'tenant', tenant: token.tenant, tokenId: token.id, actor: `token:${token.id}` };
}

function hexEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b.toLowerCase(), 'utf8');
  // Lengths are public (both are sha256 hex when configured correctly); contents are compared in constant time.
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The tenant named by the request (?tenant= or x-cairn-tenant), or null. */
export function requestedTenant(req: http.IncomingMessage, url: URL): string | null {
  const q = url.searchParams.get('tenant');
  const raw = req.headers['x-cairn-tenant'];
  const h = Array.isArray(raw) ? raw[0] ?? null : raw ?? null;
  if (q !== null && h !== null && q !== h) throw invalidRequest([`tenant: ?tenant=${q} and x-cairn-tenant: ${h} name different tenants`], 'The request names two different tenants.', 'Name the tenant once, with either ?tenant= or the x-cairn-tenant header.');
  return q ?? h;
}

/** A tenant principal may only act in its own tenant, whatever the route. */
export function checkTenantPrincipal(principal: Principal, requested: string | null): void {
  if (principal.kind === 'tenant' && requested !== null && requested !== principal.tenant) {
    throw forbidden(`This token belongs to tenant "${principal.tenant}" and cannot act in "${requested}".`, 'Drop ?tenant= / x-cairn-tenant, or use a token of that tenant.');
  }
}

export async function resolveTenant(principal: Principal, requested: string | null, allowAll: boolean, deps: ControlDeps): Promise<{ tenant: string; all: boolean }> {
  if (principal.kind === 'tenant') return { tenant: principal.tenant, all: false };
  if (requested === '*' && allowAll) return { tenant: '*', all: true };
  const tenant = requested ?? DEFAULT_TENANT;
  if (!TENANT_ID.test(tenant)) throw invalidRequest([`tenant: "${tenant}" is not a tenant id (1-63 characters of a-z, 0-9 and "-")`]);
  await requireTenant(tenant, deps);
  return { tenant, all: false };
}

/** The default tenant always exists (it need not have been created); any other must have been. */
export async function requireTenant(tenant: string, deps: ControlDeps): Promise<void> {
  if (tenant === DEFAULT_TENANT) return;
  if (!(await deps.storage.getTenant(tenant))) throw notFound(`No tenant "${tenant}" exists.`, 'A platform admin creates tenants with POST /api/v1/tenants.');
}

/** Route-level check for tenant-management paths (/tenants/{t}/...): admins anywhere, tenants only in their own. */
export async function requireTenantAccess(principal: Principal, tenant: string, deps: ControlDeps): Promise<void> {
  checkTenantPrincipal(principal, tenant);
  await requireTenant(tenant, deps);
}
