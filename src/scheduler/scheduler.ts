// Runs invocations: finds (or starts) an instance of the target version through its pool, streams
// the response to the caller's sink, turns platform failures into problem+json, and records
// metrics, logs and an invocation record. Versions are resolved lazily and cached; a deploy or
// rollback retires the old version's pool so its instances drain and stop.
import type { FunctionConfig } from '../config/schema.ts';
import { InvocationError, type Engine, type Instance } from '../runtime/engines/types.ts';
import type { EnvSpec, HostHooks, InvocationInput, ResponseSink } from '../runtime/isolate/types.ts';
import { Problem, toProblem } from '../shared/problem.ts';
import { newId } from '../shared/ids.ts';
import type { Metrics } from '../telemetry/metrics.ts';
import type { TelemetryRecorder } from '../telemetry/recorder.ts';
import { Pool } from './pool.ts';
import type { MemoryBudget } from './memory-budget.ts';
import { createKeepAlivePolicy, type AppKeepAlive } from './policy/index.ts';
import type { InvocationOutcome, InvocationTarget, InvokeOptions, Invoker } from './types.ts';

export interface ResolvedVersion { code: string; config: FunctionConfig; env: EnvSpec }

interface PoolEntry { pool: Pool; config: FunctionConfig; keepAlive: AppKeepAlive | null }

export interface SchedulerDeps {
  engine: Engine;
  resolveVersion(target: InvocationTarget): Promise<ResolvedVersion>;
  /** Serves the instance's outbound calls (bindings, fetch) for this version. */
  hostCall(target: InvocationTarget, config: FunctionConfig): HostHooks['call'];
  metrics: Metrics;
  recorder: TelemetryRecorder;
  /** Maintenance tick (idle reaping, min instances, pre-warming); default 1000 ms. */
  tickMs?: number;
  /** Node-wide instance memory budget; without it instances are limited only per function. */
  memoryBudget?: MemoryBudget;
  /**
   * Sees every finished invocation (the anomaly monitor). Called on the hot path: it must be O(1)
   * and must not throw.
   */
  onInvocation?: InvocationHook;
}

export type InvocationHook = (tenant: string, fn: string, version: string, status: number, durationMs: number, cpuMs: number, coldStart: boolean, error: string | null) => void;

const MESSAGE_LIMIT = 16 * 1024;

export class Scheduler implements Invoker {
  readonly #deps: SchedulerDeps;
  readonly #pools = new Map<string, Promise<PoolEntry>>();
  readonly #timer: NodeJS.Timeout;
  /** Keep-alive trackers per function (not per version: what it learned survives a deploy). */
  readonly #keepAlive = new Map<string, { policy: string; tracker: AppKeepAlive }>();

  constructor(deps: SchedulerDeps) {
    this.#deps = deps;
    this.#timer = setInterval(() => this.#maintain(), deps.tickMs ?? 1000);
    this.#timer.unref();
  }

  static key(t: InvocationTarget): string {
    return `${t.tenant}\0${t.function}\0${t.version}`;
  }

  #pool(target: InvocationTarget): Promise<PoolEntry> {
    const key = Scheduler.key(target);
    let p = this.#pools.get(key);
    if (!p) {
      p = this.#createPool(target, key);
      this.#pools.set(key, p);
      p.catch(() => this.#pools.delete(key));
    }
    return p;
  }

