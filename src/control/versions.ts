// Deploy, versions, rollback and deployments of a function.
import { z } from 'zod';
import { functionConfigSchema, parseFunctionConfig } from '../config/schema.ts';
import { Problem } from '../shared/problem.ts';
import { sha256Hex } from '../shared/ids.ts';
import { canonicalJson } from './canonical-json.ts';
import { checkModuleSyntax } from './code-check.ts';
import { functionChanged, requireFunction } from './functions.ts';
import { conflict, invalidConfig, invalidRequest, tooLarge, versionNotFound } from './problems.ts';
import { defineRoute, type Route } from './router.ts';
import { functionNameParam, idParam, pageOptions, pageQuery } from './schemas.ts';
import { deployResultView, deploymentView, pageOf, rollbackResultView, routeUrls, toDeploymentView, toVersionView, versionView } from './views.ts';
import type { ControlDeps } from './deps.ts';
import { audit } from './audit.ts';
import type { Principal } from './auth.ts';

export const MAX_CODE_BYTES = 10 * 1024 * 1024;

const deployBody = z.object({
  code: z.string({ error: 'expected a string: the bundled ES module' }).min(1, 'the bundle must not be empty'),
  // Validated with parseFunctionConfig in the handler, so its errors carry the `invalid-config` code.
  config: z.unknown().optional(),
}).strict();
const deployBodyDoc = z.object({ code: z.string().min(1).describe('the bundled ES module (at most 10 MiB)'), config: functionConfigSchema.optional() });

const rollbackBody = z.object({ to: z.string().min(1).max(128).optional() }).strict().optional();

/** "v" + first 20 hex chars of sha256(code + "\n" + canonical JSON of the normalised config). */
export function versionId(code: string, config: unknown): string {
  return 'v' + sha256Hex(code + '\n' + canonicalJson(config)).slice(0, 20);
}

/** The version that was current before the current one: the newest deployment's `previous` that differs from it. */
async function previousVersion(deps: ControlDeps, tenant: string, name: string, current: string | null): Promise<string | null> {
  let cursor: string | null = null;
  do {
    const page = await deps.storage.listDeployments(tenant, name, { cursor, limit: 200 });
    for (const d of page.items) if (d.previous !== null && d.previous !== current) return d.previous;
    cursor = page.nextCursor;
  } while (cursor !== null);
  return null;
}

/**
 * Makes an existing version current, refreshes the node's routing and appends the `control.rollback`
 * audit entry: the one rollback path, for POST .../rollback and for the canary (with its reason).
 * Null when the version does not exist.
 */
export async function rollbackTo(deps: Pick<ControlDeps, 'storage' | 'onFunctionChanged' | 'ledger' | 'logger'>, principal: Pick<Principal, 'actor'>,
  tenant: string, name: string, target: string, at: number, reason?: string): Promise<{ previous: string | null } | null> {
  const r = await deps.storage.setCurrentVersion(tenant, name, target, principal.actor, at);
  if (!r) return null;
  functionChanged(deps, tenant, name);
  await audit(deps, principal, tenant, 'rollback', { function: name, version: target, previous: r.previous, ...(reason !== undefined ? { reason } : {}) });
  return r;
}

const nameParams = { name: functionNameParam };

