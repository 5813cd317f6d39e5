// Typed client of the admin API (docs/admin-api.md). Every failure is one of two errors:
// ApiError (the server answered with a problem, or something that is not the API) and
// ConnectError (no answer at all). The CLI turns both into "cairn: ..." + "hint: ..." lines.
import type { FunctionConfig, FunctionConfigInput } from '../config/schema.ts';

export interface ProblemDetails {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  hint?: string;
  errors?: string[];
  [extension: string]: unknown;
}

export interface Page<T> { items: T[]; nextCursor: string | null }

export interface FunctionSummary {
  name: string;
  tenant: string;
  currentVersion: string | null;
  createdAt: number | string;
  updatedAt: number | string;
}

export interface FunctionDetails extends FunctionSummary {
  routes: string[];
  config: FunctionConfig | null;
}

export interface VersionInfo {
  id: string;
  number: number;
  size: number;
  sha256: string;
  createdAt: number | string;
  config?: FunctionConfig;
  [extra: string]: unknown;
}

export interface DeployResult {
  function: string;
  version: VersionInfo;
  previous: string | null;
  created: boolean;
  routes: string[];
}

export interface RollbackResult {
  function: string;
  version: VersionInfo | string;
  previous: string | null;
}

export interface LogEntry {
  id: number;
  ts: number | string;
  level: string;
  message: string;
  invocationId: string | null;
  version: string;
}

export interface LogsPage { items: LogEntry[]; last: number }

export interface InvokeRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  bodyBase64?: string;
}

export interface InvokeResult {
  invocationId: string;
  version: string;
  status: number;
  headers: Record<string, string>;
  body?: string;
  bodyBase64?: string;
  durationMs: number;
  cpuMs: number;
  coldStart: boolean;
  error: string | null;
}

export interface SecretInfo { name: string; updatedAt: number | string }

export interface LedgerEntryInfo {
  index: number; type: string; tenant: string; actor: string; timestamp: string; body: unknown;
  signature?: { alg: string; publicKey: string; value: string };
  leafHash: string;
  /** base64 of the exact leaf bytes */
  data: string;
}

export interface InclusionProofInfo { index: number; size: number; leafHash: string; hashes: string[]; checkpoint: string | null }

export interface UsageCost {
  currency: string;
  micros: { requests: number; duration: number; cpu: number; egress: number; total: number };
  total: string;
}

export interface UsageQuantities {
  requests: number; errors: number; coldStarts: number; billedMs: number; cpuMs: number; cpuUs: number;
  gbSeconds: number; mbMs: number; bytesIn: number; bytesOut: number; cost: UsageCost;
}

export interface UsageRowInfo extends UsageQuantities { tenant: string; function: string; start: number; end: number }

export interface UsageReport {
  tenant: string;
  function: string | null;
  from: number;
  to: number;
  granularity: 'hour' | 'day' | 'total';
  prices: { currency: string; perMillionRequests: string; perGbSecond: string; perCpuMs: string; perGbOut: string };
  items: UsageRowInfo[];
  nextCursor: string | null;
  totals: UsageQuantities;
}

export interface UsageQueryOptions { tenant?: string; function?: string; from?: string; to?: string; granularity?: string }

/** The server answered with an error (problem+json when it is a Cairn node). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly problem: ProblemDetails;
  readonly hint: string | undefined;
  readonly errors: string[];
  readonly retryAfter: string | null;
  constructor(status: number, problem: ProblemDetails, retryAfter: string | null = null) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = problem.code ?? (status >= 500 ? 'internal' : 'http-error');
    this.problem = problem;
    this.hint = problem.hint;
    this.errors = Array.isArray(problem.errors) ? problem.errors.map(String) : [];
    this.retryAfter = retryAfter;
  }
}

/** No HTTP answer: refused, unknown host, reset, timed out. */
export class ConnectError extends Error {
  readonly url: string;
  readonly reason: string;
  constructor(url: string, reason: string, options?: { cause?: unknown }) {
    super(`cannot reach ${url} (${reason})`, options);
    this.name = 'ConnectError';
    this.url = url;
    this.reason = reason;
  }
}

