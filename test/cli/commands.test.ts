// The built CLI against an in-memory admin API on a real HTTP server: what each command sends and
// what it prints.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertBuilt, FakeNode, runCli } from './helpers.ts';

let dir: string;
let node: FakeNode;
let base: string[];

before(async () => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'cairn-cmds-'));
  node = await new FakeNode().start();
  base = ['--url', node.url, '--token', node.token];
  writeFileSync(join(dir, 'hello.ts'), 'export default { fetch(): Response { return new Response("v1"); } };\n');
});
after(async () => {
  await node.close();
  rmSync(dir, { recursive: true, force: true });
});

function lastRequest(method: string, pathEnd: string) {
  const r = [...node.requests].reverse().find((x) => x.method === method && x.path.endsWith(pathEnd));
  assert.ok(r, `a ${method} ...${pathEnd} request was sent`);
  return r;
}

describe('cairn against an admin API', () => {
  it('deploy bundles, uploads, and prints version, routes and size', async () => {
    const r = await runCli([...base, 'deploy', join(dir, 'hello.ts'), '--cpu-ms', '100', '--var', 'A=1']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^deployed hello: version 1 \(v[0-9a-f]{20}\), \d+ B\n {2}http:\/\/127\.0\.0\.1:8787\/hello\/\n$/);
    assert.match(r.stderr, /bundling .*hello\.ts\.\.\./);
    const req = lastRequest('POST', '/functions/hello/versions');
    assert.equal(req.headers.authorization, `Bearer ${node.token}`);
    const body = req.body as { code: string; config: unknown };
    assert.match(body.code, /new Response\("v1"\)/);
    assert.deepEqual(body.config, { limits: { cpuMs: 100 }, vars: { A: '1' } });

    const again = await runCli([...base, 'deploy', join(dir, 'hello.ts'), '--cpu-ms', '100', '--var', 'A=1']);
    assert.match(again.stdout, /^hello unchanged: version 1 /);
  });

  it('deploy --json prints the server\'s answer', async () => {
    const r = await runCli([...base, '--json', 'deploy', join(dir, 'hello.ts'), '--name', 'other']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { function: string; version: { number: number }; created: boolean; routes: string[] };
    assert.equal(out.function, 'other');
    assert.equal(out.version.number, 1);
    assert.equal(out.created, true);
    assert.equal(r.stderr, '', 'no progress lines in --json mode');
  });

  it('deploy --secret stores the value from the environment first and grants it', async () => {
    const r = await runCli([...base, 'deploy', join(dir, 'hello.ts'), '--name', 'secretive', '--secret', 'API_KEY'], { env: { API_KEY: 's3cret' } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(node.secrets.get('API_KEY')?.value, 's3cret');
    const put = node.requests.findIndex((x) => x.method === 'PUT' && x.path === '/api/v1/secrets/API_KEY');
    const post = node.requests.findIndex((x) => x.method === 'POST' && x.path === '/api/v1/functions/secretive/versions');
    assert.ok(put >= 0 && put < post, 'the secret is stored before the version is deployed');
    assert.deepEqual((node.requests[post]?.body as { config: unknown }).config, { secrets: ['API_KEY'] });
    assert.doesNotMatch(r.stdout + r.stderr, /s3cret/);
  });

  it('prints the server\'s problem detail, errors and hint, exiting 2', async () => {
    mkdirSync(join(dir, 'p'));
    writeFileSync(join(dir, 'p', 'cairn.json'), JSON.stringify({ functions: { needs: { entry: 'needs.ts', secrets: ['NOT_STORED'] } } }));
    writeFileSync(join(dir, 'p', 'needs.ts'), 'export default { fetch() { return new Response("x"); } };\n');
    const r = await runCli([...base, 'deploy', join(dir, 'p', 'needs.ts')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /\ncairn: The configuration grants secrets that do not exist\.\n {2}config\.secrets\[0\]: secret "NOT_STORED" does not exist\nhint: Create each with `cairn secret put <NAME>`\.\n$/);
    const unauth = await runCli(['--url', node.url, '--token', 'wrong', 'ls']);
    assert.equal(unauth.code, 2);
    assert.match(unauth.stderr, /^cairn: Missing or invalid token\.\nhint: pass --token or set CAIRN_TOKEN/);
  });

  it('reads the admin token from the data dir when no token is given', async () => {
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'admin-token'), `${node.token}\n`);
    const r = await runCli(['--url', node.url, '--data-dir', dataDir, 'ls']);
    assert.equal(r.code, 0, r.stderr);
    const env = await runCli(['ls'], { env: { CAIRN_URL: node.url, CAIRN_DATA_DIR: dataDir } });
    assert.equal(env.code, 0, env.stderr);
    const token = await runCli(['ls'], { env: { CAIRN_URL: node.url, CAIRN_TOKEN: node.token } });
    assert.equal(token.code, 0, token.stderr);
  });

  it('ls lists the functions (all pages), and the versions of one with the current marked', async () => {
    const r = await runCli([...base, 'ls']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^NAME +VERSION +UPDATED\n/);
    for (const n of ['hello', 'other', 'secretive']) assert.match(r.stdout, new RegExp(`\\n${n} +v[0-9a-f]{20} +2024-05-01 12:00:\\d\\dZ`));

    writeFileSync(join(dir, 'hello.ts'), 'export default { fetch(): Response { return new Response("v2"); } };\n');
    assert.equal((await runCli([...base, 'deploy', join(dir, 'hello.ts'), '--cpu-ms', '100', '--var', 'A=1'])).code, 0);
    const v = await runCli([...base, 'ls', 'hello']);
    assert.equal(v.code, 0, v.stderr);
    const lines = v.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^ +VERSION +ID +SIZE +CREATED$/);
    assert.match(lines[1] ?? '', /^\* +2 +v[0-9a-f]{20} +\d+ B +2024/);
    assert.match(lines[2] ?? '', /^ +1 +v[0-9a-f]{20} +\d+ B +2024/);
    assert.match(v.stdout, /routes: http:\/\/127\.0\.0\.1:8787\/hello\//);

    const json = JSON.parse((await runCli([...base, '--json', 'ls', 'hello'])).stdout) as { versions: Array<{ number: number }> };
    assert.deepEqual(json.versions.map((x) => x.number), [2, 1]);

    const missing = await runCli([...base, 'ls', 'nope']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^cairn: Function "nope" does not exist\.\nhint: List functions with `cairn ls`\./);
  });

  it('rollback goes back to the previous version, or to a version number', async () => {
    const r = await runCli([...base, 'rollback', 'hello']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^hello now serves version 1 \(v[0-9a-f]{20}\); it served v[0-9a-f]{20} before\n$/);
    const to = await runCli([...base, 'rollback', 'hello', '--to', '2']);
    assert.match(to.stdout, /^hello now serves version 2 /);
    const v2 = node.functions.get('hello')?.versions[1]?.id;
    assert.equal((lastRequest('POST', '/functions/hello/rollback').body as { to: string }).to, v2);
    const bad = await runCli([...base, 'rollback', 'hello', '--to', '9']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^cairn: hello has no version 9\nhint: its versions are 1, 2/);
  });

  it('invoke sends method, path, headers and body, and prints body, status, duration and CPU', async () => {
    const r = await runCli([...base, 'invoke', 'hello', '--path', '/x?y=1', '-H', 'X-One: 1', '--header', 'x-one:2', '--data', 'hi']);
    assert.equal(r.code, 0, r.stderr);
    const echoed = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.deepEqual(echoed, { method: 'POST', path: '/x?y=1', headers: { 'x-one': '1, 2' }, body: 'hi', bodyBase64: null });
    assert.match(r.stderr, /^201 · 12 ms · CPU 3\.2 ms · version v[0-9a-f]{20} · cold start · invocation inv7\n$/);

    const i = await runCli([...base, 'invoke', 'hello', '-i']);
    assert.match(i.stdout, /^HTTP 201\ncontent-type: application\/json\nx-fake: yes\n\n\{"method":"GET"/);

    writeFileSync(join(dir, 'payload.bin'), Buffer.from([1, 2, 255]));
    const file = await runCli([...base, 'invoke', 'hello', '-X', 'put', '--data', `@${join(dir, 'payload.bin')}`]);
    assert.deepEqual(JSON.parse(file.stdout), { method: 'PUT', path: '/', headers: {}, body: null, bodyBase64: 'AQL/' });
    const stdin = await runCli([...base, 'invoke', 'hello', '--data', '@-'], { input: 'from stdin' });
    assert.equal((JSON.parse(stdin.stdout) as { body: string }).body, 'from stdin');

    const bin = await runCli([...base, 'invoke', 'hello', '--path', '/binary']);
    assert.deepEqual([...bin.stdoutBytes], [0, 255, 1], 'bytes that are not text are written as they are');
    assert.match(bin.stderr, /^200 · 1\.5 ms · CPU 0\.5 ms/);

    const json = JSON.parse((await runCli([...base, '--json', 'invoke', 'hello'])).stdout) as { status: number; durationMs: number };
    assert.equal(json.status, 201);
    assert.equal(json.durationMs, 12.34);
  });

  it('logs prints "ts level [invocation] message", the newest --limit, filtered by invocation', async () => {
    for (let i = 1; i <= 5; i++) node.addLog('hello', i === 5 ? 'error' : 'log', `line ${i}`, i % 2 ? 'inv-a' : 'inv-b');
    const r = await runCli([...base, 'logs', 'hello']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 5);
    assert.match(lines[0] ?? '', /^2024-05-01T12:00:\d\d\.\d{3}Z log {3}\[inv-a\] line 1$/);
    assert.match(lines[4] ?? '', /^\S+ error \[inv-a\] line 5$/);
    const limited = await runCli([...base, 'logs', 'hello', '--limit', '2']);
    assert.deepEqual(limited.stdout.trim().split('\n').map((l) => l.split('] ')[1]), ['line 4', 'line 5']);
    const inv = await runCli([...base, 'logs', 'hello', '--invocation', 'inv-b']);
    assert.deepEqual(inv.stdout.trim().split('\n').map((l) => l.split('] ')[1]), ['line 2', 'line 4']);
    assert.equal(lastRequest('GET', '/functions/hello/logs').query.invocation, 'inv-b');
    const json = await runCli([...base, '--json', 'logs', 'hello', '-n', '1']);
    assert.equal((JSON.parse(json.stdout) as { message: string }).message, 'line 5');
  });

  it('secret put (stdin or --value), ls and rm', async () => {
    const put = await runCli([...base, 'secret', 'put', 'DB_PASSWORD'], { input: 'hunter2\n' });
    assert.equal(put.code, 0, put.stderr);
    assert.match(put.stdout, /^stored secret DB_PASSWORD\n$/);
    assert.equal(node.secrets.get('DB_PASSWORD')?.value, 'hunter2', 'one trailing newline is not part of the value');
    assert.equal((await runCli([...base, 'secret', 'put', 'TOKEN', '--value', 'a b'])).code, 0);
    assert.equal(node.secrets.get('TOKEN')?.value, 'a b');
    const ls = await runCli([...base, 'secret', 'ls']);
    assert.match(ls.stdout, /^NAME +UPDATED\n/);
    assert.match(ls.stdout, /\nDB_PASSWORD +2024/);
    assert.doesNotMatch(ls.stdout, /hunter2/);
    const rm = await runCli([...base, 'secret', 'rm', 'TOKEN']);
    assert.equal(rm.stdout, 'deleted secret TOKEN\n');
    assert.equal(node.secrets.has('TOKEN'), false);
    const again = await runCli([...base, 'secret', 'rm', 'TOKEN']);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /^cairn: Secret "TOKEN" does not exist\./);
  });
});
