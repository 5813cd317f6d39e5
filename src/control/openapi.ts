// The OpenAPI 3.1 document, generated from the route table (the same table the router serves), so
// every routed path is documented and nothing documented is unrouted.
import { z } from 'zod';
import { defineRoute, type Route } from './router.ts';
import { problemSchema } from './views.ts';

type Json = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  delete out.$schema;
  return out;
}

const problemRef = { $ref: '#/components/schemas/Problem' };
const problemResponse = (description: string): Json => ({ description, content: { 'application/problem+json': { schema: problemRef } } });

function parameters(route: Route): Json[] {
  const out: Json[] = [];
  for (const name of route.path.match(/\{[^}]+\}/g) ?? []) {
    const key = name.slice(1, -1);
    const schema = route.params?.[key];
    out.push({ name: key, in: 'path', required: true, schema: schema ? jsonSchema(schema, 'input') : { type: 'string' } });
  }
  if (route.query instanceof z.ZodObject) {
    for (const [key, field] of Object.entries(route.query.shape as Record<string, z.ZodType>)) {
      const schema = jsonSchema(field, 'output');
      const description = typeof schema.description === 'string' ? schema.description : undefined;
      out.push({ name: key, in: 'query', required: !field.safeParse(undefined).success, schema, ...(description ? { description } : {}) });
    }
  }
  if (route.scope === 'tenant') {
    const description = 'tenant to act in (platform admins; default "default"); a tenant token may only name its own tenant' + (route.allowAllTenants ? '; "*" lists every tenant' : '');
    out.push({ name: 'tenant', in: 'query', required: false, schema: { type: 'string' }, description });
    out.push({ name: 'x-cairn-tenant', in: 'header', required: false, schema: { type: 'string' }, description });
  }
  return out;
}

function operation(route: Route): Json {
  const responses: Json = {};
  for (const [status, doc] of Object.entries(route.responses)) {
    const code = Number(status);
    if (code >= 400) responses[status] = problemResponse(doc.description);
    else if (doc.schema) responses[status] = { description: doc.description, content: { 'application/json': { schema: jsonSchema(doc.schema, 'output') } } };
    else if (doc.contentType) responses[status] = { description: doc.description, content: { [doc.contentType]: { schema: { type: 'string' } } } };
    else responses[status] = { description: doc.description };
  }
  const add = (status: number, description: string): void => { responses[status] ??= problemResponse(description); };
  const body = route.bodyDoc ?? route.body;
  if (body) {
    add(400, 'The body is not valid JSON (`bad-json`)');
    add(413, 'The body exceeds 16 MiB (`payload-too-large`)');
    add(415, 'The body is not `application/json` (`unsupported-media-type`)');
  }
  if (route.access !== 'public') {
    add(401, 'No token, or an unknown or revoked one (`unauthorized`)');
    add(403, 'The token may not do this (`forbidden`)');
  }
  if (route.path.includes('{') || route.scope === 'tenant') add(404, 'The named function, version, tenant, token or secret does not exist');
  if (body || route.query || route.params || route.scope === 'tenant') add(422, 'The request does not match the contract; `errors` lists "path: message" lines');
  responses.default = problemResponse('Any other error (RFC 9457 problem details with a stable `code`)');
  const op: Json = { operationId: route.operationId, summary: route.summary, tags: [route.tag], parameters: parameters(route), responses };
  if (body) op.requestBody = { required: !body.safeParse(undefined).success, content: { 'application/json': { schema: jsonSchema(body, 'input') } } };
  if (route.access === 'public') op.security = [];
  if (route.access === 'admin') op.description = 'Platform admins only.';
  return op;
}

export function buildOpenApi(routes: readonly Route[]): Json {
  const paths: Record<string, Json> = {};
  for (const route of routes) (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(route);
  return {
    openapi: '3.1.0',
    info: { title: 'Cairn admin API', version: '1', description: 'Control plane of a Cairn node. Errors are RFC 9457 application/problem+json with a stable `code`.' },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'The bootstrap admin token (CAIRN_ADMIN_TOKEN) or a tenant token (cairn_...)' } },
      schemas: { Problem: jsonSchema(problemSchema, 'output') },
    },
    paths,
  };
}

/** The route that serves the document of `all()` (the full table, itself included). */
export function openApiRoute(all: () => readonly Route[]): Route {
  let cached: string | null = null;
  return defineRoute({
    method: 'GET', path: '/api/v1/openapi.json', operationId: 'openapi', tag: 'meta', access: 'public', scope: 'global',
    summary: 'This OpenAPI 3.1 document.',
    responses: { 200: { description: 'The OpenAPI document', contentType: 'application/json' } },
    async handle() {
      cached ??= JSON.stringify(buildOpenApi(all()));
      return { status: 200, text: cached, contentType: 'application/json; charset=utf-8' };
    },
  });
}
