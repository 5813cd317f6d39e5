// The composition root: builds one Cairn node from its parts (storage, secrets, engine, scheduler,
// gateway, control plane, telemetry) and serves the data and control planes.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { SqliteDriver } from '../storage/sqlite/driver.ts';
import type { StorageDriver } from '../storage/types.ts';
import { SecretBox } from '../security/secret-box.ts';
import { sha256Hex } from '../shared/ids.ts';
import { Metrics } from '../telemetry/metrics.ts';
import { TelemetryRecorder } from '../telemetry/recorder.ts';
import type { Prices } from '../billing/prices.ts';
import { IsolatedVmEngine } from '../runtime/engines/isolated-vm/engine.ts';
import { SandboxedEngine } from '../runtime/sandbox/engine.ts';
import type { Engine } from '../runtime/engines/types.ts';
import { Scheduler } from '../scheduler/scheduler.ts';
import { MemoryBudget } from '../scheduler/memory-budget.ts';
import { Router } from '../gateway/router.ts';
import { createGatewayHandler } from '../gateway/server.ts';
import { createControlHandler } from '../control/server.ts';
import { loadAdminToken } from './admin-token.ts';
import { resolveVersion } from './versions.ts';
import { createHostCall } from './host-calls.ts';
import { openNodeLedger } from './ledger.ts';
import { Gauge } from 'prom-client';
import { AnomalyMonitor, type AnomalyEvent } from '../telemetry/anomaly-monitor.ts';
import { CanaryAnalyzer, type CanaryVerdict } from '../telemetry/canary.ts';
import { rollbackTo } from '../control/versions.ts';
import { AbuseLimiter } from '../telemetry/abuse-limiter.ts';

export interface NodeOptions {
  dataDir: string;
  port: number;
  adminPort: number;
  host?: string;
  adminHost?: string;
  adminToken?: string;
  /** Sandbox processes per tenant; 0 runs isolates inside the node process (no process boundary). */
  sandboxes?: number;
  logLevel?: string;
  logFormat?: 'json' | 'pretty';
  logger?: Logger;
  /** The ledger's origin, used only when its key is created (first start); default cairn.local/<random id>, or CAIRN_LEDGER_ORIGIN. */
  ledgerOrigin?: string;
  /** The price table of GET /api/v1/usage (billing/prices.ts); default: DEFAULT_PRICES. */
  prices?: Prices;
  /**
   * Group-commit window of logs and usage records, 1..1000 ms (default 100): a kill -9 loses at
   * most the usage of invocations that ended within the last window.
   */
  commitWindowMs?: number;
  /**
   * Instance memory budget of this node in MB. Instances count at their memory limit (a reservation
   * that guarantees each can grow to it), so it caps density at budget ÷ limit; without it (the
   * default) only each isolate's own limit applies and idle isolates cost their ~1-2 MB footprint.
   */
  memoryBudgetMb?: number;
  /** false: keep no usage records (nothing is billed). Only for measuring metering's cost (bench/metering.mjs). */
  metering?: boolean;
  /**
   * The anomaly monitor of function telemetry (telemetry/anomaly-monitor.ts): its interval (default
   * 1000 ms), score threshold and warm-up; false turns it off.
   */
  anomaly?: false | { intervalMs?: number; threshold?: number; warmupIntervals?: number; cooldownIntervals?: number; minInvocations?: number };
  /**
   * The abuse defence (telemetry/abuse-limiter.ts) of functions whose config has `abuse`: its
   * interval (default 1000 ms), clients tracked per function (default 10 000), score threshold and
   * warm-up (client samples).
   */
  abuse?: { intervalMs?: number; maxClients?: number; threshold?: number; warmupSamples?: number };
  /**
   * A trusted reverse proxy is in front of the data plane: the client of a request (abuse defence)
   * is the last address in its x-forwarded-for header, not the socket's peer. Only set it when
   * clients cannot reach the node directly, or they can pick any address they like.
   */
  trustProxy?: boolean;
}

export interface RunningNode {
  dataUrl: string;
  adminUrl: string;
  adminToken: string;
  tokenGenerated: boolean;
  tokenPath: string | null;
  logger: Logger;
  close(): Promise<void>;
}

function makeLogger(opts: NodeOptions): Logger {
  if (opts.logger) return opts.logger;
  const level = opts.logLevel ?? process.env.CAIRN_LOG_LEVEL ?? 'info';
  if (opts.logFormat === 'pretty') return pino({ level, transport: { target: 'pino-pretty', options: { destination: 2 } } });
  return pino({ level });
}

function listen(server: http.Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolveListen(server.address() as AddressInfo);
    });
  });
}

function urlOf(addr: AddressInfo, requestedHost: string): string {
  const host = requestedHost === '0.0.0.0' || requestedHost === '::' ? '127.0.0.1' : addr.address.includes(':') ? `[${addr.address}]` : addr.address;
  return `http://${host}:${addr.port}`;
}

