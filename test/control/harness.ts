// Shared setup for the control-plane tests: the real SQLite driver in memory, a real SecretBox, the
// handler on a real node:http server (127.0.0.1, port 0), and a small Invoker seam that answers
// from the InvocationInput it receives.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { SqliteDriver } from '../../src/storage/sqlite/driver.ts';
import { SecretBox } from '../../src/security/secret-box.ts';
import { sha256Hex } from '../../src/shared/ids.ts';
import { createControlHandler, type ControlHandler } from '../../src/control/server.ts';
import type { InvocationTarget, InvocationOutcome, Invoker } from '../../src/scheduler/types.ts';
import type { InvocationInput, ResponseSink } from '../../src/runtime/isolate/types.ts';
import type { StorageDriver } from '../../src/storage/types.ts';
import { LedgerService } from '../../src/ledger/service.ts';
import { MemoryLedgerStore } from '../../src/ledger/memory-store.ts';
import { MemoryStateStore } from '../../src/ledger/state.ts';
import { createEd25519Signer } from '../../src/ledger/note.ts';

export const DATA_PLANE = 'http://127.0.0.1:8787';
export const MODULE = 'export default { fetch() { return new Response("hello"); } };\n';

/** Answers every invocation itself: /binary gets non-UTF-8 bytes, anything else a JSON echo of the input. */
export class EchoInvoker implements Invoker {
  readonly calls: Array<{ target: InvocationTarget; input: InvocationInput }> = [];

  async invoke(target: InvocationTarget, input: InvocationInput, sink: ResponseSink): Promise<InvocationOutcome> {
    this.calls.push({ target, input });
    const url = new URL(input.url);
    let status: number;
    if (url.pathname === '/binary') {
      status = 200;
      sink.head({ status, statusText: 'OK', headers: [['content-type', 'application/octet-stream']] });
      sink.chunk(new Uint8Array([0xff, 0x00, 0xfe]));
    } else {
      status = 201;
      sink.head({ status, statusText: 'Created', headers: [['content-type', 'application/json'], ['x-multi', 'a'], ['x-multi', 'b']] });
      const echo = { method: input.method, url: input.url, headers: input.headers, body: input.body ? Buffer.from(input.body).toString('utf8') : null };
      const bytes = Buffer.from(JSON.stringify(echo));
      sink.chunk(bytes.subarray(0, 5));
      sink.chunk(bytes.subarray(5));
    }
    return { invocationId: input.id, version: target.version, status, durationMs: 1.5, cpuMs: 0.5, coldStart: true, error: null };
  }
}

