// The isolated-vm engine: one V8 isolate per function instance, with a memory limit (V8 heap),
// a CPU-time limit per invocation and a wall-clock timeout. A breach disposes that isolate only:
// its invocation ends with an InvocationError, the instance reports itself broken, and the
// scheduler replaces it. Other instances never notice.
import ivm from 'isolated-vm';
import { createFunctionContext, FunctionContext, FunctionError, SyncTimeoutError } from '../../isolate/context.ts';
import type { HostHooks, InvocationInput, ResponseSink } from '../../isolate/types.ts';
import { InvocationError, type Engine, type Instance, type InstanceInvokeResult, type InstanceSpec } from '../types.ts';
import { Watchdog, type Watched } from './watchdog.ts';

const watchdog = new Watchdog();

export interface IsolatedVmEngineOptions {
  /**
   * Enter isolates on the calling thread (see FunctionContext.invoke). Right for a sandbox process,
   * whose thread does nothing else and whose siblings provide the parallelism; the node process
   * keeps the default (isolate threads) so that its own thread stays responsive.
   */
  syncDispatch?: boolean;
  /**
   * Prepared isolates (web APIs installed, no function yet) kept per memory limit, so a cold start
   * only loads the function's module. Filled after the first instance of a size; default 1.
   */
  spares?: number;
}

interface Spare { isolate: ivm.Isolate; ctx: FunctionContext }

function newIsolate(memoryMb: number): ivm.Isolate {
  return new ivm.Isolate({
    memoryLimit: memoryMb,
    onCatastrophicError: (message) => {
      // V8 lost control of this isolate; the process is no longer trustworthy. In a sandbox
      // process the node notices the exit and replaces the process.
      console.error(`cairn: catastrophic isolate error (${message}); exiting`);
      process.abort();
    },
  });
}

export class IsolatedVmEngine implements Engine {
  readonly name = 'isolated-vm';
  readonly #instances = new Set<IsolatedVmInstance>();
  readonly #sync: boolean;
  readonly #spareTarget: number;
  readonly #spares = new Map<number, Spare[]>();
  readonly #refilling = new Set<number>();
  #closed = false;
  #spareHits = 0;
  #spareMisses = 0;

  constructor(opts: IsolatedVmEngineOptions = {}) {
    this.#sync = opts.syncDispatch ?? false;
    this.#spareTarget = opts.spares ?? 1;
  }

