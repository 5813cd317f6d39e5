// `cairn dev` end to end: a node in the CLI process, every function of a folder deployed, redeploys
// on save only when the bundle changed, build errors reported without dying, console output shown.
// The examples folder runs on it unmodified.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertBuilt, CliProcess } from '../cli/helpers.ts';

let dir: string;

before(() => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'cairn-e2e-dev-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Synced { deployed: string[]; unchanged: string[]; failed: string[]; skipped: string[] }
interface Deployed { function: string; number: number; routes: string[] }

// The watched function's source; written again unchanged to show a no-op save does not redeploy.
const HELLO_SOURCE = [
  "import { word } from './lib/word.ts';",
  'export default {',
  '  fetch(request: Request): Response {',
  "    console.log('serving', new URL(request.url).pathname);",
  '    return new Response(`hello ${word}`);',
  '  },',
  '};',
].join('\n');

describe('cairn dev', () => {
  it('deploys a folder\'s functions and redeploys what changed on save', async () => {
    const app = join(dir, 'app');
    mkdirSync(join(app, 'lib'), { recursive: true });
    writeFileSync(join(app, 'lib', 'word.ts'), "export const word = 'one';\n");
    writeFileSync(join(app, 'hello.ts'), HELLO_SOURCE);
    writeFileSync(join(app, 'util.ts'), 'export const helper = 1;\n');

    const dev = new CliProcess(['--json', 'dev', app, '--port', '0', '--admin-port', '0']);
    try {
      const ready = await dev.waitForEvent<{ dataUrl: string }>('ready', { timeoutMs: 60_000 });
      const first = await dev.waitForEvent<Deployed>('deployed');
      assert.equal(first.function, 'hello');
      assert.equal(first.number, 1);
      assert.deepEqual(first.routes, [`${ready.dataUrl}/hello/`]);
      let synced = await dev.waitForEvent<Synced>('synced');
      assert.deepEqual(synced.skipped, ['util'], 'a top-level file without a default export is a helper, not a function');
      await dev.waitForEvent('watching');
      assert.match(dev.stderr, /✓ hello {2}http:\/\/127\.0\.0\.1:\d+\/hello\//);
      assert.equal(await (await fetch(`${ready.dataUrl}/hello/`)).text(), 'hello one');

      // Its console output is shown.
      const log = await dev.waitForEvent<{ function: string; message: string }>('log');
      assert.equal(log.function, 'hello');
      assert.equal(log.message, 'serving /hello/');

      // A change in an imported file redeploys.
      let mark = dev.stdoutLines.length;
      writeFileSync(join(app, 'lib', 'word.ts'), "export const word = 'two';\n");
      const second = await dev.waitForEvent<Deployed>('deployed', { from: mark });
      assert.equal(second.number, 2);
      // That sync's own summary ('synced', deployed: [hello]) must not be taken for the next save's.
      assert.deepEqual((await dev.waitForEvent<Synced>('synced', { from: mark })).deployed, ['hello']);
      assert.equal(await (await fetch(`${ready.dataUrl}/hello/`)).text(), 'hello two');

      // A save that does not change the bundle does not redeploy.
      mark = dev.stdoutLines.length;
      writeFileSync(join(app, 'hello.ts'), HELLO_SOURCE);
      synced = await dev.waitForEvent<Synced>('synced', { from: mark });
      assert.deepEqual(synced.deployed, []);
      assert.deepEqual(synced.unchanged, ['hello']);

      // A build error is reported; the node keeps serving the last good version.
      mark = dev.stdoutLines.length;
      writeFileSync(join(app, 'lib', 'word.ts'), "export const word = 'three'\nexport const = ;\n");
      const error = await dev.waitForEvent<{ function: string; message: string; details: string[] }>('error', { from: mark });
      assert.equal(error.function, 'hello');
      assert.match(error.message, /could not bundle/);
      assert.match(error.details[0] ?? '', /^lib\/word\.ts:2:\d+: /);
      assert.equal(await (await fetch(`${ready.dataUrl}/hello/`)).text(), 'hello two');
      assert.equal(dev.child.exitCode, null, 'still running');

      // Fixed: deployed again. A new file becomes a new function.
      mark = dev.stdoutLines.length;
      writeFileSync(join(app, 'lib', 'word.ts'), "export const word = 'four';\n");
      writeFileSync(join(app, 'bye.ts'), "export default { fetch() { return new Response('bye'); } };\n");
      const deployedNow = new Set<string>();
      while (deployedNow.size < 2) {
        const e = await dev.waitForEvent<Deployed>('deployed', { from: mark, match: (x) => !deployedNow.has(String(x.function)) });
        deployedNow.add(e.function);
      }
      assert.equal(await (await fetch(`${ready.dataUrl}/hello/`)).text(), 'hello four');
      assert.equal(await (await fetch(`${ready.dataUrl}/bye/`)).text(), 'bye');

      assert.equal(await dev.stop('SIGINT'), 0, 'Ctrl-C stops dev cleanly');
    } finally {
      await dev.stop('SIGKILL');
    }
  });

  it('runs the examples (cairn.json) unmodified', async () => {
    const dev = new CliProcess(['--json', '--data-dir', join(dir, 'examples-data'), 'dev', 'examples', '--port', '0', '--admin-port', '0', '--no-tail']);
    try {
      const ready = await dev.waitForEvent<{ dataUrl: string }>('ready', { timeoutMs: 60_000 });
      const synced = await dev.waitForEvent<Synced>('synced');
      assert.deepEqual([...synced.deployed].sort(), ['counter', 'echo', 'hello', 'stream'], JSON.stringify(synced));
      const base = ready.dataUrl;

      assert.equal(await (await fetch(`${base}/hello/`)).text(), 'Hello from Cairn!');
      assert.equal((await (await fetch(`${base}/hello/json`)).json() as { path: string }).path, '/hello/json');

      const echo = await (await fetch(`${base}/echo/x`, { method: 'POST', headers: { 'x-test': 'yes' }, body: 'ping' })).json() as { method: string; body: string; headers: Record<string, string> };
      assert.equal(echo.method, 'POST');
      assert.equal(echo.body, 'ping');
      assert.equal(echo.headers['x-test'], 'yes');

      await (await fetch(`${base}/counter/`, { method: 'DELETE' })).text();
      assert.deepEqual(await (await fetch(`${base}/counter/`)).json(), { visits: 1 });
      assert.deepEqual(await (await fetch(`${base}/counter/`)).json(), { visits: 2 });

      const stream = await fetch(`${base}/stream/?chunks=3&delay=5`);
      assert.equal(await stream.text(), 'chunk 1 of 3\nchunk 2 of 3\nchunk 3 of 3\n');

      assert.equal(await dev.stop('SIGTERM'), 0);
    } finally {
      await dev.stop('SIGKILL');
    }
  });
});
