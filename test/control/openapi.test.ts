// The OpenAPI document, the router and docs/admin-api.md describe the same routes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/shared/paths.ts';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
let doc: any;
before(async () => {
  h = await startHarness();
  const r = await h.api('/api/v1/openapi.json', { token: null });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
  doc = r.body;
});
after(() => h.close());

const METHODS = ['get', 'post', 'put', 'delete', 'patch', 'head', 'options'];
const normalise = (path: string): string => path.replace(/\{[^}]+\}/g, '{}');

function documented(): string[] {
  return Object.entries(doc.paths as Record<string, Record<string, unknown>>)
    .flatMap(([path, ops]) => Object.keys(ops).filter((m) => METHODS.includes(m)).map((m) => `${m.toUpperCase()} ${path}`)).sort();
}

test('the document is OpenAPI 3.1 with a bearer scheme and unique operation ids', () => {
  assert.equal(doc.openapi, '3.1.0');
  assert.equal(doc.components.securitySchemes.bearer.scheme, 'bearer');
  const ids = Object.values(doc.paths as Record<string, Record<string, any>>).flatMap((ops) => Object.values(ops).map((op) => op.operationId));
  assert.equal(new Set(ids).size, ids.length);
  for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
    for (const op of Object.values(ops)) {
      const declared = op.parameters.filter((p: any) => p.in === 'path').map((p: any) => `{${p.name}}`).sort();
      assert.deepEqual(declared, (path.match(/\{[^}]+\}/g) ?? []).sort(), `path parameters of ${path}`);
      assert.ok(Object.keys(op.responses).length > 0);
    }
  }
  assert.deepEqual(doc.paths['/healthz'].get.security, []);
  assert.deepEqual(doc.paths['/api/v1/openapi.json'].get.security, []);
  assert.equal(doc.paths['/metrics'].get.security, undefined, 'metrics uses the global bearer requirement');
});

test('every routed path is documented and every documented path is routed', () => {
  const routed = h.handler.routes.map((r) => `${r.method} ${r.path}`).sort();
  assert.deepEqual(documented(), routed);
});

test('every documented operation reaches its handler (no 404 route miss, no 405)', async () => {
  for (const key of documented()) {
    const [method, path] = key.split(' ') as [string, string];
    const concrete = path.replace(/\{[^}]+\}/g, 'probe');
    const r = await h.api(concrete, { method, ...(method === 'POST' || method === 'PUT' ? { json: {} } : {}) });
    assert.notEqual(r.status, 405, key);
    const routeMiss = r.status === 404 && r.body.code === 'not-found' && /^There is no endpoint/.test(r.body.detail);
    assert.equal(routeMiss, false, `${key} -> ${r.text}`);
  }
});

test('the document covers exactly the routes of docs/admin-api.md', () => {
  const md = readFileSync(join(PACKAGE_ROOT, 'docs/admin-api.md'), 'utf8');
  const contract = [...md.matchAll(/^\| (GET|POST|PUT|DELETE|PATCH) (\/[^ |?]*)/gm)].map((m) => `${m[1]} ${normalise(m[2]!)}`).sort();
  assert.ok(contract.length > 20, 'the contract table was parsed');
  assert.deepEqual(documented().map((k) => normalise(k)).sort(), contract);
});

test('request bodies and query parameters come from the validation schemas', () => {
  const deploy = doc.paths['/api/v1/functions/{name}/versions'].post;
  const body = deploy.requestBody.content['application/json'].schema;
  assert.deepEqual(body.required, ['code']);
  assert.equal(body.properties.config.properties.limits.properties.memoryMb.default, 128);
  const logs = doc.paths['/api/v1/functions/{name}/logs'].get;
  const wait = logs.parameters.find((p: any) => p.name === 'wait');
  assert.equal(wait.in, 'query');
  assert.equal(wait.schema.maximum, 30);
  assert.ok(logs.parameters.some((p: any) => p.name === 'tenant' && p.in === 'query'));
  assert.ok(deploy.responses['201'] && deploy.responses['200'] && deploy.responses['422'] && deploy.responses['413']);
  assert.equal(deploy.responses['422'].content['application/problem+json'].schema.$ref, '#/components/schemas/Problem');
});
