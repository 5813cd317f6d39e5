// The built CLI (`node bin/cairn.js`, after `node scripts/build.mjs`) on bad command lines: every
// failure prints "cairn: ..." and "hint: ..." on stderr and exits 1 (usage), 2 (server) or 3 (no server).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertBuilt, runCli, type CliRun } from './helpers.ts';

let dir: string;
let deadUrl: string;

function assertFailure(r: CliRun, code: number, message: RegExp, hint?: RegExp): void {
  assert.equal(r.code, code, `exit code\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  assert.match(r.stderr, /(^|\n)cairn: /, r.stderr);
  assert.match(r.stderr, message);
  assert.match(r.stderr, /\nhint: .+/);
  if (hint) assert.match(r.stderr.slice(r.stderr.indexOf('\nhint: ')), hint);
  assert.equal(r.stdout, '');
}

before(async () => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'cairn-args-'));
  // A port nothing listens on.
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  deadUrl = `http://127.0.0.1:${(s.address() as { port: number }).port}`;
  await new Promise<void>((r) => s.close(() => r()));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('cairn command line', () => {
  it('prints help and the version', async () => {
    const help = await runCli(['--help']);
    assert.equal(help.code, 0);
    for (const c of ['deploy', 'ls', 'invoke', 'logs', 'rollback', 'secret', 'init', 'serve', 'dev']) assert.match(help.stdout, new RegExp(`\\n  ${c}\\b`));
    const noArgs = await runCli([]);
    assert.equal(noArgs.code, 0);
    assert.match(noArgs.stdout, /Usage: cairn/);
    const v = await runCli(['--version']);
    assert.equal(v.code, 0);
    assert.match(v.stdout, /^\d+\.\d+\.\d+\n$/);
  });

  it('rejects an unknown command, suggesting the right one', async () => {
    assertFailure(await runCli(['deplyo']), 1, /cairn: unknown command 'deplyo'\n {2}\(Did you mean deploy\?\)/, /cairn --help/);
  });

  it('rejects a missing argument and an unknown option, pointing at the command\'s help', async () => {
    assertFailure(await runCli(['deploy']), 1, /cairn: missing required argument 'entry'/, /`cairn deploy --help`/);
    assertFailure(await runCli(['invoke', 'hello', '--bogus']), 1, /cairn: unknown option '--bogus'/, /`cairn invoke --help`/);
    assertFailure(await runCli(['secret', 'put']), 1, /cairn: missing required argument 'NAME'/, /`cairn secret put --help`/);
  });

  it('exits 3 with a clear message when no node is running', async () => {
    const r = await runCli(['ls', '--url', deadUrl]);
    assertFailure(r, 3, new RegExp(`cairn: cannot reach ${deadUrl} \\(connection refused\\): is a node running\\?`), /cairn serve/);
    const env = await runCli(['ls'], { env: { CAIRN_URL: deadUrl } });
    assert.equal(env.code, 3, 'CAIRN_URL is honoured');
  });

  it('rejects a bad --url', async () => {
    assertFailure(await runCli(['ls', '--url', 'nope']), 1, /cairn: --url: "nope" is not a URL/);
  });

  it('validates the deploy flags before touching the network', async () => {
    writeFileSync(join(dir, 'fn.ts'), 'export default { fetch() { return new Response("x"); } };\n');
    const args = ['--url', deadUrl, 'deploy', join(dir, 'fn.ts')];
    assertFailure(await runCli([...args, '--cpu-ms', 'fast']), 1, /cairn: --cpu-ms: expected a whole number, got "fast"/);
    assertFailure(await runCli([...args, '--memory-mb', '1']), 1, /cairn: --memory-mb 1: Too small: expected number to be >=8/);
    assertFailure(await runCli([...args, '--var', 'NOEQUALS']), 1, /cairn: --var "NOEQUALS": expected KEY=VALUE/);
    assertFailure(await runCli([...args, '--secret', 'CAIRN_TEST_UNSET_SECRET']), 1, /cairn: --secret CAIRN_TEST_UNSET_SECRET: the environment variable CAIRN_TEST_UNSET_SECRET is not set/, /export NAME=/);
    assertFailure(await runCli([...args, '--name', 'Bad Name']), 1, /cairn: --name "Bad Name" is not a valid function name/);
  });

  it('reports an invalid cairn.json with the file and field', async () => {
    mkdirSync(join(dir, 'proj'));
    writeFileSync(join(dir, 'proj', 'cairn.json'), JSON.stringify({ functions: { hello: { entry: 'hello.ts', limits: { cpuMs: 'fast' } } } }));
    writeFileSync(join(dir, 'proj', 'hello.ts'), 'export default { fetch() { return new Response("x"); } };\n');
    const r = await runCli(['--url', deadUrl, 'deploy', 'hello.ts'], { cwd: join(dir, 'proj') });
    assertFailure(r, 1, /^cairn: cairn\.json: functions\.hello\.limits\.cpuMs: Invalid input: expected number, received string\n/);
  });

  it('reports bundling errors with file:line and exits 1', async () => {
    writeFileSync(join(dir, 'nodefs.ts'), "import { readFileSync } from 'node:fs';\nexport default { fetch() { return new Response(String(readFileSync)); } };\n");
    assertFailure(await runCli(['--url', deadUrl, 'deploy', join(dir, 'nodefs.ts')]), 1, /\ncairn: could not bundle nodefs\.ts \(1 error\)\n {2}nodefs\.ts:1:\d+: "node:fs" is a Node\.js built-in module/, /web API/);
    writeFileSync(join(dir, 'broken.ts'), 'export default {\n  fetch() { return new Response("x" }\n};\n');
    assertFailure(await runCli(['--url', deadUrl, 'deploy', join(dir, 'broken.ts')]), 1, /broken\.ts:2:\d+: Expected "\)" but found "}"/);
    assertFailure(await runCli(['--url', deadUrl, 'deploy', join(dir, 'missing.ts')]), 1, /cairn: .*missing\.ts does not exist/);
  });

  it('validates the other commands\' options', async () => {
    assertFailure(await runCli(['--url', deadUrl, 'invoke', 'hello', '--path', 'x']), 1, /cairn: --path "x": a path starts with "\/"/);
    assertFailure(await runCli(['--url', deadUrl, 'invoke', 'hello', '--header', 'nocolon']), 1, /cairn: --header "nocolon": expected "name: value"/);
    assertFailure(await runCli(['--url', deadUrl, 'invoke', 'hello', '-X', 'GET', '--data', 'x']), 1, /cairn: a GET request cannot have a body/);
    assertFailure(await runCli(['--url', deadUrl, 'invoke', 'hello', '--data', `@${join(dir, 'nope.bin')}`]), 1, /cairn: --data @.*nope\.bin: cannot read .*no such file/);
    assertFailure(await runCli(['--url', deadUrl, 'logs', 'hello', '--limit', '0']), 1, /cairn: --limit "0": expected a whole number of at least 1/);
    assertFailure(await runCli(['--url', deadUrl, 'secret', 'put', 'bad-name', '--value', 'x']), 1, /cairn: "bad-name" is not a valid secret name/);
    assertFailure(await runCli(['serve', '--port', 'http']), 1, /cairn: --port "http": expected a port number from 0 to 65535/);
    assertFailure(await runCli(['serve', '--port', '0', '--admin-port', '0', '--log-format', 'xml']), 1, /cairn: --log-format "xml": expected pretty or json/);
    assertFailure(await runCli(['dev', join(dir, 'not-a-dir')]), 1, /cairn: .*not-a-dir is not a folder/);
  });

  it('scaffolds with init and refuses to overwrite', async () => {
    const target = join(dir, 'app');
    const r = await runCli(['init', target]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /created a Cairn project in .* with the function "app"/);
    assert.match(r.stdout, /cairn dev/);
    assertFailure(await runCli(['init', target]), 1, /cairn: will not overwrite .*cairn\.json/);
  });
});
