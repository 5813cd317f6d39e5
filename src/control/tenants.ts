// /api/v1/tenants (platform admins) and /api/v1/tenants/{t}/tokens (admins, or the tenant itself).
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { newId, sha256Hex } from '../shared/ids.ts';
import { requireTenantAccess } from './auth.ts';
import { audit } from './audit.ts';
import { conflict, notFound } from './problems.ts';
import { defineRoute, type Route } from './router.ts';
import { idParam, pageOptions, pageQuery, TENANT_ID, tenantIdParam } from './schemas.ts';
import { pageOf, tenantView, toTenantView, toTokenView, tokenCreatedView, tokenView } from './views.ts';

/** A new token secret: "cairn_" + 32 random bytes, base64url. Only its sha256 is stored. */
export function newTokenSecret(): string {
  return 'cairn_' + randomBytes(32).toString('base64url');
}

const createTenantBody = z.object({
  id: z.string({ error: 'expected a string' }).regex(TENANT_ID, 'a tenant id is 1-63 characters of a-z, 0-9 and "-", starting with a letter or digit'),
  name: z.string().min(1).max(200).optional(),
}).strict();

const createTokenBody = z.object({ name: z.string({ error: 'expected a string' }).min(1, 'a token needs a name').max(200) }).strict();

export const tenantRoutes: Route[] = [
  defineRoute({
    method: 'GET', path: '/api/v1/tenants', operationId: 'listTenants', tag: 'tenants', access: 'admin', scope: 'global',
    summary: 'The tenants of the platform (platform admins only).',
    query: pageQuery,
    responses: { 200: { description: 'A page of tenants', schema: pageOf(tenantView) } },
    async handle({ deps, query }) {
      const page = await deps.storage.listTenants(pageOptions(query));
      return { status: 200, body: { items: page.items.map(toTenantView), nextCursor: page.nextCursor } };
    },
  }),
  defineRoute({
    method: 'POST', path: '/api/v1/tenants', operationId: 'createTenant', tag: 'tenants', access: 'admin', scope: 'global',
    summary: 'Create a tenant (platform admins only).',
    body: createTenantBody,
    responses: { 201: { description: 'The tenant', schema: tenantView }, 409: { description: 'The tenant exists' } },
    async handle({ deps, principal, body, now }) {
      if (await deps.storage.getTenant(body.id)) throw conflict(`Tenant "${body.id}" already exists.`, 'Choose another id, or use the existing tenant.');
      const tenant = { id: body.id, name: body.name ?? body.id, createdAt: now() };
      await deps.storage.putTenant(tenant);
      await audit(deps, principal, tenant.id, 'tenant.create', { tenant: tenant.id, name: tenant.name });
      return { status: 201, body: toTenantView(tenant) };
    },
  }),
  defineRoute({
    method: 'POST', path: '/api/v1/tenants/{tenant}/tokens', operationId: 'createToken', tag: 'tenants', access: 'token', scope: 'global',
    summary: 'Create a token for the tenant; the secret is in this answer only.',
    params: { tenant: tenantIdParam }, body: createTokenBody,
    responses: { 201: { description: 'The new token', schema: tokenCreatedView } },
    async handle({ deps, principal, params, body, now }) {
      await requireTenantAccess(principal, params.tenant, deps);
      const token = newTokenSecret();
      const record = { id: newId(), tenant: params.tenant, name: body.name, hash: sha256Hex(token), role: 'tenant' as const, createdAt: now(), revokedAt: null };
      await deps.storage.putToken(record);
      // The token's id and name, never its secret or hash.
      await audit(deps, principal, params.tenant, 'token.create', { tokenId: record.id, name: record.name, role: record.role });
      return { status: 201, body: { id: record.id, name: record.name, token }, headers: { 'cache-control': 'no-store' } };
    },
  }),
  defineRoute({
    method: 'GET', path: '/api/v1/tenants/{tenant}/tokens', operationId: 'listTokens', tag: 'tenants', access: 'token', scope: 'global',
    summary: 'The tokens of the tenant (never their secrets).',
    params: { tenant: tenantIdParam }, query: pageQuery,
    responses: { 200: { description: 'A page of tokens', schema: pageOf(tokenView) } },
    async handle({ deps, principal, params, query }) {
      await requireTenantAccess(principal, params.tenant, deps);
      const page = await deps.storage.listTokens(params.tenant, pageOptions(query));
      return { status: 200, body: { items: page.items.map(toTokenView), nextCursor: page.nextCursor } };
    },
  }),
  defineRoute({
    method: 'DELETE', path: '/api/v1/tenants/{tenant}/tokens/{id}', operationId: 'revokeToken', tag: 'tenants', access: 'token', scope: 'global',
    summary: 'Revoke a token of the tenant.',
    params: { tenant: tenantIdParam, id: idParam },
    responses: { 204: { description: 'Revoked' } },
    async handle({ deps, principal, params, now }) {
      await requireTenantAccess(principal, params.tenant, deps);
      if (!(await deps.storage.revokeToken(params.tenant, params.id, now()))) throw notFound(`Tenant "${params.tenant}" has no token "${params.id}".`, `List its tokens with GET /api/v1/tenants/${params.tenant}/tokens.`);
      await audit(deps, principal, params.tenant, 'token.revoke', { tokenId: params.id });
      return { status: 204 };
    },
  }),
];
