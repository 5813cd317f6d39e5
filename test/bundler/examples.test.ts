// The examples are plain Workers-convention modules: bundled by Cairn's bundler, they run
// unmodified on workerd (the KV binding is served by a small in-memory KV service).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundle } from '../../src/bundler/index.ts';
import { loadProject } from '../../src/cli/config.ts';
import { PACKAGE_ROOT } from '../../src/shared/paths.ts';

const EXAMPLES = join(PACKAGE_ROOT, 'examples');
const WORKERD = join(PACKAGE_ROOT, 'node_modules', 'workerd', 'bin', 'workerd');

const KV_SERVICE = `const store = new Map();
export default {
  async fetch(request) {
    const key = decodeURIComponent(new URL(request.url).pathname.slice(1));
    if (request.method === 'GET') return store.has(key) ? new Response(store.get(key)) : new Response(null, { status: 404 });
    if (request.method === 'PUT') { store.set(key, await request.text()); return new Response(null); }
    if (request.method === 'DELETE') { store.delete(key); return new Response(null); }
    return new Response(null, { status: 405 });
  },
};
`;

/** Routes /<name>/... to the service binding <name>, like Cairn's default routes. */
const ROUTER = `export default {
  fetch(request, env) {
    const name = new URL(request.url).pathname.split('/')[1];
    const target = env[name];
    return target ? target.fetch(request) : new Response('no such function', { status: 404 });
  },
};
`;

let dir: string;
let child: ChildProcess | undefined;
let base: string;
let output = '';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-examples-'));
  const project = loadProject(join(EXAMPLES, 'cairn.json'));
  const names = Object.keys(project.config.functions);
  assert.deepEqual(names.sort(), ['counter', 'echo', 'hello', 'stream']);
  const services: string[] = [];
  for (const name of names) {
    const fn = project.config.functions[name];
    assert.ok(fn?.entry);
    const b = await bundle(join(EXAMPLES, fn.entry), { root: EXAMPLES });
    writeFileSync(join(dir, `${name}.js`), b.code);
    const bindings = [
      ...Object.entries(fn.vars).map(([k, v]) => `(name = ${JSON.stringify(k)}, text = ${JSON.stringify(v)})`),
      ...Object.keys(fn.bindings).map((k) => `(name = ${JSON.stringify(k)}, kvNamespace = "kv")`),
    ];
    services.push(`(name = "${name}", worker = (modules = [(name = "${name}.js", esModule = embed "${name}.js")], compatibilityDate = "2024-09-23", bindings = [${bindings.join(', ')}]))`);
  }
  writeFileSync(join(dir, 'kv.js'), KV_SERVICE);
  writeFileSync(join(dir, 'router.js'), ROUTER);
  services.push('(name = "kv", worker = (modules = [(name = "kv.js", esModule = embed "kv.js")], compatibilityDate = "2024-09-23"))');
  services.push(`(name = "router", worker = (modules = [(name = "router.js", esModule = embed "router.js")], compatibilityDate = "2024-09-23", bindings = [${names.map((n) => `(name = "${n}", service = "${n}")`).join(', ')}]))`);
  writeFileSync(join(dir, 'config.capnp'), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [${services.join(',\n    ')}],
  sockets = [(name = "http", address = "127.0.0.1:0", http = (), service = "router")],
);
`);
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  child = spawn(WORKERD, ['serve', join(dir, 'config.capnp'), '--socket-addr', `http=127.0.0.1:${port}`], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { output += d.toString(); });
  // workerd is an external process: poll it until it answers, within a bounded deadline.
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await fetch(`${base}/hello/`);
      break;
    } catch {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`workerd did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
});

after(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child?.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('examples on workerd', () => {
  it('hello answers text, and JSON with the request at /hello/json', async () => {
    const text = await fetch(`${base}/hello/`);
    assert.equal(text.status, 200);
    assert.equal(await text.text(), 'Hello from Cairn!');
    const json = await fetch(`${base}/hello/json?x=1`, { headers: { 'user-agent': 'examples-test' } });
    assert.match(json.headers.get('content-type') ?? '', /application\/json/);
    const body = await json.json() as Record<string, unknown>;
    assert.equal(body.message, 'Hello from Cairn!');
    assert.equal(body.method, 'GET');
    assert.equal(body.path, '/hello/json');
    assert.deepEqual(body.query, { x: '1' });
    assert.equal(body.userAgent, 'examples-test');
  });

  it('echo answers the method, headers and body', async () => {
    const res = await fetch(`${base}/echo/a?b=c`, { method: 'POST', headers: { 'x-test': 'yes', 'content-type': 'text/plain' }, body: 'ping' });
    const body = await res.json() as { method: string; url: string; headers: Record<string, string>; body: string; size: number };
    assert.equal(body.method, 'POST');
    assert.match(body.url, /\/echo\/a\?b=c$/);
    assert.equal(body.headers['x-test'], 'yes');
    assert.equal(body.body, 'ping');
    assert.equal(body.size, 4);
    const bin = await (await fetch(`${base}/echo/`, { method: 'PUT', body: new Uint8Array([0, 255]) })).json() as { bodyBase64: string };
    assert.equal(bin.bodyBase64, 'AP8=');
  });

  it('counter counts visits in KV', async () => {
    await fetch(`${base}/counter/`, { method: 'DELETE' }).then((r) => r.text());
    assert.deepEqual(await (await fetch(`${base}/counter/`)).json(), { visits: 1 });
    assert.deepEqual(await (await fetch(`${base}/counter/`)).json(), { visits: 2 });
  });

  it('stream streams its chunks', async () => {
    const res = await fetch(`${base}/stream/?chunks=3&delay=5`);
    assert.equal(await res.text(), 'chunk 1 of 3\nchunk 2 of 3\nchunk 3 of 3\n');
  });
});
