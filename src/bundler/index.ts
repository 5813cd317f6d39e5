// Bundles a function's entry (TypeScript or JavaScript, with its pure-JS npm imports) into one ES
// module, the way Workers tooling does: esbuild, platform "neutral", the `workerd`/`worker`/`browser`
// export conditions and browser/module/main fields — never Node's. Node built-ins are refused with
// the import and the file that asked for them. The output is deterministic: file names in the bundle
// and in messages are relative to `root`, so the same sources give the same bytes and the same
// sha256 wherever they are built from.
import * as esbuild from 'esbuild';
import { createHash } from 'node:crypto';
import { builtinModules } from 'node:module';
import { existsSync, statSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';

export const MAX_BUNDLE_BYTES = 10 * 1024 * 1024;

export const BUNDLE_CONDITIONS = ['workerd', 'worker', 'browser'];
export const BUNDLE_MAIN_FIELDS = ['browser', 'module', 'main'];

export interface BundleOptions {
  /** Folder that file names in the bundle and in messages are relative to (default: the entry's folder). */
  root?: string;
  /** Largest accepted bundle in bytes (default 10 MiB). */
  maxBytes?: number;
  minify?: boolean;
  /** Extra compile-time replacements, as esbuild's `define`. */
  define?: Record<string, string>;
}

export interface BundleResult {
  /** The bundle: one ES module whose default export is the function. */
  code: string;
  /** sha256 (hex) of the UTF-8 bytes of `code`. */
  sha256: string;
  /** Size of `code` in bytes. */
  size: number;
  /** esbuild's warnings, formatted "file:line:col: text". */
  warnings: string[];
  /** Source files that went into the bundle, relative to `root` (for watchers and diagnostics). */
  inputs: string[];
}

/** A bundle that could not be built: `errors` holds one formatted line (plus notes) per problem. */
export class BundleError extends Error {
  readonly errors: string[];
  readonly hint: string;
  constructor(message: string, errors: string[], hint: string) {
    super(message);
    this.name = 'BundleError';
    this.errors = errors;
    this.hint = hint;
  }
}

const NODE_BUILTINS = new Set(builtinModules.filter((m) => !m.startsWith('_')));
const NODE_ONLY_TEXT = 'is a Node.js built-in module: functions run in a V8 isolate with web APIs only (no file system, sockets, child processes or `process`)';
const HINT_BUILTIN = 'use the web API instead (fetch, crypto.subtle, TextEncoder, ReadableStream, ...) or a package with a browser/Workers build; keep state in env bindings such as KV';

export async function bundle(entry: string, opts: BundleOptions = {}): Promise<BundleResult> {
  const entryPath = resolve(entry);
  if (!existsSync(entryPath) || !statSync(entryPath).isFile()) {
    throw new BundleError(`entry ${entry} does not exist`, [], 'pass the path of a .ts or .js file whose default export has fetch(request, env, ctx)');
  }
  const root = resolve(opts.root ?? dirname(entryPath));
  const maxBytes = opts.maxBytes ?? MAX_BUNDLE_BYTES;
  const entryRel = rel(root, entryPath);

  let result: esbuild.BuildResult<{ write: false; metafile: true }>;
  try {
    result = await esbuild.build({
      absWorkingDir: root,
      entryPoints: [entryPath],
      outfile: '__cairn_bundle.js',
      write: false,
      metafile: true,
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      conditions: BUNDLE_CONDITIONS,
      mainFields: BUNDLE_MAIN_FIELDS,
      resolveExtensions: ['.ts', '.tsx', '.mts', '.js', '.jsx', '.mjs', '.cjs', '.json'],
      target: 'es2022',
      charset: 'utf8',
      legalComments: 'inline',
      minify: opts.minify ?? false,
      sourcemap: false,
      logLevel: 'silent',
      // Libraries read these at build time to pick their production code (as Workers tooling does).
      define: { 'process.env.NODE_ENV': '"production"', ...opts.define },
      plugins: [noNodeBuiltins()],
    });
  } catch (err) {
    const failure = err as Partial<esbuild.BuildFailure>;
    if (!Array.isArray(failure.errors)) throw err;
    const errors = failure.errors.map((m) => formatMessage(explainUnresolved(m)));
    const builtin = failure.errors.some((m) => m.pluginName === 'cairn-no-node-builtins');
    const unresolved = failure.errors.some((m) => m.text.startsWith('Could not resolve'));
    const hint = builtin
      ? HINT_BUILTIN
      : unresolved
        ? 'install the package (npm install) next to the function, check the import path, or pick a package with a browser/Workers build'
        : `fix the error in ${failure.errors[0]?.location?.file ?? entryRel} and deploy again`;
    throw new BundleError(`could not bundle ${entryRel} (${plural(errors.length, 'error')})`, errors, hint);
  }

  const out = result.outputFiles[0];
  if (!out) throw new BundleError(`could not bundle ${entryRel}: esbuild produced no output`, [], 'report this as a bug');
  const bytes = out.contents;
  const code = out.text;
  const warnings = result.warnings.map((m) => formatMessage(m));
  const meta = Object.values(result.metafile.outputs)[0];
  if (meta && !meta.exports.includes('default')) {
    throw new BundleError(`${entryRel} has no default export`, [],
      'a function is an ES module whose default export has fetch(request, env, ctx): `export default { async fetch(request, env, ctx) { return new Response("hi"); } }`');
  }
  if (bytes.byteLength > maxBytes) {
    throw new BundleError(`the bundle of ${entryRel} is ${formatSize(bytes.byteLength)}, over the limit of ${formatSize(maxBytes)}`, [],
      'import less (check for large dependencies that pull in assets or polyfills) or move data into KV');
  }
  return {
    code,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    size: bytes.byteLength,
    warnings,
    inputs: Object.keys(result.metafile.inputs).sort(),
  };
}

/** Refuses `node:*` imports and bare imports of Node built-ins that no installed package provides. */
function noNodeBuiltins(): esbuild.Plugin {
  return {
    name: 'cairn-no-node-builtins',
    setup(build) {
      build.onResolve({ filter: /^[a-z_]/ }, async (args) => {
        if (args.pluginData === 'cairn-recheck') return undefined;
        const spec = args.path;
        const isNodeScheme = spec.startsWith('node:');
        const top = spec.split('/')[0] ?? spec;
        if (!isNodeScheme && !NODE_BUILTINS.has(spec) && !NODE_BUILTINS.has(top)) return undefined;
        if (!isNodeScheme) {
          // Some built-in names are also npm packages with web builds (buffer, events, punycode, ...):
          // when one is installed, that is what the import means.
          const r = await build.resolve(spec, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'cairn-recheck' });
          if (r.errors.length === 0 && r.path) return { path: r.path, external: r.external, namespace: r.namespace, sideEffects: r.sideEffects };
        }
        const pkg = packageOf(args.importer);
        return {
          errors: [{
            text: `"${spec}" ${NODE_ONLY_TEXT}`,
            notes: pkg ? [{ text: `it is imported by the npm package "${pkg}", which needs Node.js: use a package with a browser or Workers build instead` }] : [],
          }],
        };
      });
    },
  };
}

