// The same function file runs unmodified on workerd and on Cairn, and answers identically.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundle } from '../../src/bundler/index.ts';
import { PACKAGE_ROOT } from '../../src/shared/paths.ts';
import { startTestNode, type TestNode } from '../helpers/node.ts';

const WORKERD = join(PACKAGE_ROOT, 'node_modules', '.bin', 'workerd');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** Waits until something accepts connections on the port (bounded: workerd is an external process). */
async function waitForPort(port: number, child: ChildProcess, deadlineMs = 20_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    if (child.exitCode !== null) throw new Error(`workerd exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const c = connect(port, '127.0.0.1', () => { c.destroy(); resolve(true); });
      c.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('workerd did not start listening in time');
}

/** GET with a chosen Host header (fetch() cannot set one), so both runtimes see the same URL. */
function get(base: string, path: string): Promise<{ status: number; type: string | undefined; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    http.get({ host: u.hostname, port: u.port, path, headers: { host: 'example.test', 'user-agent': 'cairn-test' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }));
    }).on('error', reject);
  });
}

describe('same module on workerd and Cairn', () => {
  let node: TestNode;
  let workerd: ChildProcess;
  let workerdUrl: string;

  before(async () => {
    const { code } = await bundle(join(PACKAGE_ROOT, 'examples', 'hello.ts'));
    const dir = mkdtempSync(join(tmpdir(), 'cairn-workerd-'));
    writeFileSync(join(dir, 'worker.js'), code);
    const port = await freePort();
    writeFileSync(join(dir, 'config.capnp'), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .hello) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const hello :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = "2025-09-01",
);
`);
    workerd = spawn(WORKERD, ['serve', join(dir, 'config.capnp')], { stdio: ['ignore', 'ignore', 'pipe'] });
    await waitForPort(port, workerd);
    workerdUrl = `http://127.0.0.1:${port}`;
    node = await startTestNode();
    assert.equal((await node.deploy('hello', code)).status, 201);
  });

  after(async () => {
    workerd?.kill();
    await node?.close();
  });

  for (const path of ['/hello/', '/hello/json?name=cairn']) {
    it(`answers ${path} identically`, async () => {
      const [a, b] = await Promise.all([get(workerdUrl, path), get(node.dataUrl, path)]);
      assert.equal(b.status, a.status);
      assert.equal(b.type, a.type);
      // The JSON answer includes the clock; both runtimes must report it in UTC, and all else is equal.
      const clock = /"time": "(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)"/;
      if (clock.test(a.body)) assert.match(b.body, clock);
      assert.equal(b.body.replace(clock, ''), a.body.replace(clock, ''));
    });
  }
});
