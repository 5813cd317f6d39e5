import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { bundle, BundleError, formatSize, MAX_BUNDLE_BYTES } from '../../src/bundler/index.ts';

let dir: string;

function write(rel: string, text: string): string {
  const p = join(dir, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
  return p;
}

async function bundleError(entry: string, opts: Parameters<typeof bundle>[1] = {}): Promise<BundleError> {
  try {
    await bundle(entry, opts);
  } catch (err) {
    assert.ok(err instanceof BundleError, `expected a BundleError, got ${String(err)}`);
    return err;
  }
  assert.fail('the bundle was expected to fail');
}

/** Evaluates a bundle as an ES module and returns its default export. */
async function load(code: string): Promise<{ fetch(req: Request): Promise<Response> | Response }> {
  const mod = (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as { default: { fetch(req: Request): Promise<Response> | Response } };
  return mod.default;
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-bundle-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('bundle', () => {
  it('bundles a TypeScript entry and its local imports into one ES module with a default export', async () => {
    write('ts/greet.ts', 'export function greet(name: string): string { return `Hello, ${name}!`; }\n');
    const entry = write('ts/index.ts', [
      "import { greet } from './greet.ts';",
      'interface Env { NAME?: string }',
      'export default {',
      '  async fetch(request: Request, env: Env): Promise<Response> {',
      "    return new Response(greet(env?.NAME ?? 'Cairn') + ' ' + new URL(request.url).pathname);",
      '  },',
      '};',
    ].join('\n'));
    const r = await bundle(entry);
    assert.doesNotMatch(r.code, /interface Env|: string/, 'types are stripped');
    assert.doesNotMatch(r.code, /^\s*import\s/m, 'no imports are left');
    assert.match(r.code, /export\s*{[^}]*as default/);
    assert.equal(r.size, Buffer.byteLength(r.code));
    assert.equal(r.sha256, createHash('sha256').update(r.code).digest('hex'));
    assert.deepEqual(r.inputs, ['greet.ts', 'index.ts']);
    assert.deepEqual(r.warnings, []);
    const fn = await load(r.code);
    const res = await fn.fetch(new Request('http://x/hello/'));
    assert.equal(await res.text(), 'Hello, Cairn! /hello/');
  });

  it('bundles JavaScript entries too', async () => {
    const entry = write('js/index.js', "export default { fetch() { return new Response('js'); } };\n");
    const r = await bundle(entry);
    assert.equal(await (await (await load(r.code)).fetch(new Request('http://x/'))).text(), 'js');
  });

  it('resolves npm packages with the browser condition, never Node\'s', async () => {
    write('pkg/node_modules/dual/package.json', JSON.stringify({
      name: 'dual', version: '1.0.0', main: './node.js',
      exports: { '.': { node: './node.js', browser: './browser.js', default: './node.js' } },
    }));
    write('pkg/node_modules/dual/browser.js', "export const build = 'browser';\n");
    write('pkg/node_modules/dual/node.js', "import fs from 'fs';\nexport const build = 'node' + typeof fs;\n");
    write('pkg/node_modules/fields/package.json', JSON.stringify({ name: 'fields', version: '1.0.0', main: './main.js', browser: './web.js' }));
    write('pkg/node_modules/fields/web.js', "module.exports = 'web';\n");
    write('pkg/node_modules/fields/main.js', "module.exports = require('fs') ? 'main' : 'main';\n");
    const entry = write('pkg/index.ts', [
      "import { build } from 'dual';",
      "import fields from 'fields';",
      'export default { fetch() { return new Response(build + "," + fields); } };',
    ].join('\n'));
    const r = await bundle(entry);
    assert.deepEqual(r.inputs, ['index.ts', 'node_modules/dual/browser.js', 'node_modules/fields/web.js']);
    assert.equal(await (await (await load(r.code)).fetch(new Request('http://x/'))).text(), 'browser,web');
  });

  it('is deterministic: the same sources give the same bytes, wherever they are built from', async () => {
    const a = write('det/a/index.ts', "import { v } from './v.ts';\nexport default { fetch() { return new Response(v); } };\n");
    write('det/a/v.ts', "export const v = 'same';\n");
    const b = write('det/b/nested/index.ts', "import { v } from './v.ts';\nexport default { fetch() { return new Response(v); } };\n");
    write('det/b/nested/v.ts', "export const v = 'same';\n");
    const [r1, r2, r3] = await Promise.all([bundle(a), bundle(a), bundle(b)]);
    assert.equal(r1?.code, r2?.code);
    assert.equal(r1?.sha256, r2?.sha256);
    assert.equal(r1?.sha256, r3?.sha256, 'file names are relative to the root, so the absolute location does not matter');
    write('det/a/v.ts', "export const v = 'changed';\n");
    assert.notEqual((await bundle(a)).sha256, r1?.sha256);
  });

  it('rejects a node: import, naming the import and the file with its line', async () => {
    const entry = write('nodefs/index.ts', "// reads a file\nimport { readFileSync } from 'node:fs';\nexport default { fetch() { return new Response(String(readFileSync)); } };\n");
    const e = await bundleError(entry);
    assert.equal(e.errors.length, 1);
    assert.match(e.errors[0] ?? '', /^index\.ts:2:\d+: "node:fs" is a Node\.js built-in module/);
    assert.match(e.message, /could not bundle index\.ts/);
    assert.match(e.hint, /web API/);
  });

  it('rejects a bare Node built-in and a Node-only package, naming the package', async () => {
    write('nodeonly/node_modules/fs-helper/package.json', JSON.stringify({ name: 'fs-helper', version: '1.0.0', main: 'index.js' }));
    write('nodeonly/node_modules/fs-helper/index.js', "const fs = require('fs');\nmodule.exports = fs.readFileSync;\n");
    const entry = write('nodeonly/index.ts', "import read from 'fs-helper';\nexport default { fetch() { return new Response(String(read)); } };\n");
    const e = await bundleError(entry);
    assert.match(e.errors[0] ?? '', /^node_modules\/fs-helper\/index\.js:1:\d+: "fs" is a Node\.js built-in module/);
    assert.match(e.errors[0] ?? '', /npm package "fs-helper", which needs Node\.js/);

    const bare = write('bare/index.ts', "import { createHash } from 'crypto';\nexport default { fetch() { return new Response(String(createHash)); } };\n");
    assert.match((await bundleError(bare)).errors[0] ?? '', /^index\.ts:1:\d+: "crypto" is a Node\.js built-in module/);
  });

  it('lets an installed npm package with a built-in\'s name win over the built-in', async () => {
    write('shadow/node_modules/events/package.json', JSON.stringify({ name: 'events', version: '3.3.0', main: 'events.js' }));
    write('shadow/node_modules/events/events.js', "module.exports = function EventEmitter() {};\nmodule.exports.web = 'yes';\n");
    const entry = write('shadow/index.ts', "import events from 'events';\nexport default { fetch() { return new Response((events as any).web); } };\n");
    const r = await bundle(entry);
    assert.equal(await (await (await load(r.code)).fetch(new Request('http://x/'))).text(), 'yes');
  });

  it('explains a package that only has a Node.js build', async () => {
    write('onlynode/node_modules/server-only/package.json', JSON.stringify({ name: 'server-only', version: '1.0.0', exports: { '.': { node: './index.js' } } }));
    write('onlynode/node_modules/server-only/index.js', 'export const x = 1;\n');
    const entry = write('onlynode/index.ts', "import { x } from 'server-only';\nexport default { fetch() { return new Response(String(x)); } };\n");
    const e = await bundleError(entry);
    assert.match(e.errors[0] ?? '', /^index\.ts:1:\d+: Could not resolve "server-only": "server-only" only has a Node\.js build/);
    assert.doesNotMatch(e.errors[0] ?? '', /Consider enabling/);
  });

  it('reports a syntax error with file:line:column', async () => {
    const entry = write('syntax/index.ts', "export default {\n  fetch() {\n    return new Response('x';\n  },\n};\n");
    const e = await bundleError(entry);
    assert.match(e.errors[0] ?? '', /^index\.ts:3:\d+: Expected "\)" but found ";"/);
    assert.match(e.hint, /index\.ts/);
  });

  it('reports a missing import with the importing file and line', async () => {
    const entry = write('missing/index.ts', "\nimport { nope } from './nope.ts';\nexport default { fetch() { return new Response(nope); } };\n");
    const e = await bundleError(entry);
    assert.match(e.errors[0] ?? '', /^index\.ts:2:\d+: Could not resolve "\.\/nope\.ts"/);
  });

  it('requires a default export', async () => {
    const entry = write('nodefault/index.ts', 'export const fetch = () => new Response("x");\n');
    const e = await bundleError(entry);
    assert.match(e.message, /index\.ts has no default export/);
    assert.match(e.hint, /export default/);
  });

  it('refuses a bundle over the size limit', async () => {
    assert.equal(MAX_BUNDLE_BYTES, 10 * 1024 * 1024);
    const entry = write('big/index.ts', `const blob = ${JSON.stringify('x'.repeat(4096))};\nexport default { fetch() { return new Response(blob); } };\n`);
    const e = await bundleError(entry, { maxBytes: 1024 });
    assert.match(e.message, /the bundle of index\.ts is 4\.\d KiB, over the limit of 1\.0 KiB/);
    const ok = await bundle(entry);
    assert.ok(ok.size > 4096);
  });

  it('names a missing entry', async () => {
    const e = await bundleError(join(dir, 'nope', 'index.ts'));
    assert.match(e.message, /does not exist/);
  });

  it('makes file names relative to the given root', async () => {
    const entry = write('rooted/src/index.ts', "export default { fetch() { return new Response('x' }; };\n");
    const e = await bundleError(entry, { root: join(dir, 'rooted') });
    assert.match(e.errors[0] ?? '', /^src\/index\.ts:1:\d+:/);
  });
});

describe('formatSize', () => {
  it('uses binary units', () => {
    assert.equal(formatSize(512), '512 B');
    assert.equal(formatSize(1536), '1.5 KiB');
    assert.equal(formatSize(10 * 1024 * 1024), '10 MiB');
  });
});