/**
 * esbuild's advice for an unresolvable package ("enable the node condition", "mark it external") is
 * wrong for functions: say instead that the package only has a Node.js build.
 */
function explainUnresolved(m: esbuild.Message): esbuild.Message {
  if (!m.text.startsWith('Could not resolve')) return m;
  const notes = m.notes.filter((n) => !n.text.startsWith('Consider enabling') && !n.text.startsWith('You can mark the path'));
  const conditions = m.notes.map((n) => /None of the conditions in the package definition \(([^)]*)\)/.exec(n.text)?.[1]).find((c) => c !== undefined);
  if (conditions !== undefined && /"node"/.test(conditions)) {
    const spec = /Could not resolve "([^"]+)"/.exec(m.text)?.[1] ?? 'the package';
    return { ...m, text: `${m.text}: "${spec}" only has a Node.js build (its export conditions are ${conditions}); functions are bundled with the ${BUNDLE_CONDITIONS.map((c) => `"${c}"`).join(', ')} conditions`, notes: [] };
  }
  return { ...m, notes };
}

/** The npm package a file belongs to, from its node_modules path. */
function packageOf(file: string): string | null {
  const parts = file.split(sep);
  const i = parts.lastIndexOf('node_modules');
  if (i < 0) return null;
  const first = parts[i + 1];
  if (!first) return null;
  return first.startsWith('@') ? `${first}/${parts[i + 2] ?? ''}` : first;
}

/** "file:line:col: text" and indented notes, like a compiler. */
export function formatMessage(m: Pick<esbuild.Message, 'text' | 'location' | 'notes'>): string {
  const where = (l: esbuild.Location | null) => (l ? `${l.file}:${l.line}:${l.column + 1}: ` : '');
  let s = `${where(m.location)}${m.text}`;
  if (m.location?.lineText) s += `\n    ${m.location.line} | ${m.location.lineText}`;
  for (const n of m.notes) s += `\n  note: ${where(n.location)}${n.text}`;
  return s;
}

function rel(root: string, file: string): string {
  const r = relative(root, file);
  return r === '' ? file : r.split(sep).join('/');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** 1536 → "1.5 KiB". */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let v = bytes / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return `${v >= 10 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}
