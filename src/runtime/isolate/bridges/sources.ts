// The bootstrap scripts (dist/bootstrap*.js, built by scripts/build.mjs) and their V8 code cache.
// The cache is produced once per process: each script runs once in a throwaway node:vm context
// (the main one is also installed there with inert bridges) so that the cache holds the bytecode
// of everything a fresh context runs, then every isolate compiles from that cache.
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

function warmUp(code: string, filename: string, isMain: boolean): Buffer | undefined {
  try {
    const script = new vm.Script(code, { filename });
    const ctx = vm.createContext({});
    const result = script.runInContext(ctx);
    if (isMain && typeof result === 'function') {
      // Inert bridges: nothing here reaches the host; this only gets install()'s code compiled.
      const inert = vm.runInContext('(function () { return undefined; })', ctx);
      const ec = vm.runInContext('({ constructor: function ExternalCopy() {} })', ctx);
      result(inert, ec, 0);
    }
    return script.createCachedData();
  } catch {
    return undefined;
  }
}

export function bootstrapSource(name: string): BootstrapSource {
  let s = sources.get(name);
  if (s) return s;
  const file = join(DIST_DIR, name === 'main' ? 'bootstrap.js' : `bootstrap-${name}.js`);
  if (!existsSync(file)) {
    throw new Error(`${file} is missing: build the isolate bootstrap with "node scripts/build.mjs"`);
  }
  const code = readFileSync(file, 'utf8');
  const filename = name === 'main' ? 'cairn:bootstrap' : `cairn:bootstrap-${name}`;
  const buf = warmUp(code, filename, name === 'main');
  const cachedData = buf ? new ivm.ExternalCopy(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer) : undefined;
  s = { name, code, filename, cachedData, checked: false };
  sources.set(name, s);
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
