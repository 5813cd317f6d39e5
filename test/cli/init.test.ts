import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { functionNameFor, initProject } from '../../src/cli/commands/init.ts';
import { loadProject, planDeploy } from '../../src/cli/config.ts';
import { bundle } from '../../src/bundler/index.ts';
import { CliError } from '../../src/cli/errors.ts';
import { PACKAGE_ROOT } from '../../src/shared/paths.ts';

let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-init-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

const FILES = ['cairn.json', 'src/index.ts', 'env.d.ts', 'tsconfig.json', '.gitignore'];

describe('cairn init', () => {
  it('scaffolds a project whose cairn.json is valid and whose function bundles', async () => {
    const root = join(dir, 'My App');
    const r = initProject(root);
    assert.equal(r.name, 'my-app');
    assert.deepEqual(r.files, FILES);
    for (const f of FILES) assert.ok(existsSync(join(root, f)), `${f} exists`);
    const project = loadProject(join(root, 'cairn.json'));
    assert.equal(project.config.functions['my-app']?.entry, 'src/index.ts');
    assert.deepEqual(project.config.functions['my-app']?.bindings, { KV: { type: 'kv' } });
    assert.match(readFileSync(join(root, 'env.d.ts'), 'utf8'), /interface Env \{\n {2}GREETING: string;\n {2}KV: KVNamespace;/);
    assert.match(readFileSync(join(root, '.gitignore'), 'utf8'), /^\.cairn\/$/m);

    // `cairn deploy src/index.ts` from the project finds cairn.json above src/ and the function's name.
    const plan = planDeploy(join(root, 'src/index.ts'), { cwd: root });
    assert.equal(plan.name, 'my-app');
    assert.equal(plan.root, root);
    const b = await bundle(plan.entryPath, { root: plan.root });
    assert.match(b.code, /export\s*{[^}]*as default/);

    // The function works against a Workers-style env.
    const store = new Map<string, string>();
    const env = { GREETING: 'Hi', KV: { get: async (k: string) => store.get(k) ?? null, put: async (k: string, v: string) => { store.set(k, v); } } };
    const waits: Promise<unknown>[] = [];
    const mod = (await import(`data:text/javascript;base64,${Buffer.from(b.code).toString('base64')}`)) as { default: { fetch(r: Request, e: unknown, c: unknown): Promise<Response> } };
    const res = await mod.default.fetch(new Request('http://x/my-app/'), env, { waitUntil: (p: Promise<unknown>) => waits.push(p) });
    await Promise.all(waits);
    assert.deepEqual(await res.json(), { message: 'Hi from Cairn!', method: 'GET', path: '/my-app/', visits: 1 });
    assert.equal(store.get('visits'), '1');
  });

  it('type-checks with its own tsconfig', async () => {
    const root = join(dir, 'typed');
    initProject(root);
    const tsc = join(PACKAGE_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], { cwd: root });
      let out = '';
      child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
      child.on('close', (code) => resolve({ code, out }));
    });
    assert.equal(r.code, 0, r.out);
  });

  it('refuses to overwrite anything, and writes nothing then', () => {
    const root = join(dir, 'taken');
    mkdirSync(root);
    writeFileSync(join(root, 'tsconfig.json'), '{"mine": true}');
    assert.throws(() => initProject(root), (err: unknown) => {
      assert.ok(err instanceof CliError);
      assert.match(err.message, /will not overwrite .*tsconfig\.json/);
      assert.match(err.hint ?? '', /new or empty folder/);
      return true;
    });
    assert.equal(readFileSync(join(root, 'tsconfig.json'), 'utf8'), '{"mine": true}');
    assert.equal(existsSync(join(root, 'cairn.json')), false);
  });

  it('refuses a second init of the same folder', () => {
    const root = join(dir, 'twice');
    initProject(root);
    assert.throws(() => initProject(root), /will not overwrite .*cairn\.json, .*src\/index\.ts/);
  });

  it('names the function after the folder', () => {
    assert.equal(functionNameFor('/x/orders_api'), 'orders-api');
    assert.equal(functionNameFor('/x/123'), 'hello');
    assert.equal(functionNameFor('/x/2fast'), 'fast');
  });
});