async function loadRoutes(storage: StorageDriver, router: Router, tenant: string, name: string): Promise<void> {
  const fn = await storage.getFunction(tenant, name);
  const version = fn?.currentVersion ? await storage.getVersion(tenant, name, fn.currentVersion) : null;
  if (!fn || !version) router.delete(name);
  else router.set({ tenant, function: name, version: version.id, config: version.config });
}

export async function startNode(opts: NodeOptions): Promise<RunningNode> {
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const logger = makeLogger(opts);
  const storage = SqliteDriver.open(join(dataDir, 'cairn.db'));
  await storage.migrate();
  const box = SecretBox.fromFile(join(dataDir, 'master.key'));
  const admin = loadAdminToken(dataDir, opts.adminToken ?? process.env.CAIRN_ADMIN_TOKEN);
  if (!(await storage.getTenant('default'))) await storage.putTenant({ id: 'default', name: 'Default tenant', createdAt: Date.now() });
  let ledger: Awaited<ReturnType<typeof openNodeLedger>>;
  try {
    ledger = await openNodeLedger(dataDir, { origin: opts.ledgerOrigin ?? process.env.CAIRN_LEDGER_ORIGIN });
  } catch (err) {
    await storage.close();
    throw err;
  }
  if (ledger.key.generated) logger.info({ origin: ledger.key.origin, key: ledger.key.path }, 'generated the ledger key');

  const metrics = new Metrics();
  const ledgerService = ledger.service;
  new Gauge({ name: 'cairn_ledger_size', help: 'Entries in the ledger (durable).', registers: [metrics.registry], collect() { this.set(ledgerService.size); } });
  let notifyLogs: (tenant: string, fn: string) => void = () => {};
  let recorder: TelemetryRecorder;
  try {
    recorder = new TelemetryRecorder(storage, {
      ...(opts.commitWindowMs !== undefined ? { intervalMs: opts.commitWindowMs } : {}),
      ...(opts.metering === false ? { metering: false } : {}),
      onLogsCommitted: (t, f) => notifyLogs(t, f),
      onInvocationsCommitted: (n, ms) => { metrics.usageRecordsCommitted.inc(n); metrics.usageCommitSeconds.observe(ms / 1000); },
      onInvocationsDropped: (n) => {
        metrics.usageRecordsDropped.inc(n);
        logger.error({ records: n }, 'gave up on usage records after repeated failed commits; their invocations are not billed');
      },
      onError: (err) => logger.error({ err }, 'failed to write logs or invocation records (usage records are retried)'),
    });
  } catch (err) {
    await ledger.service.close().catch(() => {});
    await storage.close();
    throw err;
  }
  const pendingRecords = recorder;
  new Gauge({ name: 'cairn_usage_pending_records', help: 'Logs and usage records waiting for the next group commit.', registers: [metrics.registry], collect() { this.set(pendingRecords.pending); } });
  if (!recorder.metering) logger.warn('metering is off: no usage records are kept and nothing is billed (benchmark mode)');
  const sandboxes = opts.sandboxes ?? 2;
  const engine: Engine = sandboxes > 0
    ? new SandboxedEngine({
      processesPerTenant: sandboxes,
      onProcessExit: (info) => {
        metrics.sandboxExits.inc();
        logger.warn(info, 'a sandbox process exited; its instances will be replaced on demand');
      },
    })
    : new IsolatedVmEngine();
  const memoryBudget = new MemoryBudget(opts.memoryBudgetMb ?? Number.POSITIVE_INFINITY);
  new Gauge({ name: 'cairn_memory_budget_used_megabytes', help: 'Instance memory reserved against the node budget (at each instance limit).', registers: [metrics.registry], collect() { this.set(memoryBudget.usedMb); } });
  new Gauge({ name: 'cairn_memory_budget_megabytes', help: 'The node instance memory budget.', registers: [metrics.registry], collect() { if (Number.isFinite(memoryBudget.limitMb)) this.set(memoryBudget.limitMb); } });
  new Gauge({ name: 'cairn_instance_evictions', help: 'Idle instances evicted to make room under the memory budget, since start.', registers: [metrics.registry], collect() { this.set(memoryBudget.evictions); } });
  // Anomalies are stored, counted and appended to the ledger in the order found, off the hot path.
  let anomalyWrites: Promise<void> = Promise.resolve();
  const reportAnomaly = (e: AnomalyEvent): void => {
    metrics.anomalies.inc({ signal: e.signal });
    logger.warn({ anomaly: e }, `anomaly in ${e.function}: ${e.explanation}`);
    anomalyWrites = anomalyWrites.then(async () => {
      await storage.appendAnomalies([e]);
      await ledgerService.append({ tenant: e.tenant, actor: 'system:anomaly' }, { type: 'anomaly.detected', body: { ...e } });
    }).catch((err: unknown) => logger.error({ err, anomaly: e.id }, 'failed to store an anomaly event'));
  };
  // Canary analysis of deploys (functions with canary.autoRollback), fed by the monitor's intervals.
  let canaryRollback: (v: CanaryVerdict) => void = () => {};
  const canary = new CanaryAnalyzer({ rollback: (v) => canaryRollback(v) });
  const monitor = opts.anomaly === false ? null : new AnomalyMonitor({ ...opts.anomaly, onAnomaly: reportAnomaly, onInterval: (i) => canary.observe(i) });
  monitor?.start();
  const limiter = new AbuseLimiter({
    ...opts.abuse,
    onAnomaly: reportAnomaly,
    onRelease: (tenant, fn, client) => logger.info({ tenant, function: fn, client }, `released the rate limit of ${client} on ${fn}`),
  });
  const scheduler = new Scheduler({
    engine, metrics, recorder, memoryBudget,
    ...(monitor ? { onInvocation: monitor.record.bind(monitor) } : {}),
    resolveVersion: (t) => resolveVersion(storage, box, t),
    hostCall: (t, config) => createHostCall(storage, ledger.service, t, config),
  });

  const router = new Router();
  const tenantsWithFunctions = new Set<string>(['default']);
  for (let cursor: string | null = null; ;) {
    const page = await storage.listFunctions(null, { cursor, limit: 200 });
    for (const f of page.items) {
      await loadRoutes(storage, router, f.tenant, f.name);
      tenantsWithFunctions.add(f.tenant);
    }
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }

  if (engine instanceof SandboxedEngine) for (const t of tenantsWithFunctions) engine.prewarm(t);

  let ready = false;
  const host = opts.host ?? '0.0.0.0';
  const adminHost = opts.adminHost ?? '127.0.0.1';
  const dataServer = http.createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, createGatewayHandler({
    router, invoker: scheduler, onError: (err) => logger.error({ err }, 'gateway error'),
    limiter, trustProxy: opts.trustProxy === true, onRateLimited: (fn) => metrics.rateLimited.inc({ function: fn }),
  }));
  dataServer.headersTimeout = 60_000;
  const dataAddr = await listen(dataServer, opts.port, host);
  const dataUrl = urlOf(dataAddr, host);

  const onFunctionChanged = (tenant: string, name: string): void => {
    void loadRoutes(storage, router, tenant, name).then(async () => {
      const route = router.get(name);
      scheduler.retireOthers(tenant, name, route?.version ?? null);
      // A deploy starts a canary (when its config asks for one); a rollback or delete ends it.
      const last = (await storage.listDeployments(tenant, name, { limit: 1 })).items[0];
      if (route && last?.kind === 'deploy' && last.version === route.version) canary.deployed(tenant, name, last.version, last.previous, route.config.canary, Date.now());
      else canary.cancel(tenant, name);
      if (!route) monitor?.forget(tenant, name);
      if (!route?.config.abuse?.rateLimit) limiter.forget(tenant, name);
    }).catch((err) => logger.error({ err, tenant, name }, 'failed to refresh a route'));
  };
  canaryRollback = (v) => {
    logger.warn({ canary: v }, `canary failed: rolling ${v.function} back from ${v.version} to ${v.previous}: ${v.reason}`);
    void rollbackTo({ storage, onFunctionChanged, ledger: ledgerService, logger }, { actor: 'system:canary' }, v.tenant, v.function, v.previous, Date.now(), v.reason)
      .catch((err: unknown) => logger.error({ err, canary: v }, 'the canary rollback failed'));
  };
  const control = createControlHandler({
    storage, secrets: box, invoker: scheduler, adminTokenHash: sha256Hex(admin.token), logger, dataPlaneUrl: dataUrl, ledger: ledger.service,
    ...(opts.prices ? { prices: opts.prices } : {}),
    metricsText: () => metrics.text(),
    isReady: () => ready,
    onFunctionChanged,
  });
  notifyLogs = (t, f) => control.notifyLogs(t, f);
  const adminServer = http.createServer(control);
  const adminAddr = await listen(adminServer, opts.adminPort, adminHost);
  const adminUrl = urlOf(adminAddr, adminHost);
  ready = true;
  logger.info({
    dataUrl, adminUrl, engine: engine.name, functions: router.size, ledger: { origin: ledger.key.origin, size: ledger.service.size },
    metering: { commitWindowMs: recorder.intervalMs, on: recorder.metering, currency: opts.prices?.currency ?? 'USD' },
  }, 'cairn node ready');

  let closing: Promise<void> | null = null;
  return {
    dataUrl, adminUrl, adminToken: admin.token, tokenGenerated: admin.generated, tokenPath: admin.path, logger,
    close() {
      closing ??= (async () => {
        ready = false;
        dataServer.closeIdleConnections();
        adminServer.closeIdleConnections();
        // In-flight requests get a grace period, then their connections are cut.
        const grace = setTimeout(() => { dataServer.closeAllConnections(); adminServer.closeAllConnections(); }, 5000);
        await Promise.all([new Promise((r) => dataServer.close(r)), new Promise((r) => adminServer.close(r))]);
        clearTimeout(grace);
        await scheduler.close();
        monitor?.close();
        await anomalyWrites;
        await engine.close();
        await recorder.flush();
        await ledger.service.close().catch((err: unknown) => logger.error({ err }, 'failed to close the ledger cleanly'));
        await storage.close();
      })();
      return closing;
    },
  };
}