export const versionRoutes: Route[] = [
  defineRoute({
    method: 'POST', path: '/api/v1/functions/{name}/versions', operationId: 'deployVersion', tag: 'versions', access: 'token', scope: 'tenant',
    summary: 'Deploy a bundle as a new (content-addressed) version and make it current; an identical version answers 200.',
    params: nameParams, body: deployBody, bodyDoc: deployBodyDoc,
    responses: {
      201: { description: 'A new version was created and is current', schema: deployResultView },
      200: { description: 'The identical version already existed and is current', schema: deployResultView },
      409: { description: 'The name belongs to another tenant' },
      413: { description: 'The bundle exceeds 10 MiB' },
    },
    async handle({ deps, tenant, principal, params, body, now }) {
      const { name } = params;
      const size = Buffer.byteLength(body.code, 'utf8');
      if (size > MAX_CODE_BYTES) throw tooLarge(`The bundle is ${size} bytes; the limit is ${MAX_CODE_BYTES} bytes (10 MiB).`, 'Trim dependencies or split the function, then deploy again.');
      const parsed = parseFunctionConfig(body.config);
      if (!parsed.ok) throw invalidConfig(parsed.errors.map((e) => (e.startsWith('(root):') ? 'config' + e.slice('(root)'.length) : 'config.' + e)));
      const config = parsed.config;
      if (config.secrets.length > 0) {
        const existing = new Set((await deps.storage.listSecrets(tenant)).map((s) => s.name));
        const missing = config.secrets.map((s, i) => [s, i] as const).filter(([s]) => !existing.has(s));
        if (missing.length > 0) {
          throw invalidConfig(missing.map(([s, i]) => `config.secrets[${i}]: secret "${s}" does not exist in tenant "${tenant}"`), 'The configuration grants secrets that do not exist.',
            `Create each with \`cairn secret put <NAME>\` (PUT /api/v1/secrets/<NAME>), e.g. ${missing.map(([s]) => s).join(', ')}, then deploy again.`);
        }
      }
      const syntax = await checkModuleSyntax(body.code);
      if (syntax !== null) throw invalidRequest([`code: ${syntax}`], 'The bundle does not parse as an ES module.', 'Deploy the output of `cairn deploy` (esbuild, format esm); check the reported line and column.');
      const owner = await deps.storage.findFunction(name);
      if (owner && owner.tenant !== tenant) throw conflict(`The function name "${name}" is taken by another tenant.`, 'Function names are global on a node; choose another name.');
      const at = now();
      const result = await deps.storage.deployVersion(
        { tenant, function: name, id: versionId(body.code, config), createdAt: at, size, sha256: sha256Hex(body.code), config, actor: principal.actor }, body.code, at);
      functionChanged(deps, tenant, name);
      await audit(deps, principal, tenant, 'deploy', {
        function: name, version: result.version.id, number: result.version.number, sha256: result.version.sha256, size: result.version.size, created: result.created, previous: result.previous,
      });
      return {
        status: result.created ? 201 : 200,
        body: { function: name, version: toVersionView(result.version), previous: result.previous, created: result.created, routes: routeUrls(deps.dataPlaneUrl, name, result.version.config) },
      };
    },
  }),
  defineRoute({
    method: 'GET', path: '/api/v1/functions/{name}/versions', operationId: 'listVersions', tag: 'versions', access: 'token', scope: 'tenant',
    summary: 'The versions of a function (without code), newest first.',
    params: nameParams, query: pageQuery,
    responses: { 200: { description: 'A page of versions', schema: pageOf(versionView) } },
    async handle({ deps, tenant, params, query }) {
      await requireFunction(deps, tenant, params.name);
      const page = await deps.storage.listVersions(tenant, params.name, pageOptions(query));
      return { status: 200, body: { items: page.items.map(toVersionView), nextCursor: page.nextCursor } };
    },
  }),
  defineRoute({
    method: 'GET', path: '/api/v1/functions/{name}/versions/{id}', operationId: 'getVersion', tag: 'versions', access: 'token', scope: 'tenant',
    summary: 'One version of a function (without code).',
    params: { name: functionNameParam, id: idParam },
    responses: { 200: { description: 'The version', schema: versionView } },
    async handle({ deps, tenant, params }) {
      await requireFunction(deps, tenant, params.name);
      const v = await deps.storage.getVersion(tenant, params.name, params.id);
      if (!v) throw versionNotFound(params.name, params.id);
      return { status: 200, body: toVersionView(v) };
    },
  }),
  defineRoute({
    method: 'POST', path: '/api/v1/functions/{name}/rollback', operationId: 'rollback', tag: 'versions', access: 'token', scope: 'tenant',
    summary: 'Serve an earlier version: `to`, or else the version that was current before the current one.',
    params: nameParams, body: rollbackBody,
    responses: { 200: { description: 'The version now current', schema: rollbackResultView }, 409: { description: 'No previous version to roll back to' } },
    async handle({ deps, tenant, principal, params, body, now }) {
      const { name } = params;
      const fn = await requireFunction(deps, tenant, name);
      let target = body?.to ?? null;
      if (target === null) {
        target = await previousVersion(deps, tenant, name, fn.currentVersion);
        if (target === null) throw new Problem(409, 'no-previous-version', `Function "${name}" has no version before ${fn.currentVersion ?? 'its current one'}.`, { hint: 'Name a version with `--to <version>` (`to` in the body); list them with GET /api/v1/functions/' + name + '/versions.' });
      }
      const version = await deps.storage.getVersion(tenant, name, target);
      if (!version) throw versionNotFound(name, target);
      const r = await rollbackTo(deps, principal, tenant, name, target, now());
      if (!r) throw versionNotFound(name, target);
      return { status: 200, body: { function: name, version: toVersionView(version), previous: r.previous } };
    },
  }),
  defineRoute({
    method: 'GET', path: '/api/v1/functions/{name}/deployments', operationId: 'listDeployments', tag: 'versions', access: 'token', scope: 'tenant',
    summary: 'The deployments (deploys and rollbacks) of a function, newest first.',
    params: nameParams, query: pageQuery,
    responses: { 200: { description: 'A page of deployments', schema: pageOf(deploymentView) } },
    async handle({ deps, tenant, params, query }) {
      await requireFunction(deps, tenant, params.name);
      const page = await deps.storage.listDeployments(tenant, params.name, pageOptions(query));
      return { status: 200, body: { items: page.items.map(toDeploymentView), nextCursor: page.nextCursor } };
    },
  }),
];
