// `cairn dev [dir]`: a node for development (data in <dir>/.cairn), every function of the folder
// deployed to it over HTTP with the same client code as `cairn deploy`, redeployed on save when
// its bundle (or its settings) changed. Build and deploy errors are printed, never fatal. The
// functions' console output is printed as it arrives.
//
// With --json, stdout carries one JSON event per line ("ready", "deployed", "error", "log") and
// the human lines go to stderr.
import { existsSync, readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, extname, join, relative, resolve, sep } from 'node:path';
import type { FunctionConfigInput } from '../../config/schema.ts';
import { FUNCTION_NAME } from '../../config/schema.ts';
import { ApiError, CairnClient, ConnectError, type DeployResult } from '../client.ts';
import { applyFlags, loadProject, PROJECT_FILE } from '../config.ts';
import { CliError } from '../errors.ts';
import { toCliError, type Context } from '../context.ts';
import { displayPath, formatSize } from '../output.ts';
import { BundleError } from '../../bundler/index.ts';
import { buildFunction, uploadFunction } from './deploy.ts';
import { formatLog, LOGS_PAGE } from './logs.ts';
import { describeToken, nodeOptions, startNodeOrExplain, untilSignal, type NodeFlags } from './serve.ts';

export interface DevFlags extends NodeFlags {
  tail?: boolean;
}

export interface DevFunction {
  name: string;
  entryPath: string;
  config: FunctionConfigInput;
  /** Found as a top-level file (no cairn.json): a file without a default export is a helper, not a function. */
  implicit?: boolean;
}

const SOURCE = /\.(ts|mts|js|mjs)$/;
const IGNORED_DIRS = new Set(['.cairn', 'node_modules', '.git']);
export const DEBOUNCE_MS = 150;

/**
 * The functions of a folder: those of its cairn.json (each with an `entry`), else one per top-level
 * .ts/.js file, named after the file.
 */
export function discoverFunctions(root: string, warn: (s: string) => void = () => {}): DevFunction[] {
  const file = join(root, PROJECT_FILE);
  if (existsSync(file)) {
    const project = loadProject(file);
    const fns: DevFunction[] = [];
    for (const [name, fn] of Object.entries(project.config.functions)) {
      if (fn.entry === undefined) { warn(`${project.label}: functions.${name} has no "entry": skipped (add "entry": "<file>.ts")`); continue; }
      const entryPath = resolve(project.dir, fn.entry);
      if (!existsSync(entryPath)) { warn(`${project.label}: functions.${name}.entry: ${fn.entry} does not exist: skipped`); continue; }
      fns.push({ name, entryPath, config: applyFlags(project.raw[name], {}, { label: project.label, name }).config });
    }
    return fns;
  }
  const fns: DevFunction[] = [];
  for (const f of readdirSync(root).sort()) {
    if (!SOURCE.test(f) || f.endsWith('.d.ts') || f.endsWith('.d.mts')) continue;
    const p = join(root, f);
    if (!statSync(p).isFile()) continue;
    const name = basename(f, extname(f));
    if (name.includes('.')) continue; // vite.config.ts, foo.test.ts: not functions
    if (!FUNCTION_NAME.test(name)) { warn(`${f}: "${name}" is not a function name (a-z, 0-9, "-", starting with a letter): skipped`); continue; }
    if (fns.some((x) => x.name === name)) { warn(`${f}: a function "${name}" already comes from another file: skipped`); continue; }
    fns.push({ name, entryPath: p, config: {}, implicit: true });
  }
  return fns;
}

/** True for paths (relative to the watched folder) whose changes do not matter. */
export function isIgnored(rel: string, extraIgnored: string[] = []): boolean {
  const parts = rel.split(/[\\/]/);
  if (parts.some((p) => IGNORED_DIRS.has(p))) return true;
  return extraIgnored.some((d) => rel === d || rel.startsWith(d + sep) || rel.startsWith(d + '/'));
}

interface Deployed { key: string; result: DeployResult }

