// The bootstrap scripts (dist/bootstrap*.js, built by scripts/build.mjs) and their V8 code caches.
// The caches are made once per process: the scripts run in a throwaway node:vm context (the main
// one installed there with inert bridges, then a typical request workload), so that each cache
// holds the bytecode of what a fresh context runs at start and on its first requests. Every
// isolate then compiles from those caches instead of from source.
import ivm from 'isolated-vm';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import vm from 'node:vm';
import { DIST_DIR } from '../../../shared/paths.ts';

export interface BootstrapSource {
  readonly name: string;
  readonly code: string;
  readonly filename: string;
  cachedData: ivm.ExternalCopy<ArrayBuffer> | undefined;
  /** Set once an isolate has accepted (or rejected) the cache. */
  checked: boolean;
}

/** Scripts the isolate may ask for by name (anything else is refused). */
export const LAZY_SCRIPTS: ReadonlySet<string> = new Set(['idna', 'compression', 'urlpattern', 'url', 'streams']);

const sources = new Map<string, BootstrapSource>();

function fileOf(name: string): string {
  return join(DIST_DIR, name === 'main' ? 'bootstrap.js' : `bootstrap-${name}.js`);
}

function filenameOf(name: string): string {
  return name === 'main' ? 'cairn:bootstrap' : `cairn:bootstrap-${name}`;
}

function missing(name: string): Error {
  return new Error(`${fileOf(name)} is missing: build the isolate bootstrap with "node scripts/build.mjs"`);
}

/**
 * What a typical function does on its first requests. Running it once while the caches are made
 * puts the bytecode of those paths in the caches, so a fresh isolate does not compile them again.
 */
const WARM_UP = `(async () => {
  const h = globalThis[Symbol.for('cairn.internal')];
  const pending = [];
  for (const [method, body] of [['GET', null], ['POST', new Uint8Array([123, 125])]]) {
    const req = h.makeRequest(method, 'https://example.com/a/b?x=1&y=two', ['content-type', 'application/json', 'accept', '*/*'], body);
    void [req.method, req.url, req.headers.get('accept')];
    const url = new URL(req.url);
    void [url.pathname, url.searchParams.get('x'), url.hostname, url.search];
    pending.push(body ? req.json() : req.text());
  }
  h.responseParts(new Response('hello', { status: 200, headers: { 'content-type': 'text/plain' } }));
  h.responseParts(Response.json({ ok: true }));
  await Promise.allSettled(pending);
})().catch(() => {})`;

/** Makes the code caches of every bootstrap script (once per process). */
function makeAll(): void {
  const codes = new Map<string, string>();
  for (const name of ['main', ...LAZY_SCRIPTS]) {
    const file = fileOf(name);
    if (existsSync(file)) codes.set(name, readFileSync(file, 'utf8'));
  }
  if (!codes.has('main')) throw missing('main');
  const scripts = new Map<string, vm.Script>();
  try {
    // Promise jobs run before runInContext returns, so async paths are compiled too.
    const ctx = vm.createContext({}, { microtaskMode: 'afterEvaluate' });
    const loaded = new Map<string, unknown>();
    // Bridges that only serve the warm-up: lazily loaded scripts run in the same throwaway context.
    const fakeHost = (op: string, a?: unknown): unknown => {
      if (op === 'load') {
        const name = String(a);
        if (!loaded.has(name)) {
          const code = codes.get(name);
          if (code === undefined) throw missing(name);
          const s = new vm.Script(code, { filename: filenameOf(name) });
          scripts.set(name, s);
          loaded.set(name, s.runInContext(ctx));
        }
        return loaded.get(name);
      }
      if (op === 'random') return new Uint8Array(Math.max(0, Number(a) | 0));
      if (op === 'now') return 0;
      return undefined;
    };
    const main = new vm.Script(codes.get('main')!, { filename: filenameOf('main') });
    scripts.set('main', main);
    const install = main.runInContext(ctx);
    // A stand-in for the isolate-side ExternalCopy (copies instead of detaching).
    const ec = vm.runInContext('new (class ExternalCopy { constructor(b) { this.b = b; } copy() { return this.b.slice(0); } })(0)', ctx);
    install(fakeHost, ec, 0);
    vm.runInContext(WARM_UP, ctx);
  } catch {
    // A failed warm-up only means smaller caches.
  }
  for (const [name, code] of codes) {
    let script = scripts.get(name);
    if (!script) {
      try {
        script = new vm.Script(code, { filename: filenameOf(name) });
        script.runInContext(vm.createContext({}));
      } catch {
        script = undefined;
      }
    }
    const buf = script?.createCachedData();
    const cachedData = buf ? new ivm.ExternalCopy(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer) : undefined;
    sources.set(name, { name, code, filename: filenameOf(name), cachedData, checked: false });
  }
}

export function bootstrapSource(name: string): BootstrapSource {
  let s = sources.get(name);
  if (s) return s;
  if (name !== 'main' && !LAZY_SCRIPTS.has(name)) throw new Error(`unknown bootstrap script ${name}`);
  if (!sources.has('main')) makeAll();
  s = sources.get(name);
  if (!s) throw missing(name);
  return s;
}

/** Compiles `source` in `isolate`, using (and if V8 refuses it, replacing) the code cache. */
export function compileBootstrap(isolate: ivm.Isolate, source: BootstrapSource): ivm.Script {
  const script = isolate.compileScriptSync(source.code, {
    filename: source.filename,
    cachedData: source.cachedData,
    produceCachedData: !source.checked,
  } as ivm.ScriptOrigin & ivm.CachedDataOptions);
  if (!source.checked) {
    source.checked = true;
    if ((script as any).cachedDataRejected === true || source.cachedData === undefined) {
      const produced = (script as any).cachedData as ivm.ExternalCopy<ArrayBuffer> | undefined;
      if (produced) source.cachedData = produced;
    }
  }
  return script;
}