export interface ApiInit {
  method?: string;
  /** Bearer token; defaults to the admin token; null sends none. */
  token?: string | null;
  json?: unknown;
  body?: string | Uint8Array | ReadableStream<Uint8Array>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface ApiResult {
  status: number;
  headers: Headers;
  /** Parsed JSON when the answer is JSON, else the text. */
  body: any;
  text: string;
}

export interface Harness {
  url: string;
  adminToken: string;
  storage: StorageDriver;
  box: SecretBox;
  invoker: EchoInvoker;
  handler: ControlHandler;
  /** The ledger, when the harness was started with `{ ledger: true }` (memory stores). */
  ledger: LedgerService | undefined;
  /** Every onFunctionChanged(tenant, name) call, in order. */
  changed: Array<[string, string]>;
  ready: { value: boolean };
  /** Emits 'request' with each "admin request" debug line the handler logs. */
  logLines: EventEmitter;
  api(path: string, init?: ApiInit): Promise<ApiResult>;
  /** Deploys `name` through the API and asserts success; returns the answer body. */
  deploy(name: string, opts?: { code?: string; config?: unknown; token?: string; tenant?: string }): Promise<any>;
  /** Creates a tenant and a token for it through the API; returns the token secret. */
  tenantToken(tenant: string): Promise<string>;
  /** Everything the storage interface shows, to assert that a bad request changed nothing. */
  snapshot(): Promise<unknown>;
  close(): Promise<void>;
}

export const LEDGER_ORIGIN = 'cairn.test/control';

export async function startHarness(opts: { ledger?: boolean } = {}): Promise<Harness> {
  const ledger = opts.ledger
    ? await LedgerService.open({ store: new MemoryLedgerStore(), state: new MemoryStateStore(), origin: LEDGER_ORIGIN, signer: createEd25519Signer(LEDGER_ORIGIN, new Uint8Array(32).fill(5)) })
    : undefined;
  const storage = SqliteDriver.open(':memory:');
  await storage.migrate();
  const box = new SecretBox(randomBytes(32));
  const invoker = new EchoInvoker();
  const adminToken = 'admin-' + randomBytes(16).toString('hex');
  const changed: Array<[string, string]> = [];
  const ready = { value: true };
  const logLines = new EventEmitter();
  const logger = pino({ level: 'debug' }, {
    write(line: string) {
      const entry = JSON.parse(line) as { msg?: string };
      if (entry.msg === 'admin request') logLines.emit('request', entry);
    },
  });
  const handler = createControlHandler({
    storage, secrets: box, invoker, adminTokenHash: sha256Hex(adminToken), logger, dataPlaneUrl: DATA_PLANE,
    onFunctionChanged: (tenant, name) => { changed.push([tenant, name]); },
    metricsText: async () => '# HELP cairn_up 1 when up\n# TYPE cairn_up gauge\ncairn_up 1\n',
    isReady: () => ready.value,
    ...(ledger ? { ledger } : {}),
  });
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function api(path: string, init: ApiInit = {}): Promise<ApiResult> {
    const headers: Record<string, string> = { ...init.headers };
    const token = init.token === undefined ? adminToken : init.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body = init.body;
    if (init.json !== undefined) {
      body = JSON.stringify(init.json);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(url + path, { method: init.method ?? 'GET', headers, body, signal: init.signal, ...(body instanceof ReadableStream ? { duplex: 'half' } : {}) } as RequestInit);
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    return { status: res.status, headers: res.headers, text, body: /json/.test(type) && text ? JSON.parse(text) : text };
  }

  async function deploy(name: string, opts: { code?: string; config?: unknown; token?: string; tenant?: string } = {}): Promise<any> {
    const q = opts.tenant ? `?tenant=${opts.tenant}` : '';
    const r = await api(`/api/v1/functions/${name}/versions${q}`, { method: 'POST', token: opts.token, json: { code: opts.code ?? MODULE, ...(opts.config !== undefined ? { config: opts.config } : {}) } });
    assert.ok(r.status === 201 || r.status === 200, `deploy ${name}: ${r.status} ${r.text}`);
    return r.body;
  }

  async function tenantToken(tenant: string): Promise<string> {
    if (!(await storage.getTenant(tenant))) {
      const t = await api('/api/v1/tenants', { method: 'POST', json: { id: tenant } });
      assert.equal(t.status, 201, t.text);
    }
    const r = await api(`/api/v1/tenants/${tenant}/tokens`, { method: 'POST', json: { name: 'test' } });
    assert.equal(r.status, 201, r.text);
    return r.body.token as string;
  }

  async function snapshot(): Promise<unknown> {
    const all = async <T>(list: (cursor: string | null) => Promise<{ items: T[]; nextCursor: string | null }>): Promise<T[]> => {
      const out: T[] = [];
      let cursor: string | null = null;
      do { const p = await list(cursor); out.push(...p.items); cursor = p.nextCursor; } while (cursor !== null);
      return out;
    };
    const tenants = await all((cursor) => storage.listTenants({ cursor, limit: 200 }));
    const tenantIds = [...new Set(['default', ...tenants.map((t) => t.id)])];
    const out: Record<string, unknown> = { tenants };
    // A rejected request appends nothing to the ledger either (no audit entry, no state change).
    if (ledger) out.ledger = { size: ledger.size, applied: ledger.applied };
    for (const t of tenantIds) {
      const fns = await all((cursor) => storage.listFunctions(t, { cursor, limit: 200 }));
      const secrets = await storage.listSecrets(t);
      out[t] = {
        tokens: await all((cursor) => storage.listTokens(t, { cursor, limit: 200 })),
        secrets: await Promise.all(secrets.map(async (s) => ({ ...s, ciphertext: Buffer.from((await storage.getSecret(t, s.name))!.ciphertext).toString('hex') }))),
        functions: await Promise.all(fns.map(async (f) => ({
          ...f,
          versions: await all((cursor) => storage.listVersions(t, f.name, { cursor, limit: 200 })),
          deployments: await all((cursor) => storage.listDeployments(t, f.name, { cursor, limit: 200 })),
          logs: await storage.listLogs(t, f.name, { limit: 200 }),
          invocations: await all((cursor) => storage.listInvocations(t, f.name, { cursor, limit: 200 })),
        }))),
      };
    }
    return out;
  }

  return {
    url, adminToken, storage, box, invoker, handler, ledger, changed, ready, logLines, api, deploy, tenantToken, snapshot,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await ledger?.close();
      await storage.close();
    },
  };
}

/** Asserts an RFC 9457 problem answer with this status and code. */
export function assertProblem(r: ApiResult, status: number, code: string): void {
  assert.equal(r.status, status, `expected ${status} ${code}, got ${r.status}: ${r.text}`);
  assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assert.equal(r.body.code, code, r.text);
  assert.equal(r.body.status, status);
  assert.equal(r.body.type, `https://cairn.dev/problems/${code}`);
  assert.equal(typeof r.body.title, 'string');
  assert.equal(typeof r.body.detail, 'string');
  assert.ok(r.headers.get('x-request-id'), 'every answer carries x-request-id');
}

/** Runs `request`, asserts it answered the given problem, and that storage is exactly as before. */
export async function assertRejected(h: Harness, status: number, code: string, request: () => Promise<ApiResult>): Promise<ApiResult> {
  const before = await h.snapshot();
  const changedBefore = h.changed.length;
  const r = await request();
  assertProblem(r, status, code);
  assert.deepEqual(await h.snapshot(), before, 'a rejected request must not change storage');
  assert.equal(h.changed.length, changedBefore, 'a rejected request must not signal a function change');
  return r;
}
