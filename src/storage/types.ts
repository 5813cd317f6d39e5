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

export interface InvocationInput {
  id: string;
  tenant: string;
  function: string;
  version: string;
  ts: number;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  cpuMs: number;
  coldStart: boolean;
  /** Stable error code when the platform ended the invocation (e.g. "cpu-limit"), else null. */
  error: string | null;
}
export type InvocationRecord = InvocationInput;

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
  deleteFunction(tenant: string, name: string): Promise<boolean>;
  getVersion(tenant: string, fn: string, versionId: string): Promise<VersionRecord | null>;
  listVersions(tenant: string, fn: string, page?: PageOptions): Promise<Page<VersionRecord>>;
  getCode(sha256: string): Promise<string | null>;
  listDeployments(tenant: string, fn: string, page?: PageOptions): Promise<Page<DeploymentRecord>>;

  // logs and invocations (written in batches by the node)
  appendLogs(batch: LogInput[]): Promise<void>;
  /** Logs in id order after `afterId` (exclusive). */
  listLogs(tenant: string, fn: string, opts: { afterId?: number; limit?: number; invocationId?: string }): Promise<LogRecord[]>;
  appendInvocations(batch: InvocationInput[]): Promise<void>;
  listInvocations(tenant: string, fn: string, page?: PageOptions): Promise<Page<InvocationRecord>>;

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
