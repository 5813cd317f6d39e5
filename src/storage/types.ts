// The storage driver contract. Every driver (SQLite now, PostgreSQL later) implements this one
// interface and passes the one conformance suite in test/storage/conformance.ts.
// All methods are async so that network drivers fit; writes are durable when the promise resolves.
import type { FunctionConfig } from '../config/schema.ts';

export interface FunctionRecord {
  tenant: string;
  name: string;
  /** Version id currently served, null when the function has no active version. */
  currentVersion: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface VersionRecord {
  tenant: string;
  function: string;
  /** Content address: "v" + first 20 hex chars of sha256 over the bundle and canonical config. */
  id: string;
  /** 1, 2, 3 ... per function, in order of first deployment. */
  number: number;
  createdAt: number;
  /** Bundle size in bytes. */
  size: number;
  sha256: string;
  config: FunctionConfig;
  actor: string;
}

export interface DeploymentRecord {
  id: number;
  tenant: string;
  function: string;
  version: string;
  previous: string | null;
  kind: 'deploy' | 'rollback';
  actor: string;
  at: number;
}

export type LogLevel = 'debug' | 'log' | 'info' | 'warn' | 'error';

export interface LogInput {
  tenant: string;
  function: string;
  version: string;
  invocationId: string;
  ts: number;
  level: LogLevel;
  message: string;
}
export interface LogRecord extends LogInput { id: number }

/**
 * One invocation, and its usage record (what metering bills). Written in group commits by the
 * node's TelemetryRecorder; `appendInvocations` also adds it to the hourly usage roll-up of its
 * (tenant, function, hour) in the same transaction.
 */
export interface InvocationInput {
  id: string;
  tenant: string;
  function: string;
  version: string;
  /** When the invocation started (ms since the epoch); its usage counts in this UTC hour. */
  ts: number;
  /** What started it: "http" (data plane), "admin" (POST /functions/{f}/invoke); later "queue", "cron"... */
  trigger: string;
  method: string;
  path: string;
  status: number;
  /** End-to-end wall time: dispatch (including any queueing and cold start) to the end of the response. */
  durationMs: number;
  cpuMs: number;
  coldStart: boolean;
  /** Stable error code when the platform ended the invocation (e.g. "cpu-limit"), else null. */
  error: string | null;
  /** The function's memory limit (limits.memoryMb) for this invocation; 0 when the version could not be resolved. */
  memoryMb: number;
  /**
   * Billed wall time, whole ms: the time the invocation held its instance (from dispatch to the
   * instance until the response ended), rounded up; queueing and cold start are not billed.
   * GB-seconds = memoryMb / 1024 × billedMs / 1000.
   */
  billedMs: number;
  /** Request body bytes the function received. */
  bytesIn: number;
  /** Response body bytes sent (the function's, or the platform's problem+json). */
  bytesOut: number;
}
export type InvocationRecord = InvocationInput;

/** Usage summed over a set of invocations. Every quantity is an integer, so sums are exact. */
export interface UsageTotals {
  requests: number;
  /** Invocations the platform ended or refused (error code set) or that answered 5xx. */
  errors: number;
  coldStarts: number;
  /** Sum of billedMs. */
  billedMs: number;
  /** CPU time in whole microseconds: Σ round(cpuMs × 1000). */
  cpuUs: number;
  /** Σ memoryMb × billedMs; GB-seconds = mbMs / 1 024 000. */
  mbMs: number;
  bytesIn: number;
  bytesOut: number;
}

export type UsageGranularity = 'hour' | 'day' | 'total';

export interface UsageQuery {
  /** null: every tenant. */
  tenant: string | null;
  /** null: every function. */
  function: string | null;
  /** Whole UTC hours (ms since the epoch): from inclusive, to exclusive. */
  from: number;
  to: number;
}

export interface UsageRow extends UsageTotals {
  tenant: string;
  function: string;
  /** Start of the bucket: the UTC hour or day, or `from` for granularity "total". May precede `from` for a day bucket cut by it. */
  start: number;
}

export interface UsageRebuildResult {
  /** Hourly roll-up rows after the rebuild. */
  hours: number;
  /** Raw invocation records they were computed from. */
  invocations: number;
  /** Roll-up rows that were missing, extra or different before the rebuild (0 when they agreed). */
  corrected: number;
}

export interface KvEntry { value: Uint8Array; expiresAt: number | null; metadata: unknown }
export interface KvListResult { keys: Array<{ name: string; expiresAt: number | null; metadata: unknown }>; cursor: string | null }

export interface TokenRecord {
  id: string;
  tenant: string;
  name: string;
  /** sha256 hex of the token secret; the secret itself is never stored. */
  hash: string;
  role: 'admin' | 'tenant';
  createdAt: number;
  revokedAt: number | null;
}

export interface TenantRecord { id: string; name: string; createdAt: number }

export interface SecretRecord {
  tenant: string;
  name: string;
  /** Ciphertext produced by the node's secret box (AES-256-GCM under the master key); drivers never see plaintext. */
  ciphertext: Uint8Array;
  updatedAt: number;
}

/** An anomaly the node's monitor found in one signal of a function's telemetry (telemetry/anomaly-monitor.ts). */
export interface AnomalyRecord {
  id: string;
  /** End of the interval the anomaly was seen in (ms since the epoch). */
  ts: number;
  tenant: string;
  function: string;
  version: string;
  /** invocations_per_s | error_rate | p95_latency_ms | cpu_ms | cold_starts */
  signal: string;
  /** Detector score in [0,1]. */
  score: number;
  /** What the signal's recent history predicted (its median). */
  expected: number;
  observed: number;
  explanation: string;
}

export interface Page<T> { items: T[]; nextCursor: string | null }
export interface PageOptions { cursor?: string | null; limit?: number }

export interface StorageDriver {
  readonly kind: string;
  /** Creates or upgrades the schema; idempotent. */
  migrate(): Promise<void>;
  close(): Promise<void>;