  async createInstance(spec: InstanceSpec, hooks: HostHooks): Promise<Instance> {
    const started = performance.now();
    const mb = spec.limits.memoryMb;
    const spare = this.#spares.get(mb)?.pop();
    if (spare) this.#spareHits++;
    else this.#spareMisses++;
    const isolate = spare?.isolate ?? newIsolate(mb);
    let ctx: FunctionContext | null = spare?.ctx ?? null;
    setImmediate(() => this.#refill(mb));
    try {
      if (ctx) ctx.bind(hooks);
      else ctx = await createFunctionContext(isolate, { hooks });
      await ctx.load(spec.code, spec.env, `${spec.function}/${spec.version}.js`);
    } catch (err) {
      ctx?.release();
      if (!isolate.isDisposed) isolate.dispose();
      throw new InvocationError('load-failed', `the function's module failed to load: ${(err as Error).message}`, true);
    }
    const instance = new IsolatedVmInstance(spec, isolate, ctx, performance.now() - started, () => this.#instances.delete(instance), this.#sync);
    this.#instances.add(instance);
    return instance;
  }

  /** Tops up the prepared isolates of one memory size, one at a time, off the request path. */
  #refill(mb: number): void {
    if (this.#closed || this.#refilling.has(mb) || (this.#spares.get(mb)?.length ?? 0) >= this.#spareTarget) return;
    this.#refilling.add(mb);
    const isolate = newIsolate(mb);
    createFunctionContext(isolate).then(
      (ctx) => {
        this.#refilling.delete(mb);
        if (this.#closed) {
          ctx.release();
          isolate.dispose();
          return;
        }
        const list = this.#spares.get(mb) ?? [];
        list.push({ isolate, ctx });
        this.#spares.set(mb, list);
        this.#refill(mb);
      },
      () => {
        this.#refilling.delete(mb);
        if (!isolate.isDisposed) isolate.dispose();
      },
    );
  }

  /** Prepared isolates waiting per memory size (for tests and metrics). */
  spareCount(memoryMb: number): number {
    return this.#spares.get(memoryMb)?.length ?? 0;
  }

  /** Cold starts served by a prepared isolate (hits) or by a new one (misses). */
  spareStats(): { hits: number; misses: number } {
    return { hits: this.#spareHits, misses: this.#spareMisses };
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const list of this.#spares.values()) {
      for (const s of list.splice(0)) {
        s.ctx.release();
        if (!s.isolate.isDisposed) s.isolate.dispose();
      }
    }
    await Promise.all([...this.#instances].map((i) => i.dispose()));
  }
}

class IsolatedVmInstance implements Instance {
  readonly id: string;
  readonly startMs: number;
  readonly #spec: InstanceSpec;
  readonly #isolate: ivm.Isolate;
  readonly #ctx: FunctionContext;
  readonly #onDispose: () => void;
  #tripped: 'cpu-limit' | 'timeout' | null = null;
  #disposed = false;
  readonly #sync: boolean;

  constructor(spec: InstanceSpec, isolate: ivm.Isolate, ctx: FunctionContext, startMs: number, onDispose: () => void, sync: boolean) {
    this.#sync = sync;
    this.id = spec.id;
    this.#spec = spec;
    this.#isolate = isolate;
    this.#ctx = ctx;
    this.startMs = startMs;
    this.#onDispose = onDispose;
  }

  get broken(): boolean {
    return this.#disposed || this.#isolate.isDisposed;
  }

  async invoke(input: InvocationInput, sink: ResponseSink): Promise<InstanceInvokeResult> {
    if (this.broken) throw new InvocationError('instance-crashed', 'the instance was disposed', true);
    const isolate = this.#isolate;
    const limits = this.#spec.limits;
    const startCpu = isolate.cpuTime;
    const deadline = performance.now() + limits.timeoutMs;
    const watched: Watched = {
      cpuNs: () => isolate.cpuTime,
      startCpuNs: startCpu,
      cpuLimitNs: BigInt(limits.cpuMs) * 1_000_000n,
      deadline,
      trip: (reason) => {
        this.#tripped = reason;
        this.#kill();
      },
    };
    const unwatch = watchdog.watch(watched);
    try {
      // The synchronous part may take at most the CPU limit plus slack for being descheduled;
      // past that it is a CPU-limit breach (the watchdog cannot run while this thread is busy).
      const syncMs = this.#sync ? Math.min(limits.timeoutMs, limits.cpuMs * 2 + 10) : undefined;
      const r = await this.#ctx.invoke(input, sink, syncMs);
      const cpuMs = this.#cpuSince(startCpu);
      // The response is out and the slot goes back to the pool: from now on the isolate's CPU may
      // be the next invocation's, so waitUntil work is held to the wall-clock deadline only.
      watched.cpuLimitNs = null;
      const waitUntil = r.waitUntil.finally(unwatch);
      return { cpuMs, waitUntil };
    } catch (err) {
      unwatch();
      throw this.#translate(err);
    }
  }

  #cpuSince(start: bigint): number {
    try {
      return Number(this.#isolate.cpuTime - start) / 1e6;
    } catch {
      return 0;
    }
  }

  #translate(err: unknown): InvocationError {
    if (err instanceof InvocationError) return err;
    if (err instanceof SyncTimeoutError) {
      this.#tripped = 'cpu-limit';
      this.#kill();
    }
    if (this.#tripped === 'cpu-limit') return new InvocationError('cpu-limit', `the invocation used more than ${this.#spec.limits.cpuMs} ms of CPU time`, true);
    if (this.#tripped === 'timeout') return new InvocationError('timeout', `the invocation did not finish within ${this.#spec.limits.timeoutMs} ms`, true);
    if (err instanceof FunctionError) return new InvocationError(err.code, err.message, false);
    const message = String((err as Error)?.message ?? err);
    if (/memory limit/i.test(message)) {
      this.#kill();
      return new InvocationError('memory-limit', `the instance exceeded its ${this.#spec.limits.memoryMb} MB memory limit`, true);
    }
    if (this.broken) return new InvocationError('instance-crashed', `the instance's isolate was disposed: ${message}`, true);
    return new InvocationError('function-threw', message, false);
  }

  #kill(): void {
    if (!this.#isolate.isDisposed) this.#isolate.dispose();
    this.#ctx.failAll(new Error('Isolate was disposed'));
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#ctx.release();
    this.#kill();
    this.#onDispose();
  }
}
