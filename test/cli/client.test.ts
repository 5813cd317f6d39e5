import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, CairnClient, ConnectError } from '../../src/cli/client.ts';
import { toCliError } from '../../src/cli/context.ts';
import { EXIT_CONNECT, EXIT_SERVER } from '../../src/cli/errors.ts';

let server: Server;
let url: string;
const seen: Array<{ method: string; url: string; auth: string | undefined; tenant: string | undefined; type: string | undefined; body: string }> = [];

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => { body += d; });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization, tenant: req.headers['x-cairn-tenant'] as string | undefined, type: req.headers['content-type'], body });
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const send = (status: number, type: string, text: string, headers: Record<string, string> = {}) => { res.writeHead(status, { 'content-type': type, ...headers }); res.end(text); };
      switch (path) {
        case '/api/v1/functions/missing':
          return send(404, 'application/problem+json', JSON.stringify({ type: 'https://cairn.dev/problems/function-not-found', title: 'Not Found', status: 404, detail: 'Function "missing" does not exist.', code: 'function-not-found', hint: 'List functions with `cairn ls`.' }));
        case '/api/v1/functions/bad/versions':
          return send(422, 'application/problem+json', JSON.stringify({ type: 'https://cairn.dev/problems/invalid-config', title: 'Unprocessable Content', status: 422, detail: 'The configuration is not valid.', code: 'invalid-config', errors: ['config.limits.cpuMs: Too small', 'config.routes[0]: bad route'] }));
        case '/api/v1/functions/busy':
          return send(503, 'application/problem+json', JSON.stringify({ type: 'https://cairn.dev/problems/not-ready', title: 'Service Unavailable', status: 503, detail: 'The node is starting.', code: 'not-ready' }), { 'retry-after': '2' });
        case '/api/v1/functions/proxy':
          return send(502, 'text/html', '<html><body><h1>502 Bad Gateway</h1></body></html>');
        case '/api/v1/functions/notjson':
          return send(200, 'text/html', '<html>dashboard</html>');
        case '/api/v1/secrets/S':
          return send(204, 'application/json', '');
        case '/api/v1/functions': {
          const cursor = new URL(req.url ?? '/', 'http://x').searchParams.get('cursor');
          return send(200, 'application/json', JSON.stringify(cursor === null
            ? { items: [{ name: 'a', tenant: 'default', currentVersion: 'v1', createdAt: 1, updatedAt: 2 }], nextCursor: 'c2' }
            : { items: [{ name: 'b', tenant: 'default', currentVersion: null, createdAt: 3, updatedAt: 4 }], nextCursor: null }));
        }
        case '/api/v1/functions/hello/logs':
          return send(200, 'application/json', JSON.stringify({ items: [], last: 7 }));
        default:
          return send(404, 'application/problem+json', JSON.stringify({ type: 'https://cairn.dev/problems/not-found', title: 'Not Found', status: 404, detail: `No route ${path}.`, code: 'not-found' }));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

async function apiError(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApiError, `expected an ApiError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected an ApiError');
}

describe('CairnClient', () => {
  it('sends the token and tenant, and JSON bodies', async () => {
    const c = new CairnClient({ url, token: 'tok', tenant: 'acme' });
    await c.putSecret('S', 'shh');
    const last = seen.at(-1);
    assert.deepEqual(last && { method: last.method, url: last.url, auth: last.auth, tenant: last.tenant, type: last.type, body: JSON.parse(last.body) as unknown },
      { method: 'PUT', url: '/api/v1/secrets/S', auth: 'Bearer tok', tenant: 'acme', type: 'application/json', body: { value: 'shh' } });
  });

  it('accepts a base URL with a trailing /api/v1 or slash', () => {
    assert.equal(new CairnClient({ url: `${url}/api/v1/` }).baseUrl, url);
    assert.equal(new CairnClient({ url: `${url}/` }).baseUrl, url);
    assert.throws(() => new CairnClient({ url: 'not a url' }), /not a URL/);
    assert.throws(() => new CairnClient({ url: 'ftp://x' }), /not an http\(s\) URL/);
  });

  it('follows cursors to list every item', async () => {
    const fns = await new CairnClient({ url }).listFunctions();
    assert.deepEqual(fns.map((f) => f.name), ['a', 'b']);
    assert.match(seen.at(-1)?.url ?? '', /cursor=c2/);
  });

  it('passes the query of a logs request, leaving out what is not set', async () => {
    const r = await new CairnClient({ url }).logs('hello', { after: 5, wait: 25 });
    assert.deepEqual(r, { items: [], last: 7 });
    assert.equal(seen.at(-1)?.url, '/api/v1/functions/hello/logs?after=5&wait=25');
  });

  it('turns problem+json into an ApiError with detail, code and hint', async () => {
    const e = await apiError(new CairnClient({ url }).getFunction('missing'));
    assert.equal(e.status, 404);
    assert.equal(e.code, 'function-not-found');
    assert.equal(e.message, 'Function "missing" does not exist.');
    assert.equal(e.hint, 'List functions with `cairn ls`.');
    const cli = toCliError(e);
    assert.equal(cli.exitCode, EXIT_SERVER);
    assert.equal(cli.hint, 'List functions with `cairn ls`.');
  });

  it('keeps the validation errors of a problem', async () => {
    const e = await apiError(new CairnClient({ url }).deployVersion('bad', 'export default {}'));
    assert.equal(e.code, 'invalid-config');
    assert.deepEqual(e.errors, ['config.limits.cpuMs: Too small', 'config.routes[0]: bad route']);
    assert.deepEqual(toCliError(e).details, e.errors);
  });

  it('keeps Retry-After', async () => {
    const e = await apiError(new CairnClient({ url }).getFunction('busy'));
    assert.equal(e.retryAfter, '2');
    assert.match(toCliError(e).hint ?? '', /retry in 2 s/);
  });

  it('describes answers that are not the API', async () => {
    const proxy = await apiError(new CairnClient({ url }).getFunction('proxy'));
    assert.equal(proxy.status, 502);
    assert.match(proxy.message, /^HTTP 502 Bad Gateway: <html>/);
    const html = await apiError(new CairnClient({ url }).getFunction('notjson'));
    assert.match(html.message, /not JSON \(text\/html\)/);
    assert.match(html.hint ?? '', /control plane/);
  });

  it('says a token is needed, and where the admin token lives', async () => {
    const e = new ApiError(401, { status: 401, code: 'unauthorized', detail: 'Missing or invalid token.' });
    assert.match(toCliError(e).hint ?? '', /--token or set CAIRN_TOKEN/);
  });

  it('raises a ConnectError (exit 3) when nothing listens', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const c = new CairnClient({ url: `http://127.0.0.1:${port}` });
    await assert.rejects(c.listFunctions(), (err: unknown) => {
      assert.ok(err instanceof ConnectError);
      assert.equal(err.reason, 'connection refused');
      const cli = toCliError(err);
      assert.equal(cli.exitCode, EXIT_CONNECT);
      assert.equal(cli.message, `cannot reach http://127.0.0.1:${port} (connection refused): is a node running?`);
      assert.match(cli.hint ?? '', /cairn serve/);
      return true;
    });
  });

  it('stops a long poll when aborted', async () => {
    const hang = createServer(() => { /* never answers */ });
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    const c = new CairnClient({ url: `http://127.0.0.1:${(hang.address() as AddressInfo).port}` });
    const ac = new AbortController();
    const p = c.logs('x', { wait: 25, signal: ac.signal });
    ac.abort();
    await assert.rejects(p, (err: unknown) => !(err instanceof ConnectError));
    hang.closeAllConnections();
    await new Promise<void>((r) => hang.close(() => r()));
  });
});
