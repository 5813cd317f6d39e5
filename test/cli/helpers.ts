// Test helpers for the CLI: run `node bin/cairn.js` as a child process (after `node scripts/build.mjs`),
// and a small in-memory admin API on a real node:http server that answers like a Cairn node
// (JSON, problem+json, pagination, long-polled logs).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/shared/paths.ts';

export const CAIRN_BIN = join(PACKAGE_ROOT, 'bin', 'cairn.js');

export function assertBuilt(): void {
  if (!existsSync(join(PACKAGE_ROOT, 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: run `node scripts/build.mjs` (npm test does) before these tests');
}

export interface CliRun { code: number | null; stdout: string; stderr: string; stdoutBytes: Buffer }

/** Runs `node bin/cairn.js ...args` without blocking this process (a server in it may have to answer). */
export function runCli(args: string[], opts: { env?: Record<string, string | undefined>; cwd?: string; input?: string; timeoutMs?: number } = {}): Promise<CliRun> {
  const env: Record<string, string | undefined> = { ...process.env, CAIRN_URL: undefined, CAIRN_TOKEN: undefined, CAIRN_DATA_DIR: undefined, CAIRN_PORT: undefined, CAIRN_ADMIN_PORT: undefined, NO_COLOR: '1', ...opts.env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CAIRN_BIN, ...args], { cwd: opts.cwd ?? PACKAGE_ROOT, env: env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { out.push(d); });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`cairn ${args.join(' ')} did not finish in time\nstdout: ${Buffer.concat(out).toString()}\nstderr: ${stderr}`)); }, opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(timer); const bytes = Buffer.concat(out); resolve({ code, stdout: bytes.toString('utf8'), stderr, stdoutBytes: bytes }); });
    child.stdin.end(opts.input ?? '');
  });
}

export interface Recorded { method: string; path: string; query: Record<string, string>; headers: IncomingMessage['headers']; body: unknown }

interface FakeVersion { id: string; number: number; size: number; sha256: string; createdAt: number; config: unknown; code: string }
interface FakeFunction { name: string; currentVersion: string | null; createdAt: number; updatedAt: number; versions: FakeVersion[]; history: string[] }

/** An in-memory admin API that follows docs/admin-api.md closely enough to drive the CLI. */
export class FakeNode {
  readonly requests: Recorded[] = [];
  readonly functions = new Map<string, FakeFunction>();
  readonly secrets = new Map<string, { value: string; updatedAt: number }>();
  readonly logs: Array<{ id: number; fn: string; ts: number; level: string; message: string; invocationId: string; version: string }> = [];
  token = 'test-token';
  private server: Server | undefined;
  url = '';
  private clock = Date.UTC(2024, 4, 1, 12, 0, 0);

