// `cairn init [dir]`: a project with one example function, a typed `Env`, a tsconfig for editors
// and `tsc`, and a .gitignore. Refuses to overwrite anything.
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { FUNCTION_NAME } from '../../config/schema.ts';
import { CliError } from '../errors.ts';
import type { Context } from '../context.ts';
import { displayPath } from '../output.ts';

/** A function name from a folder name: "My App" → "my-app"; "hello" when nothing usable is left. */
export function functionNameFor(dir: string): string {
  const n = basename(resolve(dir)).toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^[^a-z]+/, '').replace(/-+$/, '').slice(0, 63).replace(/-+$/, '');
  return FUNCTION_NAME.test(n) ? n : 'hello';
}

export function scaffold(name: string): Record<string, string> {
  const cairnJson = {
    functions: {
      [name]: {
        entry: 'src/index.ts',
        vars: { GREETING: 'Hello' },
        bindings: { KV: { type: 'kv' } },
        limits: { memoryMb: 128, cpuMs: 50, timeoutMs: 30000 },
      },
    },
  };
  return {
    'cairn.json': `${JSON.stringify(cairnJson, null, 2)}\n`,
    'src/index.ts': `// A Cairn function: an ES module whose default export has fetch(request, env, ctx) (the
// Workers convention, so it also runs on workerd and Deno). \`env\` holds what cairn.json grants:
// here the variable GREETING and the KV store KV (see env.d.ts).
export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    const visits = Number((await env.KV.get('visits')) ?? '0') + 1;
    // Work that may finish after the response is sent.
    ctx.waitUntil(env.KV.put('visits', String(visits)));
    const body = { message: \`\${env.GREETING} from Cairn!\`, method: request.method, path: url.pathname, visits };
    return new Response(JSON.stringify(body, null, 2), { headers: { 'content-type': 'application/json; charset=utf-8' } });
  },
} satisfies ExportedHandler<Env>;
`,
    'env.d.ts': `// What Cairn passes to the function. Keep \`Env\` in step with cairn.json: "vars" and "secrets" are
// strings, a "kv" binding is a KVNamespace.
interface Env {
  GREETING: string;
  KV: KVNamespace;
}

interface KVNamespace {
  get(key: string): Promise<string | null>;
  get(key: string, type: 'text'): Promise<string | null>;
  get<T = unknown>(key: string, type: 'json'): Promise<T | null>;
  get(key: string, type: 'arrayBuffer'): Promise<ArrayBuffer | null>;
  put(key: string, value: string | ArrayBuffer | ArrayBufferView, options?: { expirationTtl?: number; expiration?: number; metadata?: unknown }): Promise<void>;
  delete(key: string): Promise<void>;
  list(options?: { prefix?: string; cursor?: string; limit?: number }): Promise<{ keys: Array<{ name: string; expiration?: number; metadata?: unknown }>; list_complete: boolean; cursor?: string }>;
}

interface ExecutionContext {
  /** Keeps the invocation alive until the promise settles, after the response is sent. */
  waitUntil(promise: Promise<unknown>): void;
}

interface ExportedHandler<E = unknown> {
  fetch?(request: Request, env: E, ctx: ExecutionContext): Response | Promise<Response>;
}
`,
    'tsconfig.json': `${JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'ESNext',
        moduleResolution: 'Bundler',
        lib: ['ES2022', 'WebWorker'],
        types: [],
        strict: true,
        noEmit: true,
        isolatedModules: true,
        skipLibCheck: true,
      },
      include: ['src', 'env.d.ts'],
    }, null, 2)}\n`,
    '.gitignore': 'node_modules/\n.cairn/\n',
  };
}

export function initProject(dir: string): { dir: string; name: string; files: string[] } {
  const root = resolve(dir);
  if (existsSync(root) && !statSync(root).isDirectory()) throw new CliError(`${dir} exists and is not a folder`, { hint: 'pass a new or existing folder' });
  const name = functionNameFor(root);
  const files = scaffold(name);
  const taken = Object.keys(files).filter((f) => existsSync(join(root, f)));
  if (taken.length > 0) {
    const shown = taken.map((f) => displayPath(join(root, f)));
    throw new CliError(`will not overwrite ${shown.join(', ')}`, {
      hint: taken.length === Object.keys(files).length ? 'this folder already holds a project: run `cairn dev` in it' : 'run `cairn init` in a new or empty folder (e.g. `cairn init my-app`), or move those files away',
    });
  }
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(join(root, f, '..'), { recursive: true });
    writeFileSync(join(root, f), text, { flag: 'wx' });
  }
  return { dir: root, name, files: Object.keys(files) };
}

export function initCommand(ctx: Context, dir = '.'): void {
  const r = initProject(dir);
  if (ctx.json) return ctx.printJson(r);
  const shown = displayPath(r.dir);
  ctx.print(`created a Cairn project in ${shown} with the function "${r.name}":`);
  for (const f of r.files) ctx.print(`  ${f}`);
  ctx.print('');
  ctx.print('next:');
  if (shown !== '.') ctx.print(`  cd ${shown}`);
  ctx.print('  cairn dev            # runs it on http://127.0.0.1:8787/' + r.name + '/ and redeploys on save');
  ctx.print('  cairn deploy src/index.ts   # deploys it to a running node');
}
