// Builds the global environment a function runs in: a context with the web APIs, the function's
// module, its env, and the dispatcher. Used by the isolated-vm engine and, unchanged, by the
// conformance adapter, so the tests see exactly what a deployed function sees.
import ivm from 'isolated-vm';
import { installWebApisSync, type WebApiHandle } from './webapi.ts';
import { DISPATCH_SOURCE } from './dispatch-source.ts';
import type { EnvSpec, HostHooks, InvocationInput, InvokeResult, ResponseSink } from './types.ts';

/** The synchronous part of a dispatch ran past its time bound (sync dispatch only): treat as a CPU-limit breach. */
export class SyncTimeoutError extends Error {}

/** The function itself failed: it threw, or returned something that is not a Response. */
export class FunctionError extends Error {
  readonly code: 'function-threw' | 'bad-response';
  constructor(code: 'function-threw' | 'bad-response', message: string) {
    super(message);
    this.code = code;
  }
}

type DispatchResult =
  | [number, string, string[], Uint8Array | null, number] // status, statusText, flat headers, bytes, waitUntil count
  | [0, number, [number, string, string[]] | null] // streamed; waitUntil count; the head if no chunk carried it
  | [-1 | -2, string, string]; // error kind, name, message/stack

interface Invocation {
  sink: ResponseSink;
  headSent: boolean;
  result: Promise<DispatchResult>;
  resolve(r: DispatchResult): void;
  reject(e: unknown): void;
}

function pairs(flat: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
}

// Hooks of a context that belongs to no function yet: nothing can run in it before load() anyway.
const UNBOUND: HostHooks = {
  log: () => {},
  call: () => Promise.reject(new Error('this context is not bound to a function')),
};

export class FunctionContext {
  readonly context: ivm.Context;
  readonly #isolate: ivm.Isolate;
  #hooks: HostHooks;
  readonly #webapi: WebApiHandle;
  readonly #invocations = new Map<string, Invocation>();
  #current: string | null = null;
  #dispatch: ivm.Reference<any> | null = null;
  #settle: ivm.Reference<any> | null = null;

  private constructor(isolate: ivm.Isolate, context: ivm.Context, hooks: HostHooks, webapi: WebApiHandle) {
    this.#isolate = isolate;
    this.context = context;
    this.#hooks = hooks;
    this.#webapi = webapi;
  }