  // tenants & tokens
  putTenant(t: TenantRecord): Promise<void>;
  getTenant(id: string): Promise<TenantRecord | null>;
  listTenants(page?: PageOptions): Promise<Page<TenantRecord>>;
  putToken(t: TokenRecord): Promise<void>;
  findTokenByHash(hash: string): Promise<TokenRecord | null>;
  listTokens(tenant: string, page?: PageOptions): Promise<Page<TokenRecord>>;
  revokeToken(tenant: string, id: string, at: number): Promise<boolean>;

  // functions, versions, deployments
  /**
   * Stores a version (idempotent on (tenant, function, id): an existing identical version is kept and
   * returned with created=false), makes it current, and records a deployment — all in one transaction.
   * The bundle is stored once per sha256.
   */
  deployVersion(v: Omit<VersionRecord, 'number'>, code: string, at: number): Promise<{ version: VersionRecord; created: boolean; previous: string | null }>;
  /** Makes an existing version current and records a rollback deployment; null if the version does not exist. */
  setCurrentVersion(tenant: string, fn: string, versionId: string, actor: string, at: number): Promise<{ previous: string | null } | null>;
  getFunction(tenant: string, name: string): Promise<FunctionRecord | null>;
  /** Looks a function up by name on any tenant (routing is global on a node). */
  findFunction(name: string): Promise<FunctionRecord | null>;
  listFunctions(tenant: string | null, page?: PageOptions): Promise<Page<FunctionRecord>>;
  /**
   * Deletes the function, its versions, deployments and logs in one transaction. Its invocation
   * (usage) records and their roll-ups stay: what it used is still billed.
   */
  deleteFunction(tenant: string, name: string): Promise<boolean>;
  getVersion(tenant: string, fn: string, versionId: string): Promise<VersionRecord | null>;
  listVersions(tenant: string, fn: string, page?: PageOptions): Promise<Page<VersionRecord>>;
  getCode(sha256: string): Promise<string | null>;
  listDeployments(tenant: string, fn: string, page?: PageOptions): Promise<Page<DeploymentRecord>>;

  // logs and invocations (written in batches by the node)
  appendLogs(batch: LogInput[]): Promise<void>;
  /** Logs in id order after `afterId` (exclusive). */
  listLogs(tenant: string, fn: string, opts: { afterId?: number; limit?: number; invocationId?: string }): Promise<LogRecord[]>;
  /**
   * Stores a batch of invocation (usage) records and adds each new one to the hourly roll-up of its
   * (tenant, function, UTC hour), all in one transaction: roll-ups and records never disagree. A
   * record whose id is already stored is skipped (a retried batch is not counted twice).
   */
  appendInvocations(batch: InvocationInput[]): Promise<void>;
  listInvocations(tenant: string, fn: string, page?: PageOptions): Promise<Page<InvocationRecord>>;

  // metering: hourly roll-ups of the invocation records
  /**
   * Usage per (tenant, function, bucket) from the hourly roll-ups, ordered by (start, tenant,
   * function); buckets with no invocation are absent. Cursor pagination as everywhere else.
   */
  queryUsage(q: UsageQuery & { granularity: UsageGranularity }, page?: PageOptions): Promise<Page<UsageRow>>;
  /** The sum of every row `queryUsage` would return for this query. */
  usageTotals(q: UsageQuery): Promise<UsageTotals>;
  /** Recomputes every hourly roll-up from the raw invocation records, in one transaction. */
  rebuildUsage(): Promise<UsageRebuildResult>;

  // anomalies (written by the node's anomaly monitor)
  /** Stores anomaly events; an id already stored is skipped. */
  appendAnomalies(batch: AnomalyRecord[]): Promise<void>;
  /** A tenant's anomalies, newest first (ts, then id, descending), optionally of one function. */
  listAnomalies(tenant: string, opts?: PageOptions & { function?: string | null }): Promise<Page<AnomalyRecord>>;

  // KV (namespaced per tenant by the caller: ns = tenant + "/" + namespace)
  kvGet(ns: string, key: string, now: number): Promise<KvEntry | null>;
  kvPut(ns: string, key: string, entry: KvEntry): Promise<void>;
  kvDelete(ns: string, key: string): Promise<void>;
  kvList(ns: string, opts: { prefix?: string; cursor?: string | null; limit?: number }, now: number): Promise<KvListResult>;
  /** Deletes expired KV entries; returns how many. */
  kvSweep(now: number): Promise<number>;

  // secrets (ciphertext only)
  putSecret(s: SecretRecord): Promise<void>;
  getSecret(tenant: string, name: string): Promise<SecretRecord | null>;
  listSecrets(tenant: string): Promise<Array<{ name: string; updatedAt: number }>>;
  deleteSecret(tenant: string, name: string): Promise<boolean>;
}
