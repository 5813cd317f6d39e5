// Host side of the isolate's web platform: evaluates the bootstrap (dist/bootstrap.js, from
// src/runtime/isolate/bootstrap/) in a context and serves its bridges — console output, timers,
// the monotonic clock, randomness, fetch (through WebApiHost, which applies the egress policy),
// SubtleCrypto (Node's WebCrypto, keys kept here) and the lazily loaded scripts.
//
// Everything crosses the boundary as a copy: the isolate gets one ivm.Callback (arguments and
// results are structured-cloned) and the host keeps one Reference to the isolate's dispatcher.
import ivm from 'isolated-vm';
import { randomFillSync } from 'node:crypto';
import { CryptoBridge, type CryptoFailure } from './bridges/crypto.ts';
import { LAZY_SCRIPTS, bootstrapSource, compileBootstrap } from './bridges/sources.ts';

export type LogLevel = 'debug' | 'log' | 'info' | 'warn' | 'error';

export interface WebApiHost {
  /** console.* output, already formatted to one string (format objects like Node's util.inspect-lite / workerd). */
  log(level: LogLevel, message: string): void;
  /** Network fetch for non-data: URLs. The caller (the platform) applies the egress policy. Reject with an Error whose message is shown to the function as a TypeError. */
  fetch(req: { url: string; method: string; headers: Array<[string, string]>; body: Uint8Array | null }): Promise<{ status: number; statusText: string; headers: Array<[string, string]>; body: Uint8Array }>;
  /** Errors thrown from timer callbacks / event listeners / unhandled rejections the bootstrap catches. */
  uncaught(message: string): void;
}

export interface WebApiHandle {
  /** Clears this context's host timers, crypto key handles, pending work and references. */
  release(): void;
  /**
   * Reports a rejection that nothing handled (isolated-vm fails the task that leaves one behind):
   * fires `unhandledrejection` at the isolate's global object and, unless cancelled, host.uncaught.
   */
  reportRejection(reason: unknown): void;
  /** Host resources this context holds (for leak checks and tests). */
  stats(): WebApiStats;
}

export interface WebApiStats {
  /** Pending host timers (setTimeout/setInterval/AbortSignal.timeout/...). */
  timers: number;
  /** fetch() calls waiting for the host. */
  fetches: number;
  /** CryptoKeys held on the host for this context. */
  cryptoKeys: number;
  released: boolean;
}

const LEVELS = new Set(['debug', 'log', 'info', 'warn', 'error']);
const MAX_TIMER = 2147483647;
/** Host timers one context may hold (the isolate enforces the same limit with a clear error). */
const MAX_TIMERS = 10000;

function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

class Bridge {
  readonly #isolate: ivm.Isolate;
  readonly #context: ivm.Context;
  readonly #host: WebApiHost;
  readonly #timers = new Map<number, NodeJS.Timeout>();
  readonly #fetches = new Set<number>();
  readonly #crypto = new CryptoBridge();
  readonly #perfOrigin: number;
  #dispatch: ivm.Reference<(kind: string, a?: unknown, b?: unknown, c?: unknown) => void> | null = null;
  #released = false;

  constructor(isolate: ivm.Isolate, context: ivm.Context, host: WebApiHost, perfOrigin: number) {
    this.#isolate = isolate;
    this.#context = context;
    this.#host = host;
    this.#perfOrigin = perfOrigin;
  }

  setDispatch(ref: ivm.Reference<any>): void {
    this.#dispatch = ref;
  }

  /** The isolate's single synchronous entry into the host. */
  readonly onSync = (op: string, a?: any, b?: any, c?: any): unknown => {
    if (this.#released) return undefined;
    try {
      switch (op) {
        case 'log':
          this.#host.log(LEVELS.has(a) ? a : 'log', String(b));
          return undefined;
        case 'uncaught':
          this.#host.uncaught(String(a));
          return undefined;
        case 'now':
          return Math.round((performance.now() - this.#perfOrigin) * 200) / 200;
        case 'random': {
          const n = Math.min(Math.max(Number(a) | 0, 0), 65536);
          return randomFillSync(new Uint8Array(n));
        }
        case 'timer':
          this.#setTimer(Number(a), Number(b));
          return undefined;
        case 'clear': {
          const t = this.#timers.get(Number(a));
          if (t !== undefined) {
            clearTimeout(t);
            this.#timers.delete(Number(a));
          }
          return undefined;
        }
        case 'fetch':
          this.#fetch(Number(a), b);
          return undefined;
        case 'fetchAbort':
          this.#fetches.delete(Number(a));
          return undefined;
        case 'crypto':
          this.#runCrypto(Number(a), String(b), c);
          return undefined;
        case 'cryptoRelease':
          this.#crypto.drop(Number(a));
          return undefined;
        case 'load':
          return this.#load(String(a));
      }
    } catch (err) {
      if (op === 'load') throw new Error(`Cairn: could not load the ${String(a)} module: ${errorMessage(err)}`, { cause: err });
      // Host failures never reach the function as host objects; log them for the operator.
      try { this.#host.log('error', `Cairn web API bridge error (${op}): ${errorMessage(err)}`); } catch { /* ignore */ }
    }
    return undefined;
  };

  #setTimer(id: number, ms: number): void {
    const delay = Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_TIMER) : 0;
    const old = this.#timers.get(id);
    if (old !== undefined) clearTimeout(old);
    else if (this.#timers.size >= MAX_TIMERS) return;
    this.#timers.set(id, setTimeout(() => {
      this.#timers.delete(id);
      this.#send('timer', id);
    }, delay));
  }