export async function devCommand(ctx: Context, dir: string | undefined, flags: DevFlags): Promise<void> {
  const root = resolve(dir ?? '.');
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new CliError(`${dir ?? '.'} is not a folder`, { hint: 'pass the folder that holds cairn.json or the function files (default: the current folder)' });
  const dataDir = ctx.dataDirGiven ? ctx.dataDir : join(root, '.cairn');
  const opts = nodeOptions(flags, dataDir, { logFormat: 'pretty' });

  const human = (s: string) => (ctx.json ? ctx.info(s) : ctx.print(s));
  const event = (e: Record<string, unknown>) => { if (ctx.json) process.stdout.write(`${JSON.stringify(e)}\n`); };
  const reportError = (fn: string | null, err: unknown) => {
    const base = toCliError(err, ctx);
    const e = err instanceof BundleError ? new CliError(base.message, { details: base.details, hint: 'fix it and save: the last good version keeps serving meanwhile' }) : base;
    human(`✗ ${fn ? `${fn}: ` : ''}${e.message}${e.details.length ? `\n${e.details.map((d) => d.split('\n').map((l) => `    ${l}`).join('\n')).join('\n')}` : ''}${e.hint ? `\n  hint: ${e.hint}` : ''}`);
    event({ event: 'error', function: fn, message: e.message, details: e.details, hint: e.hint ?? null });
  };

  // Read the folder first: a broken cairn.json at start is worth saying before anything else.
  let functions: DevFunction[] = [];
  try {
    functions = discoverFunctions(root, (s) => ctx.warn(s));
  } catch (err) {
    reportError(null, err);
  }

  const node = await startNodeOrExplain(opts);
  const client = new CairnClient({ url: node.adminUrl, token: node.adminToken, userAgent: 'cairn-dev' });
  human([
    `cairn dev: ${displayPath(root)}`,
    `  data plane:    ${node.dataUrl}`,
    `  control plane: ${node.adminUrl}`,
    ...describeToken(node, dataDir),
  ].join('\n'));
  event({ event: 'ready', dataUrl: node.dataUrl, adminUrl: node.adminUrl, adminToken: node.adminToken });

  const deployed = new Map<string, Deployed>();
  const helpers = new Set<string>();
  const tails = new Map<string, AbortController>();
  const stopping = new AbortController();

  /** Starts printing a function's new logs; resolves once it knows where "new" starts. */
  const tail = async (name: string): Promise<void> => {
    if (flags.tail === false || tails.has(name)) return;
    const ac = new AbortController();
    tails.set(name, ac);
    const after = await lastLogId(client, name, ac.signal);
    void followLogs(client, name, after, ac.signal, (line, entry) => {
      human(`[${name}] ${line}`);
      event({ event: 'log', function: name, ...entry });
    });
  };

  /** Builds every function and deploys those whose bundle or settings changed. */
  const sync = async (first: boolean) => {
    if (!first) {
      try {
        functions = discoverFunctions(root, (s) => ctx.warn(s));
      } catch (err) {
        reportError(null, err);
        event({ event: 'synced', deployed: [], unchanged: [], failed: [PROJECT_FILE], skipped: [] });
        return;
      }
    }
    if (first && functions.length === 0) {
      human(`no functions in ${displayPath(root)} yet: add ${PROJECT_FILE} or a .ts file with \`export default { fetch(request, env, ctx) { ... } }\`; watching for it...`);
    }
    const summary = { deployed: [] as string[], unchanged: [] as string[], failed: [] as string[], skipped: [] as string[] };
    for (const fn of functions) {
      if (stopping.signal.aborted) return;
      try {
        let built;
        try {
          built = await buildFunction(fn.entryPath, root);
        } catch (err) {
          if (fn.implicit && err instanceof BundleError && / has no default export$/.test(err.message)) {
            if (!helpers.has(fn.name)) human(`  ${relative(root, fn.entryPath)} has no default export: not a function`);
            helpers.add(fn.name);
            summary.skipped.push(fn.name);
            continue;
          }
          throw err;
        }
        helpers.delete(fn.name);
        for (const w of built.warnings) ctx.warn(`${fn.name}: ${w}`);
        const key = `${built.sha256} ${JSON.stringify(fn.config)}`;
        if (deployed.get(fn.name)?.key === key) { summary.unchanged.push(fn.name); continue; }
        const secrets: Record<string, string> = {};
        for (const s of fn.config.secrets ?? []) { const v = ctx.env[s]; if (v !== undefined) secrets[s] = v; }
        const result = await uploadFunction(client, fn.name, built.code, fn.config, secrets);
        const before = deployed.get(fn.name);
        deployed.set(fn.name, { key, result });
        const v = result.version;
        human(before
          ? `↻ ${fn.name}: version ${v.number} (${formatSize(v.size)})  ${result.routes.join(' ')}`
          : `✓ ${fn.name}  ${result.routes.join(' ')}  (version ${v.number}, ${formatSize(v.size)})`);
        event({ event: 'deployed', function: fn.name, version: v.id, number: v.number, size: v.size, sha256: v.sha256, created: result.created, routes: result.routes });
        summary.deployed.push(fn.name);
        await tail(fn.name);
      } catch (err) {
        if (err instanceof ConnectError && stopping.signal.aborted) return;
        summary.failed.push(fn.name);
        reportError(fn.name, err);
      }
    }
    event({ event: 'synced', ...summary });
  };

  await sync(true);

  // Rebuilds run one at a time; saves during a rebuild schedule one more.
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;
  let again = false;
  const run = () => {
    if (running) { again = true; return; }
    running = sync(false).finally(() => {
      running = null;
      if (again && !stopping.signal.aborted) { again = false; run(); }
    });
  };
  const ignoredData = relative(root, dataDir);
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(root, { recursive: true }, (_event, filename) => {
      if (filename && isIgnored(filename.toString(), ignoredData && !ignoredData.startsWith('..') ? [ignoredData] : [])) return;
      clearTimeout(timer);
      timer = setTimeout(run, DEBOUNCE_MS);
    });
    watcher.on('error', (err) => ctx.warn(`watching ${root} failed: ${err.message}; saves are no longer picked up`));
    human(`watching ${displayPath(root)} for changes (Ctrl-C to stop)`);
  } catch (err) {
    ctx.warn(`cannot watch ${root}: ${(err as Error).message}; redeploy by restarting \`cairn dev\``);
  }
  event({ event: 'watching', dir: root });

  await untilSignal(ctx, async () => {
    stopping.abort();
    clearTimeout(timer);
    watcher?.close();
    for (const ac of tails.values()) ac.abort();
    if (running) await running;
    await node.close();
  });
  ctx.info('stopped');
}