  async start(): Promise<this> {
    this.server = createServer((req, res) => { void this.handle(req, res); });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()));
  }

  addLog(fn: string, level: string, message: string, invocationId = 'inv1'): void {
    this.logs.push({ id: this.logs.length + 1, fn, ts: this.clock + this.logs.length, level, message, invocationId, version: 'v1' });
  }

  private problem(res: ServerResponse, status: number, code: string, detail: string, extra: Record<string, unknown> = {}): void {
    res.writeHead(status, { 'content-type': 'application/problem+json' });
    res.end(JSON.stringify({ type: `https://cairn.dev/problems/${code}`, title: 'Error', status, detail, code, ...extra }));
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const body: unknown = text ? JSON.parse(text) : undefined;
    const query = Object.fromEntries(url.searchParams);
    this.requests.push({ method: req.method ?? '', path: url.pathname, query, headers: req.headers, body });
    if (req.headers.authorization !== `Bearer ${this.token}`) return this.problem(res, 401, 'unauthorized', 'Missing or invalid token.');
    const m = /^\/api\/v1\/(functions|secrets)(?:\/([^/]+))?(?:\/([^/]+))?$/.exec(url.pathname);
    if (!m) return this.problem(res, 404, 'not-found', `No route ${url.pathname}.`);
    const [, kind, name, sub] = m;
    const now = ++this.clock;
    if (kind === 'secrets') {
      if (!name && req.method === 'GET') return this.json(res, 200, { items: [...this.secrets.entries()].map(([n, s]) => ({ name: n, updatedAt: s.updatedAt })), nextCursor: null });
      if (name && req.method === 'PUT') { this.secrets.set(name, { value: (body as { value: string }).value, updatedAt: now }); res.writeHead(204).end(); return; }
      if (name && req.method === 'DELETE') {
        if (!this.secrets.delete(name)) return this.problem(res, 404, 'not-found', `Secret "${name}" does not exist.`);
        res.writeHead(204).end(); return;
      }
      return this.problem(res, 405, 'method-not-allowed', 'Method not allowed.');
    }
    if (!name) {
      const items = [...this.functions.values()].map((f) => ({ name: f.name, tenant: 'default', currentVersion: f.currentVersion, createdAt: f.createdAt, updatedAt: f.updatedAt }));
      // Pages of one, to exercise the cursor.
      const start = Number(query.cursor ?? 0);
      return this.json(res, 200, { items: items.slice(start, start + 1), nextCursor: start + 1 < items.length ? String(start + 1) : null });
    }
    const fn = this.functions.get(name);
    if (sub === 'versions' && req.method === 'POST') {
      const b = body as { code: string; config?: { secrets?: string[] } };
      const missing = (b.config?.secrets ?? []).filter((s) => !this.secrets.has(s));
      if (missing.length) return this.problem(res, 422, 'invalid-config', 'The configuration grants secrets that do not exist.', { errors: missing.map((s, i) => `config.secrets[${i}]: secret "${s}" does not exist`), hint: 'Create each with `cairn secret put <NAME>`.' });
      const sha256 = createHash('sha256').update(b.code).digest('hex');
      const id = 'v' + createHash('sha256').update(b.code + JSON.stringify(b.config ?? {})).digest('hex').slice(0, 20);
      const f: FakeFunction = fn ?? { name, currentVersion: null, createdAt: now, updatedAt: now, versions: [], history: [] };
      this.functions.set(name, f);
      let v = f.versions.find((x) => x.id === id);
      const created = !v;
      if (!v) { v = { id, number: f.versions.length + 1, size: Buffer.byteLength(b.code), sha256, createdAt: now, config: b.config ?? {}, code: b.code }; f.versions.push(v); }
      const previous = f.currentVersion;
      f.currentVersion = id; f.updatedAt = now; f.history.push(id);
      const { code: _code, ...view } = v;
      return this.json(res, created ? 201 : 200, { function: name, version: view, previous, created, routes: [`http://127.0.0.1:8787/${name}/`] });
    }
    if (!fn) return this.problem(res, 404, 'function-not-found', `Function "${name}" does not exist.`, { hint: 'List functions with `cairn ls`.' });
    if (!sub && req.method === 'GET') return this.json(res, 200, { name, tenant: 'default', currentVersion: fn.currentVersion, createdAt: fn.createdAt, updatedAt: fn.updatedAt, routes: [`http://127.0.0.1:8787/${name}/`], config: {} });
    if (sub === 'versions' && req.method === 'GET') return this.json(res, 200, { items: [...fn.versions].reverse().map(({ code: _c, ...v }) => v), nextCursor: null });
    if (sub === 'rollback' && req.method === 'POST') {
      const to = (body as { to?: string } | undefined)?.to ?? [...fn.history].reverse().find((h) => h !== fn.currentVersion);
      if (!to) return this.problem(res, 409, 'no-previous-version', `Function "${name}" has no earlier version.`);
      const v = fn.versions.find((x) => x.id === to);
      if (!v) return this.problem(res, 404, 'version-not-found', `Version "${to}" of "${name}" does not exist.`);
      const previous = fn.currentVersion;
      fn.currentVersion = to; fn.history.push(to);
      const { code: _c, ...view } = v;
      return this.json(res, 200, { function: name, version: view, previous });
    }
    if (sub === 'logs' && req.method === 'GET') {
      const after = Number(query.after ?? 0);
      const limit = Number(query.limit ?? 100);
      const rows = this.logs.filter((l) => l.fn === name && l.id > after && (!query.invocation || l.invocationId === query.invocation)).slice(0, limit);
      return this.json(res, 200, { items: rows.map(({ fn: _f, ...l }) => l), last: rows.reduce((mx, r) => Math.max(mx, r.id), after) });
    }
    if (sub === 'invoke' && req.method === 'POST') {
      const b = (body ?? {}) as { method?: string; path?: string; headers?: Record<string, string>; body?: string; bodyBase64?: string };
      if (b.path === '/binary') return this.json(res, 200, { invocationId: 'inv9', version: fn.currentVersion, status: 200, headers: { 'content-type': 'application/octet-stream' }, bodyBase64: Buffer.from([0, 255, 1]).toString('base64'), durationMs: 1.5, cpuMs: 0.5, coldStart: false, error: null });
      const echo = JSON.stringify({ method: b.method ?? 'GET', path: b.path ?? '/', headers: b.headers ?? {}, body: b.body ?? null, bodyBase64: b.bodyBase64 ?? null });
      return this.json(res, 200, { invocationId: 'inv7', version: fn.currentVersion, status: 201, headers: { 'content-type': 'application/json', 'x-fake': 'yes' }, body: echo, durationMs: 12.34, cpuMs: 3.21, coldStart: true, error: null });
    }
    return this.problem(res, 405, 'method-not-allowed', 'Method not allowed.');
  }
}