  async #createPool(target: InvocationTarget, key: string): Promise<PoolEntry> {
    const resolved = await this.#deps.resolveVersion(target);
    const { metrics, recorder } = this.#deps;
    const call = this.#deps.hostCall(target, resolved.config);
    const hooks: HostHooks = {
      log: (inv, level, message) => recorder.log({
        tenant: target.tenant, function: target.function, version: target.version, invocationId: inv ?? '',
        ts: Date.now(), level, message: message.length > MESSAGE_LIMIT ? message.slice(0, MESSAGE_LIMIT) + '…[truncated]' : message,
      }),
      call,
    };
    const start = (): Promise<Instance> => this.#deps.engine.createInstance({
      id: newId(), tenant: target.tenant, function: target.function, version: target.version,
      code: resolved.code, env: resolved.env, limits: resolved.config.limits,
    }, hooks);
    const keepAlive = this.#trackerFor(target, resolved.config.scaling);
    const pool = new Pool(key, resolved.config.scaling, start, {
      onInstanceStarted: (ms) => metrics.coldStartSeconds.observe({ function: target.function }, ms / 1000),
    }, { budget: this.#deps.memoryBudget, memoryMb: resolved.config.limits.memoryMb, keepAlive: keepAlive ?? undefined });
    return { pool, config: resolved.config, keepAlive };
  }

  /** The function's keep-alive tracker; null for the fixed policy, which the pool applies by itself. */
  #trackerFor(target: InvocationTarget, scaling: FunctionConfig['scaling']): AppKeepAlive | null {
    if (scaling.policy === 'fixed') return null;
    const key = `${target.tenant}\0${target.function}`;
    let entry = this.#keepAlive.get(key);
    if (!entry || entry.policy !== scaling.policy) {
      entry = { policy: scaling.policy, tracker: createKeepAlivePolicy(scaling.policy, { keepAliveMs: scaling.keepAliveMs }).forApp() };
      this.#keepAlive.set(key, entry);
    }
    return entry.tracker;
  }

  async invoke(target: InvocationTarget, input: InvocationInput, sink: ResponseSink, opts: InvokeOptions = {}): Promise<InvocationOutcome> {
    const started = performance.now();
    let status = 0;
    let headSent = false;
    // Metering: response bytes as they pass, the memory limit, and how long the instance was held.
    let bytesOut = 0, memoryMb = 0, ranMs = 0;
    const tracked: ResponseSink = {
      head: (h) => { headSent = true; status = h.status; sink.head(h); },
      chunk: (b) => { bytesOut += b.byteLength; return sink.chunk(b); },
      abort: (e) => sink.abort?.(e),
    };
    let cpuMs = 0, coldStart = false;
    let error: string | null = null;
    let tracking: AppKeepAlive | null = null;
    try {
      const { pool, config, keepAlive } = await this.#pool(target);
      keepAlive?.onInvocationStart(performance.now());
      tracking = keepAlive;
      memoryMb = config.limits.memoryMb;
      const lease = await pool.acquire();
      coldStart = lease.coldStart;
      const ran = performance.now();
      try {
        const r = await lease.slot.instance.invoke(input, tracked);
        cpuMs = r.cpuMs;
      } finally {
        ranMs = performance.now() - ran;
        pool.release(lease);
      }
    } catch (err) {
      const problem = err instanceof InvocationError ? invocationProblem(err, input.id) : toProblem(err);
      error = problem.code;
      if (!(err instanceof InvocationError) && !(err instanceof Problem)) {
        this.#deps.recorder.log({ tenant: target.tenant, function: target.function, version: target.version, invocationId: input.id, ts: Date.now(), level: 'error', message: `platform error: ${(err as Error)?.stack ?? err}` });
      }
      if (err instanceof InvocationError) {
        this.#deps.recorder.log({ tenant: target.tenant, function: target.function, version: target.version, invocationId: input.id, ts: Date.now(), level: 'error', message: `${err.code}: ${err.message}` });
      }
      if (!headSent) {
        status = problem.status;
        tracked.head({ status: problem.status, statusText: problem.title, headers: Object.entries(problem.headers()) });
        await tracked.chunk(new TextEncoder().encode(JSON.stringify(problem.toJSON())));
      } else {
        tracked.abort?.(err as Error);
      }
    }
    tracking?.onInvocationEnd(performance.now());
    const durationMs = performance.now() - started;
    this.#record(target, input, { status, durationMs, cpuMs, coldStart, error, trigger: opts.trigger ?? 'http', memoryMb, ranMs, bytesOut });
    return { invocationId: input.id, version: target.version, status, durationMs, cpuMs, coldStart, error };
  }

  /**
   * Metrics and the invocation's usage record. Billed wall time is the time the invocation held its
   * instance (queueing and cold start are not billed), rounded up to a whole ms; the record's ts is
   * when the invocation started.
   */
  #record(target: InvocationTarget, input: InvocationInput, o: {
    status: number; durationMs: number; cpuMs: number; coldStart: boolean; error: string | null;
    trigger: string; memoryMb: number; ranMs: number; bytesOut: number;
  }): void {
    const { metrics, recorder } = this.#deps;
    const labels = { function: target.function, version: target.version };
    metrics.invocations.inc({ ...labels, status: String(o.status) });
    metrics.duration.observe(labels, o.durationMs / 1000);
    if (o.cpuMs) metrics.cpu.inc(labels, o.cpuMs / 1000);
    if (o.coldStart) metrics.coldStarts.inc({ function: target.function });
    if (o.error) metrics.errors.inc({ ...labels, code: o.error });
    if (this.#deps.onInvocation) {
      try {
        this.#deps.onInvocation(target.tenant, target.function, target.version, o.status, o.durationMs, o.cpuMs, o.coldStart, o.error);
      } catch { /* monitoring must never fail an invocation */ }
    }
    const billedMs = Math.ceil(o.ranMs);
    const bytesIn = input.body?.byteLength ?? 0;
    metrics.countUsage(target.function, (o.memoryMb * billedMs) / 1_024_000, bytesIn, o.bytesOut);
    let path = '/';
    try { path = new URL(input.url).pathname; } catch { /* keep "/" */ }
    recorder.invocation({
      id: input.id, tenant: target.tenant, function: target.function, version: target.version, ts: Date.now() - Math.round(o.durationMs), trigger: o.trigger,
      method: input.method, path, status: o.status, durationMs: o.durationMs, cpuMs: o.cpuMs, coldStart: o.coldStart, error: o.error,
      memoryMb: o.memoryMb, billedMs, bytesIn, bytesOut: o.bytesOut,
    });
  }

  /** The function's served version changed (deploy/rollback/delete): retire every other version's pool. */
  retireOthers(tenant: string, fn: string, keep: string | null): void {
    for (const [key, p] of this.#pools) {
      const [t, f, v] = key.split('\0');
      if (t === tenant && f === fn && v !== keep) {
        this.#pools.delete(key);
        void p.then(({ pool }) => pool.retire(), () => {});
      }
    }
  }

  /** Instances per function and state, for /metrics and the admin view. */
  async snapshot(): Promise<Array<{ tenant: string; function: string; version: string; instances: number; busy: number; starting: number; queued: number }>> {
    const out = [];
    for (const [key, p] of this.#pools) {
      const [tenant = '', fn = '', version = ''] = key.split('\0');
      try {
        const { pool } = await p;
        out.push({ tenant, function: fn, version, instances: pool.size, busy: pool.busy, starting: pool.starting, queued: pool.queued });
      } catch { /* failed to resolve; nothing running */ }
    }
    return out;
  }

  #maintain(): void {
    const now = performance.now();
    for (const p of this.#pools.values()) {
      void p.then(({ pool }) => { pool.reapIdle(now); pool.ensureMinimum(now); }, () => {});
    }
    void this.snapshot().then((rows) => {
      const m = this.#deps.metrics.instances;
      const q = this.#deps.metrics.poolQueue;
      m.reset();
      q.reset();
      for (const r of rows) {
        m.inc({ function: r.function, state: 'busy' }, r.busy);
        m.inc({ function: r.function, state: 'idle' }, r.instances - r.busy);
        m.inc({ function: r.function, state: 'starting' }, r.starting);
        q.inc({ function: r.function }, r.queued);
      }
    });
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((p) => p.then(({ pool }) => pool.close(), () => {})));
  }
}

function invocationProblem(err: InvocationError, invocationId: string): Problem {
  const hints: Record<string, string> = {
    'cpu-limit': 'Make the handler do less work per request, or raise limits.cpuMs in the function config.',
    'memory-limit': 'Reduce what the function keeps in memory, or raise limits.memoryMb.',
    timeout: 'Make sure every promise the handler awaits settles, or raise limits.timeoutMs.',
    'function-threw': 'See `cairn logs <function> --invocation ' + invocationId + '` for the stack trace.',
    'bad-response': 'Return a Response (or a promise of one) from fetch().',
    'load-failed': 'Fix the module so that it evaluates and exports default { fetch }; redeploy or roll back.',
    'instance-crashed': 'Retry the request; the platform replaces crashed instances.',
  };
  return new Problem(err.status, err.code, err.code === 'function-threw' ? 'The function threw an exception.' : err.message, {
    hint: hints[err.code], extensions: { invocationId },
  });
}