  /** `hooks` may come later through bind(): a context can be prepared before it knows its function (a spare). */
  static async create(isolate: ivm.Isolate, opts: { hooks?: HostHooks } = {}): Promise<FunctionContext> {
    // Synchronous calls: no hand-offs to an isolate thread (see load()).
    const context = isolate.createContextSync();
    let self: FunctionContext | null = null;
    const hooks = (): HostHooks => (self ? self.#hooks : UNBOUND);
    const webapi = installWebApisSync(isolate, context, {
      log: (level, message) => hooks().log(self?.currentInvocation ?? null, level, message),
      fetch: async (req) => {
        const r = await hooks().call(self?.currentInvocation ?? null, '__fetch', 'fetch', [req]);
        return r as { status: number; statusText: string; headers: Array<[string, string]>; body: Uint8Array };
      },
      uncaught: (message) => hooks().log(self?.currentInvocation ?? null, 'error', 'Uncaught ' + message),
    });
    self = new FunctionContext(isolate, context, opts.hooks ?? UNBOUND, webapi);
    return self;
  }

  /** Gives a prepared context the host hooks of the instance it becomes (before load()). */
  bind(hooks: HostHooks): void {
    this.#hooks = hooks;
  }

  /**
   * The invocation console output and outbound calls are attributed to: the one in flight, or the
   * most recently started when several interleave (an isolate has no async context to tell them apart).
   */
  get currentInvocation(): string | null {
    return this.#current;
  }

  /** Compiles and evaluates the function's ES module (no imports: it is one bundle) and prepares `env`. */
  // Loading uses isolated-vm's synchronous calls: each asynchronous one is a hand-off to an isolate
  // thread and back, and a dozen of them were most of a cold start. Top-level code is bounded by
  // `topLevelMs` (it could loop forever like any other code).
  async load(code: string, env: EnvSpec, filename = 'function.js', topLevelMs = 5000): Promise<void> {
    const module = this.#isolate.compileModuleSync(code, { filename: 'file:///' + filename });
    module.instantiateSync(this.context, (specifier) => {
      throw new Error(`import of "${specifier}" is not available: bundle the function (cairn deploy does) so it has no imports`);
    });
    module.evaluateSync({ timeout: topLevelMs });
    const g = this.context.global;
    const hooks = this.#hooks;
    g.setSync('__cairn_ns', module.namespace.derefInto());
    g.setSync('__cairn_env', new ivm.ExternalCopy(env).copyInto());
    g.setSync('__cairn_call', new ivm.Reference(async (id: string | null, binding: string, op: string, args: unknown[]) => {
      try {
        return await hooks.call(id, binding, op, args);
      } catch (err) {
        const e = err as Error;
        return { __error: true, name: e?.name === 'TypeError' ? 'TypeError' : 'Error', message: String(e?.message ?? err) };
      }
    }));
    g.setSync('__cairn_result', new ivm.Reference((id: string, result: DispatchResult) => {
      this.#invocations.get(id)?.resolve(result);
    }));
    g.setSync('__cairn_chunk', new ivm.Reference(async (id: string, bytes: Uint8Array, head: [number, string, string[]] | null) => {
      const inv = this.#invocations.get(id);
      if (!inv) return false;
      if (head) this.#sendHead(inv, head);
      return (await inv.sink.chunk(bytes)) !== false;
    }));
    const pair = this.context.evalSync(DISPATCH_SOURCE, { reference: true, filename: 'cairn:dispatch' }) as ivm.Reference<any>;
    this.#dispatch = pair.getSync(0, { reference: true }) as ivm.Reference<any>;
    this.#settle = pair.getSync(1, { reference: true }) as ivm.Reference<any>;
    pair.release();
  }

  /**
   * Runs one invocation. With `syncMs`, the dispatch enters the isolate on this thread and runs its
   * synchronous part (bounded by isolated-vm's timeout) before returning: no hand-off to an isolate
   * thread, about half the CPU per request (measured); what the function awaits continues
   * asynchronously as usual. Without it, the isolate runs on isolated-vm's thread pool.
   */
  async invoke(input: InvocationInput, sink: ResponseSink, syncMs?: number): Promise<InvokeResult> {
    const dispatch = this.#dispatch;
    if (!dispatch) throw new Error('load() the function before invoking it');
    // Arguments cross as primitives (one string for all headers: HTTP forbids LF in names and
    // values) and one ExternalCopy for the body: cheaper than structured-copying an array.
    let headerText = '';
    for (const [k, v] of input.headers) {
      if (k.includes('\n') || v.includes('\n')) continue;
      headerText += headerText === '' ? `${k}\n${v}` : `\n${k}\n${v}`;
    }
    const body = input.body ? new ivm.ExternalCopy(input.body).copyInto({ release: true }) : null;
    let resolve!: (r: DispatchResult) => void, reject!: (e: unknown) => void;
    const result = new Promise<DispatchResult>((res, rej) => { resolve = res; reject = rej; });
    result.catch(() => {});
    const inv: Invocation = { sink, headSent: false, result, resolve, reject };
    this.#invocations.set(input.id, inv);
    this.#current = input.id;
    try {
      // A failed dispatch task means either the isolate is gone (limits: fail the invocation) or the
      // task left an unhandled rejection behind, which isolated-vm reports by failing the task:
      // report that the way the web platform does (an `unhandledrejection` event, then the log)
      // and keep waiting for the function's answer, which the dispatcher still delivers.
      const failed = (err: unknown): void => {
        if (this.#isolate.isDisposed) inv.reject(err);
        else if (syncMs !== undefined && /timed out/i.test(String((err as Error)?.message))) inv.reject(new SyncTimeoutError(String((err as Error).message)));
        else this.#webapi.reportRejection(err);
      };
      const args = [input.id, input.method, input.url, headerText, body];
      if (syncMs !== undefined) {
        try {
          dispatch.applySync(undefined, args, { timeout: syncMs });
        } catch (err) {
          failed(err);
        }
      } else {
        dispatch.apply(undefined, args, { result: { promise: true } }).catch(failed);
      }
      const r = await inv.result;
      const kind = r[0];
      if (kind === -1 || kind === -2) {
        throw new FunctionError(kind === -1 ? 'function-threw' : 'bad-response', `${r[1]}: ${r[2]}`.replace(/^(\w+): \1: /, '$1: '));
      }
      let waitCount: number;
      if (kind === 0) {
        const [, n, head] = r as [0, number, [number, string, string[]] | null];
        if (head) this.#sendHead(inv, head);
        waitCount = n;
      } else {
        const [status, statusText, headers, bytes, n] = r as [number, string, string[], Uint8Array | null, number];
        sink.head({ status, statusText, headers: pairs(headers), length: bytes ? bytes.byteLength : 0 });
        if (bytes && bytes.byteLength > 0) await sink.chunk(bytes);
        waitCount = n;
      }
      return { waitUntil: waitCount > 0 ? this.#settleWaits(input.id) : Promise.resolve() };
    } finally {
      this.#invocations.delete(input.id);
      if (this.#current === input.id) this.#current = this.#invocations.size ? [...this.#invocations.keys()].pop()! : null;
    }
  }

  #sendHead(inv: Invocation, [status, statusText, headers]: [number, string, string[]]): void {
    if (inv.headSent) return;
    inv.headSent = true;
    inv.sink.head({ status, statusText, headers: pairs(headers) });
  }

  async #settleWaits(id: string): Promise<void> {
    try {
      await this.#settle!.apply(undefined, [id], { arguments: { copy: true }, result: { promise: true } });
    } catch {
      // The isolate was disposed (limits) while waitUntil work ran: nothing left to wait for.
    }
  }

  /** Fails every invocation in flight (the engine disposed the isolate under them). */
  failAll(err: unknown): void {
    for (const inv of this.#invocations.values()) inv.reject(err);
  }

  /** Releases host-side resources (timers, crypto keys, references). The isolate is the engine's. */
  release(): void {
    this.failAll(new Error('the instance was disposed'));
    this.#webapi.release();
    this.#dispatch?.release();
    this.#settle?.release();
    this.#dispatch = this.#settle = null;
    this.#invocations.clear();
  }
}

export function createFunctionContext(isolate: ivm.Isolate, opts: { hooks?: HostHooks } = {}): Promise<FunctionContext> {
  return FunctionContext.create(isolate, opts);
}
