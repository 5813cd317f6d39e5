// End to end through the built CLI: `cairn serve` in a child process, then deploy, HTTP, ls,
// invoke, logs, a second version, rollback, and a bad deploy that leaves the old version serving.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertBuilt, CliProcess, runCli } from '../cli/helpers.ts';

let dir: string;
let dataDir: string;
let serve: CliProcess;
let dataUrl: string;
let adminUrl: string;
let env: Record<string, string>;

const cairn = (args: string[], input?: string) => runCli(args, { env, input });

before(async () => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'cairn-e2e-cli-'));
  dataDir = join(dir, 'data');
  serve = new CliProcess(['serve', '--port', '0', '--admin-port', '0', '--data-dir', dataDir]);
  const ready = await serve.waitForEvent<{ dataUrl: string; adminUrl: string }>('ready', { timeoutMs: 60_000 });
  dataUrl = ready.dataUrl;
  adminUrl = ready.adminUrl;
  // The CLI finds the node through CAIRN_URL and its admin token through the data dir.
  env = { CAIRN_URL: adminUrl, CAIRN_DATA_DIR: dataDir };
});

after(async () => {
  if (serve) await serve.stop('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

describe('cairn serve + the CLI, end to end', () => {
  it('serve announced its URLs and the generated admin token', () => {
    assert.match(dataUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(adminUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(existsSync(join(dataDir, 'admin-token')));
    const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
    assert.ok(serve.stderr.includes(token), 'the generated token is shown on first start');
    assert.match(serve.stderr, /admin-token/);
  });

  it('deploys examples/hello.ts and serves it over HTTP', async () => {
    const r = await cairn(['deploy', 'examples/hello.ts', '--name', 'hello']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^deployed hello: version 1 \\(v[0-9a-f]{20}\\), [\\d.]+ (B|KiB)\\n {2}${dataUrl}/hello/\\n`));
    const res = await fetch(`${dataUrl}/hello/`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'Hello from Cairn!');
    const json = await (await fetch(`${dataUrl}/hello/json`)).json() as { path: string; method: string };
    assert.equal(json.path, '/hello/json');
    assert.equal(json.method, 'GET');
  });

  it('ls lists it, and its versions', async () => {
    const r = await cairn(['ls']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\nhello +v[0-9a-f]{20} +\d{4}-/);
    const v = await cairn(['ls', 'hello']);
    assert.match(v.stdout, /\n\* +1 +v[0-9a-f]{20} /);
  });

  it('invoke prints the body, status, duration and CPU', async () => {
    const r = await cairn(['invoke', 'hello']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Hello from Cairn!');
    assert.match(r.stderr, /^200 · [\d.]+ m?s · CPU [\d.]+ m?s · version v[0-9a-f]{20}/);
    const json = JSON.parse((await cairn(['--json', 'invoke', 'hello', '--path', '/hello/json'])).stdout) as { status: number; body: string; cpuMs: number };
    assert.equal(json.status, 200);
    assert.equal((JSON.parse(json.body) as { path: string }).path, '/hello/json');
    assert.equal(typeof json.cpuMs, 'number');
  });

  it('logs shows what a function logged, as "ts level [invocation] message", and --follow streams it', async () => {
    writeFileSync(join(dir, 'talker.ts'), [
      'export default {',
      '  fetch(request: Request): Response {',
      "    console.log('talking about', new URL(request.url).pathname);",
      "    console.error('and complaining');",
      "    return new Response('said');",
      '  },',
      '};',
    ].join('\n'));
    assert.equal((await cairn(['deploy', join(dir, 'talker.ts')])).code, 0);
    const follow = new CliProcess(['--json', 'logs', 'talker', '--follow'], { env });
    try {
      const inv = await cairn(['invoke', 'talker', '--path', '/talker/x']);
      assert.equal(inv.stdout, 'said');
      const invocation = /invocation (\S+)/.exec(inv.stderr)?.[1];
      assert.ok(invocation, inv.stderr);
      const line = await follow.waitForLine((l) => l.includes('complaining'));
      assert.equal((JSON.parse(line) as { invocationId: string }).invocationId, invocation);
      assert.equal(await follow.stop('SIGINT'), 0, 'Ctrl-C ends --follow cleanly');

      const r = await cairn(['logs', 'talker']);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trim().split('\n');
      assert.equal(lines.length, 2);
      assert.match(lines[0] ?? '', new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z log +\\[${invocation}\\] talking about /talker/x$`));
      assert.match(lines[1] ?? '', new RegExp(`^\\S+ error \\[${invocation}\\] and complaining$`));
      const only = await cairn(['logs', 'talker', '--invocation', invocation, '--limit', '1']);
      assert.match(only.stdout, /and complaining\n$/);
    } finally {
      await follow.stop('SIGKILL');
    }
  });

  it('a second version serves; rollback brings the first back', async () => {
    writeFileSync(join(dir, 'hello.ts'), "export default { fetch() { return new Response('Hello, version two!'); } };\n");
    const r = await cairn(['deploy', join(dir, 'hello.ts')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^deployed hello: version 2 /);
    assert.equal(await (await fetch(`${dataUrl}/hello/`)).text(), 'Hello, version two!');

    const rb = await cairn(['rollback', 'hello']);
    assert.equal(rb.code, 0, rb.stderr);
    assert.match(rb.stdout, /^hello now serves version 1 /);
    assert.equal(await (await fetch(`${dataUrl}/hello/`)).text(), 'Hello from Cairn!');

    const to = await cairn(['rollback', 'hello', '--to', '2']);
    assert.equal(to.code, 0, to.stderr);
    assert.equal(await (await fetch(`${dataUrl}/hello/`)).text(), 'Hello, version two!');
    assert.equal((await cairn(['rollback', 'hello', '--to', '1'])).code, 0);
  });

  it('a bad deploy fails clearly and leaves the old version serving', async () => {
    writeFileSync(join(dir, 'hello.ts'), "export default { fetch() { return new Response('broken' }; };\n");
    const r = await cairn(['deploy', join(dir, 'hello.ts')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\ncairn: could not bundle hello\.ts \(1 error\)\n {2}hello\.ts:1:\d+: /);
    assert.equal(await (await fetch(`${dataUrl}/hello/`)).text(), 'Hello from Cairn!');

    writeFileSync(join(dir, 'hello.ts'), "import { readFileSync } from 'node:fs';\nexport default { fetch() { return new Response(String(readFileSync)); } };\n");
    const nodeOnly = await cairn(['deploy', join(dir, 'hello.ts')]);
    assert.equal(nodeOnly.code, 1);
    assert.match(nodeOnly.stderr, /"node:fs" is a Node\.js built-in module/);
    assert.equal(await (await fetch(`${dataUrl}/hello/`)).text(), 'Hello from Cairn!');
    const v = await cairn(['ls', 'hello']);
    assert.match(v.stdout, /\n\* +1 /, 'version 1 is still current');
  });

  it('secrets reach the function through --secret', async () => {
    writeFileSync(join(dir, 'secretive.ts'), "export default { fetch(_r: Request, env: { API_KEY: string }) { return new Response('key has ' + env.API_KEY.length + ' chars'); } };\n");
    const r = await runCli(['deploy', join(dir, 'secretive.ts'), '--secret', 'API_KEY'], { env: { ...env, API_KEY: 'abcdef' } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await (await fetch(`${dataUrl}/secretive/`)).text(), 'key has 6 chars');
    const ls = await cairn(['secret', 'ls']);
    assert.match(ls.stdout, /\nAPI_KEY +\d{4}-/);
  });

  it('after the node stops, the CLI says it cannot reach it (exit 3)', async () => {
    assert.equal(await serve.stop('SIGTERM'), 0, 'serve shuts down cleanly on SIGTERM');
    const r = await cairn(['ls']);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /^cairn: cannot reach http:\/\/127\.0\.0\.1:\d+ \(connection refused\): is a node running\?\nhint: start one with `cairn serve`/);
  });
});