/** The id of the function's newest log (0 when none or unknown): what was logged before is not shown. */
async function lastLogId(client: CairnClient, name: string, signal: AbortSignal): Promise<number> {
  let after = 0;
  try {
    for (;;) {
      const page = await client.logs(name, { after, limit: LOGS_PAGE, signal });
      after = Math.max(after, page.last ?? after, ...page.items.map((i) => i.id));
      if (page.items.length < LOGS_PAGE) return after;
    }
  } catch {
    return after;
  }
}

/** Prints the function's logs newer than `after` as they come, until aborted. */
async function followLogs(client: CairnClient, name: string, after: number, signal: AbortSignal, onLog: (line: string, entry: Record<string, unknown>) => void): Promise<void> {
  while (!signal.aborted) {
    try {
      const page = await client.logs(name, { after, limit: LOGS_PAGE, wait: 25, signal });
      for (const e of page.items) onLog(formatLog(e), { ...e });
      after = Math.max(after, page.last ?? after, ...page.items.map((i) => i.id));
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof ApiError && err.code === 'function-not-found') return;
      // The node is going away or hiccuped: try again shortly.
      await new Promise<void>((r) => { const t = setTimeout(r, 1000); signal.addEventListener('abort', () => { clearTimeout(t); r(); }, { once: true }); });
    }
  }
}