export interface ClientOptions {
  /** Control-plane base URL, e.g. http://127.0.0.1:8788 (a trailing "/api/v1" is accepted). */
  url: string;
  token?: string | undefined;
  /** Acts in this tenant (platform admins only): sent as x-cairn-tenant. */
  tenant?: string | undefined;
  fetch?: typeof fetch;
  userAgent?: string;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | null | undefined>;
  body?: unknown;
  signal?: AbortSignal;
  /** Statuses answered with no body (204). */
  allowEmpty?: boolean;
}

export class CairnClient {
  readonly baseUrl: string;
  private readonly token: string | undefined;
  private readonly tenant: string | undefined;
  private readonly fetchImpl: typeof fetch;
  private readonly userAgent: string;

  constructor(opts: ClientOptions) {
    let u: URL;
    try {
      u = new URL(opts.url);
    } catch {
      throw new TypeError(`"${opts.url}" is not a URL`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new TypeError(`"${opts.url}" is not an http(s) URL`);
    this.baseUrl = u.origin + u.pathname.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
    this.token = opts.token || undefined;
    this.tenant = opts.tenant || undefined;
    this.fetchImpl = opts.fetch ?? fetch;
    this.userAgent = opts.userAgent ?? 'cairn-cli';
  }

  /** Sends one request to `/api/v1` + path (or to path as-is when it does not start with /api). */
  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const url = new URL(this.baseUrl + (path.startsWith('/api/') || path.startsWith('/healthz') || path.startsWith('/readyz') ? path : `/api/v1${path}`));
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json', 'user-agent': this.userAgent };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (this.tenant) headers['x-cairn-tenant'] = this.tenant;
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    let res: Response;
    try {
      res = await this.fetchImpl(url, { method, headers, body, signal: opts.signal });
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      throw new ConnectError(this.baseUrl, describeNetworkError(err), { cause: err });
    }
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      throw new ConnectError(this.baseUrl, `the connection broke while reading the answer: ${describeNetworkError(err)}`, { cause: err });
    }
    const type = res.headers.get('content-type') ?? '';
    if (!res.ok) throw new ApiError(res.status, parseProblem(res.status, res.statusText, type, text), res.headers.get('retry-after'));
    if (text === '') {
      if (res.status === 204 || opts.allowEmpty) return undefined as T;
      throw new ApiError(res.status, { status: res.status, code: 'bad-answer', detail: `${method} ${url.pathname} answered ${res.status} with an empty body`, hint: 'is --url the control plane of a Cairn node (default port 8788)?' });
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(res.status, { status: res.status, code: 'bad-answer', detail: `${method} ${url.pathname} answered ${res.status} with something that is not JSON (${type || 'no content type'}): ${snippet(text)}`, hint: 'is --url the control plane of a Cairn node (default port 8788)?' });
    }
  }

