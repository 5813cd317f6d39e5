// /api/v1/secrets: sealed with the node's secret box before storage; values are never returned.
import { z } from 'zod';
import type { ControlDeps } from './deps.ts';
import { functionChanged } from './functions.ts';
import { notFound } from './problems.ts';
import { defineRoute, type Route } from './router.ts';
import { secretNameParam } from './schemas.ts';
import { secretListView } from './views.ts';
import { audit } from './audit.ts';

export const MAX_SECRET_BYTES = 64 * 1024;

const putBody = z.object({
  value: z.string({ error: 'expected a string' }).refine((v) => Buffer.byteLength(v, 'utf8') <= MAX_SECRET_BYTES, `a secret value is at most ${MAX_SECRET_BYTES} bytes (64 KiB)`),
}).strict();

/** Tells the node about every function of the tenant whose current version grants `secret`. */
async function secretChanged(deps: ControlDeps, tenant: string, secret: string): Promise<void> {
  let cursor: string | null = null;
  do {
    const page = await deps.storage.listFunctions(tenant, { cursor, limit: 200 });
    for (const fn of page.items) {
      if (fn.currentVersion === null) continue;
      const v = await deps.storage.getVersion(tenant, fn.name, fn.currentVersion);
      if (v?.config.secrets.includes(secret)) functionChanged(deps, tenant, fn.name);
    }
    cursor = page.nextCursor;
  } while (cursor !== null);
}

export const secretRoutes: Route[] = [
  defineRoute({
    method: 'GET', path: '/api/v1/secrets', operationId: 'listSecrets', tag: 'secrets', access: 'token', scope: 'tenant',
    summary: 'The names of the tenant\'s secrets (never their values).',
    responses: { 200: { description: 'Secret names', schema: secretListView } },
    async handle({ deps, tenant }) {
      const items = await deps.storage.listSecrets(tenant);
      return { status: 200, body: { items: items.map((s) => ({ name: s.name, updatedAt: s.updatedAt })), nextCursor: null } };
    },
  }),
  defineRoute({
    method: 'PUT', path: '/api/v1/secrets/{name}', operationId: 'putSecret', tag: 'secrets', access: 'token', scope: 'tenant',
    summary: 'Create or replace a secret; functions that grant it pick up the new value.',
    params: { name: secretNameParam }, body: putBody,
    responses: { 204: { description: 'Stored' } },
    async handle({ deps, tenant, principal, params, body, now }) {
      const ciphertext = deps.secrets.seal(tenant, params.name, body.value);
      await deps.storage.putSecret({ tenant, name: params.name, ciphertext, updatedAt: now() });
      await secretChanged(deps, tenant, params.name);
      // The name only: the value never reaches the ledger.
      await audit(deps, principal, tenant, 'secret.put', { name: params.name });
      return { status: 204 };
    },
  }),
  defineRoute({
    method: 'DELETE', path: '/api/v1/secrets/{name}', operationId: 'deleteSecret', tag: 'secrets', access: 'token', scope: 'tenant',
    summary: 'Delete a secret.',
    params: { name: secretNameParam },
    responses: { 204: { description: 'Deleted' } },
    async handle({ deps, tenant, principal, params }) {
      if (!(await deps.storage.deleteSecret(tenant, params.name))) throw notFound(`No secret "${params.name}" exists in tenant "${tenant}".`, 'List secrets with GET /api/v1/secrets.');
      await secretChanged(deps, tenant, params.name);
      await audit(deps, principal, tenant, 'secret.delete', { name: params.name });
      return { status: 204 };
    },
  }),
];