/** A long-running `cairn` process (serve, dev, logs --follow) whose output lines can be awaited. */
export class CliProcess {
  readonly child: ChildProcess;
  readonly stdoutLines: string[] = [];
  stderr = '';
  private waiters: Array<{ test: (line: string) => boolean; resolve: (line: string) => void; from: number }> = [];
  private partial = '';
  readonly exited: Promise<number | null>;

  constructor(args: string[], opts: { env?: Record<string, string | undefined>; cwd?: string } = {}) {
    const env: Record<string, string | undefined> = { ...process.env, CAIRN_URL: undefined, CAIRN_TOKEN: undefined, CAIRN_DATA_DIR: undefined, CAIRN_PORT: undefined, CAIRN_ADMIN_PORT: undefined, CAIRN_ADMIN_TOKEN: undefined, NO_COLOR: '1', ...opts.env };
    for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
    this.child = spawn(process.execPath, [CAIRN_BIN, ...args], { cwd: opts.cwd ?? PACKAGE_ROOT, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      const parts = (this.partial + d).split('\n');
      this.partial = parts.pop() ?? '';
      for (const line of parts) {
        this.stdoutLines.push(line);
        this.waiters = this.waiters.filter((w) => {
          if (!w.test(line)) return true;
          w.resolve(line);
          return false;
        });
      }
    });
    this.child.stderr?.setEncoding('utf8').on('data', (d: string) => { this.stderr += d; });
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }

  /** The first stdout line (from line index `from` on) that passes `test`; fails if the process exits or the time is up. */
  waitForLine(test: (line: string) => boolean, opts: { from?: number; timeoutMs?: number } = {}): Promise<string> {
    const from = opts.from ?? 0;
    const seen = this.stdoutLines.slice(from).find(test);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching line in time\nstdout:\n${this.stdoutLines.join('\n')}\nstderr:\n${this.stderr}`)), opts.timeoutMs ?? 30_000);
      const waiter = { test, from, resolve: (l: string) => { clearTimeout(timer); resolve(l); } };
      this.waiters.push(waiter);
      void this.exited.then((code) => {
        if (!this.waiters.includes(waiter)) return;
        clearTimeout(timer);
        reject(new Error(`cairn exited (${code}) before the line came\nstdout:\n${this.stdoutLines.join('\n')}\nstderr:\n${this.stderr}`));
      });
    });
  }

  /** The next JSON event line with this `event` (after line index `from`). */
  async waitForEvent<T = Record<string, unknown>>(event: string, opts: { from?: number; timeoutMs?: number; match?: (e: Record<string, unknown>) => boolean } = {}): Promise<T> {
    const parse = (l: string): Record<string, unknown> | null => {
      if (!l.startsWith('{')) return null;
      try { return JSON.parse(l) as Record<string, unknown>; } catch { return null; }
    };
    const line = await this.waitForLine((l) => { const e = parse(l); return e !== null && e.event === event && (!opts.match || opts.match(e)); }, opts);
    return parse(line) as T;
  }

  /** Sends a signal and waits for the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}