  /** GET of a text answer (the ledger's key and checkpoint), returned exactly as sent. */
  async getText(path: string, query: RequestOptions['query'] = {}): Promise<string> {
    const url = new URL(this.baseUrl + `/api/v1${path}`);
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: 'text/plain, application/problem+json', 'user-agent': this.userAgent };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (this.tenant) headers['x-cairn-tenant'] = this.tenant;
    let res: Response;
    let text: string;
    try {
      res = await this.fetchImpl(url, { headers });
      text = await res.text();
    } catch (err) {
      throw new ConnectError(this.baseUrl, describeNetworkError(err), { cause: err });
    }
    if (!res.ok) throw new ApiError(res.status, parseProblem(res.status, res.statusText, res.headers.get('content-type') ?? '', text), res.headers.get('retry-after'));
    return text;
  }

  /** Every item of a paginated list. */
  async all<T>(path: string, query: RequestOptions['query'] = {}): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | null = null;
    for (;;) {
      const page: Page<T> = await this.request<Page<T>>('GET', path, { query: { ...query, limit: 200, cursor } });
      items.push(...page.items);
      if (!page.nextCursor) return items;
      cursor = page.nextCursor;
    }
  }

  health(): Promise<{ status: string }> { return this.request('GET', '/healthz'); }

  listFunctions(): Promise<FunctionSummary[]> { return this.all<FunctionSummary>('/functions'); }
  getFunction(name: string): Promise<FunctionDetails> { return this.request('GET', `/functions/${enc(name)}`); }
  deleteFunction(name: string): Promise<void> { return this.request('DELETE', `/functions/${enc(name)}`, { allowEmpty: true }); }

  deployVersion(name: string, code: string, config?: FunctionConfigInput): Promise<DeployResult> {
    return this.request('POST', `/functions/${enc(name)}/versions`, { body: config === undefined ? { code } : { code, config } });
  }
  listVersions(name: string): Promise<VersionInfo[]> { return this.all<VersionInfo>(`/functions/${enc(name)}/versions`); }
  getVersion(name: string, id: string): Promise<VersionInfo> { return this.request('GET', `/functions/${enc(name)}/versions/${enc(id)}`); }
  rollback(name: string, to?: string): Promise<RollbackResult> {
    return this.request('POST', `/functions/${enc(name)}/rollback`, { body: to === undefined ? {} : { to } });
  }

  logs(name: string, opts: { after?: number; limit?: number; invocation?: string; wait?: number; signal?: AbortSignal } = {}): Promise<LogsPage> {
    return this.request('GET', `/functions/${enc(name)}/logs`, {
      query: { after: opts.after, limit: opts.limit, invocation: opts.invocation, wait: opts.wait },
      signal: opts.signal,
    });
  }

  invoke(name: string, req: InvokeRequest): Promise<InvokeResult> {
    return this.request('POST', `/functions/${enc(name)}/invoke`, { body: req });
  }

  async listSecrets(): Promise<SecretInfo[]> {
    const r = await this.request<{ items: SecretInfo[]; nextCursor?: string | null }>('GET', '/secrets');
    return r.items;
  }
  ledgerKey(): Promise<string> { return this.getText('/ledger/key'); }
  ledgerEntry(index: number): Promise<LedgerEntryInfo> { return this.request('GET', `/ledger/entries/${index}`); }
  inclusionProof(index: number, size?: number): Promise<InclusionProofInfo> { return this.request('GET', '/ledger/proofs/inclusion', { query: { index, size } }); }

  /** GET /usage, following nextCursor: every row of the query in one report. */
  async usage(q: UsageQueryOptions): Promise<UsageReport> {
    let report: UsageReport | null = null;
    let cursor: string | null = null;
    for (;;) {
      const page: UsageReport = await this.request<UsageReport>('GET', '/usage', { query: { ...q, limit: 200, cursor } });
      if (report) report.items.push(...page.items);
      else report = page;
      if (!page.nextCursor) return { ...report, nextCursor: null };
      cursor = page.nextCursor;
    }
  }
  rebuildUsage(): Promise<{ hours: number; invocations: number; corrected: number }> { return this.request('POST', '/usage/rebuild'); }

  putSecret(name: string, value: string): Promise<void> { return this.request('PUT', `/secrets/${enc(name)}`, { body: { value }, allowEmpty: true }); }
  deleteSecret(name: string): Promise<void> { return this.request('DELETE', `/secrets/${enc(name)}`, { allowEmpty: true }); }
}

function enc(s: string): string {
  return encodeURIComponent(s);
}

function parseProblem(status: number, statusText: string, type: string, text: string): ProblemDetails {
  if (/json/i.test(type) || text.trimStart().startsWith('{')) {
    try {
      const p = JSON.parse(text) as unknown;
      if (p && typeof p === 'object' && !Array.isArray(p)) {
        const o = p as ProblemDetails;
        if (typeof o.detail === 'string' || typeof o.title === 'string' || typeof o.code === 'string') return { status, ...o };
      }
    } catch { /* not JSON after all: fall through */ }
  }
  const what = `HTTP ${status}${statusText ? ` ${statusText}` : ''}`;
  return {
    status,
    title: statusText,
    detail: text.trim() ? `${what}: ${snippet(text)}` : what,
    hint: status === 404 ? 'is --url the control plane of a Cairn node (default port 8788)?' : undefined,
  };
}

function snippet(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > 200 ? `${t.slice(0, 200)}…` : t;
}

const NET_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
  UND_ERR_SOCKET: 'connection closed by the server',
  UND_ERR_HEADERS_TIMEOUT: 'no answer in time',
  ERR_SSL_WRONG_VERSION_NUMBER: 'TLS handshake failed (is it http://, not https://?)',
};

function describeNetworkError(err: unknown): string {
  let e: unknown = err;
  for (let i = 0; i < 5 && e; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return NET_REASONS[code] ?? code;
    const errors = (e as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0) { e = errors[0]; continue; }
    e = (e as { cause?: unknown }).cause;
  }
  return err instanceof Error ? err.message : String(err);
}