  #fetch(id: number, req: any): void {
    this.#fetches.add(id);
    let p: Promise<Awaited<ReturnType<WebApiHost['fetch']>>>;
    try {
      p = this.#host.fetch({
        url: String(req.url),
        method: String(req.method),
        headers: Array.isArray(req.headers) ? req.headers.map((h: any) => [String(h[0]), String(h[1])] as [string, string]) : [],
        body: req.body instanceof Uint8Array ? req.body : null,
      });
    } catch (err) {
      p = Promise.reject(err);
    }
    p.then((res) => {
      if (!this.#fetches.delete(id)) return;
      this.#send('fetch', id, true, {
        status: Number(res.status) | 0,
        statusText: String(res.statusText ?? ''),
        headers: (res.headers ?? []).map(([k, v]) => [String(k), String(v)]),
        body: res.body instanceof Uint8Array ? res.body : new Uint8Array(0),
      });
    }, (err) => {
      if (!this.#fetches.delete(id)) return;
      this.#send('fetch', id, false, { message: errorMessage(err) || 'fetch failed' });
    });
  }

  #runCrypto(id: number, op: string, args: unknown): void {
    this.#crypto.run(op, args as unknown[]).then(
      (result) => this.#send('crypto', id, true, result),
      (failure: CryptoFailure) => this.#send('crypto', id, false, failure),
    );
  }

  #load(name: string): unknown {
    if (!LAZY_SCRIPTS.has(name)) throw new Error('unknown module');
    const source = bootstrapSource(name);
    const script = compileBootstrap(this.#isolate, source);
    const ref = script.runSync(this.#context, { reference: true }) as ivm.Reference<unknown>;
    script.release();
    return ref.derefInto();
  }

  /** Host → isolate: runs the dispatcher as its own task. */
  #send(kind: string, a?: unknown, b?: unknown, c?: unknown): void {
    const d = this.#dispatch;
    if (this.#released || d === null || this.#isolate.isDisposed) return;
    d.apply(undefined, [kind, a, b, c], { arguments: { copy: true } }).catch((err) => {
      if (this.#released || this.#isolate.isDisposed) return;
      // The task ended with a rejection nobody handled (isolated-vm fails the task for it).
      this.reportRejection(err);
    });
  }

  reportRejection(reason: unknown): void {
    const d = this.#dispatch;
    if (this.#released || d === null || this.#isolate.isDisposed) return;
    let value: unknown = reason;
    try {
      new ivm.ExternalCopy(reason).release();
    } catch {
      value = errorMessage(reason);
    }
    d.apply(undefined, ['rejection', value], { arguments: { copy: true } }).catch((err) => {
      if (this.#released || this.#isolate.isDisposed) return;
      try { this.#host.uncaught(`(in promise) ${err instanceof Error ? err.stack ?? err.message : String(err)}`); } catch { /* ignore */ }
    });
  }

  stats(): WebApiStats {
    return { timers: this.#timers.size, fetches: this.#fetches.size, cryptoKeys: this.#crypto.size, released: this.#released };
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    this.#fetches.clear();
    this.#crypto.release();
    try { this.#dispatch?.release(); } catch { /* already gone with the isolate */ }
    this.#dispatch = null;
  }
}

/**
 * Reads the bootstrap scripts and makes their code caches now (once per process, ~50 ms), so that
 * the first function instance does not pay for it. installWebApis() does it on first use otherwise.
 */
export function prepareWebApis(): void {
  ensureUtc();
  bootstrapSource('main');
}

/** Evaluates the bootstrap in `context` and wires the host bridges. */
export async function installWebApis(isolate: ivm.Isolate, context: ivm.Context, host: WebApiHost): Promise<WebApiHandle> {
  return installWebApisSync(isolate, context, host);
}

/**
 * Isolates run in UTC. V8 takes its time zone from the process (ICU's default), so the only way
 * to give isolates UTC is to run the process in UTC; Node applies a change of process.env.TZ to
 * every isolate created afterwards. Done once, before the first context gets its web APIs.
 */
let utc = false;
function ensureUtc(): void {
  if (utc) return;
  if (process.env.TZ !== 'UTC') process.env.TZ = 'UTC';
  utc = true;
}

/** Handed to every context: the isolate keeps its class (to detach ArrayBuffers), not the value. */
let externalCopySample: ivm.ExternalCopy<number> | null = null;

/** installWebApis without the promise (for callers that already hold the isolate's thread). */
export function installWebApisSync(isolate: ivm.Isolate, context: ivm.Context, host: WebApiHost): WebApiHandle {
  ensureUtc();
  const source = bootstrapSource('main');
  const script = compileBootstrap(isolate, source);
  const install = script.runSync(context, { reference: true }) as ivm.Reference<any>;
  const perfOrigin = performance.now();
  const bridge = new Bridge(isolate, context, host, perfOrigin);
  const timeOrigin = performance.timeOrigin + perfOrigin;
  externalCopySample ??= new ivm.ExternalCopy(0);
  const dispatch = install.applySync(undefined, [new ivm.Callback(bridge.onSync), externalCopySample, timeOrigin], {
    result: { reference: true },
  }) as ivm.Reference<any>;
  bridge.setDispatch(dispatch);
  return {
    release: () => bridge.release(),
    reportRejection: (reason) => bridge.reportRejection(reason),
    stats: () => bridge.stats(),
  };
}
