// DOM §3 aborting: AbortController, AbortSignal (abort/timeout/any, dependent signals, abort
// algorithms for internal users such as fetch, streams piping and event listeners).
import { DOMException } from './domexception.ts';
import { Event, EventTarget, defineEventHandler, fire, hooks } from './events.ts';
import { ILLEGAL, enforceRangeULL, requireArgs, toSequence } from './util.ts';
import { internalSetTimeout } from './timers.ts';

let signalInternals: {
  is: (v: any) => boolean;
  abort: (s: AbortSignal, reason: any) => void;
  add: (s: AbortSignal, fn: () => void) => void;
  remove: (s: AbortSignal, fn: () => void) => void;
  create: () => AbortSignal;
  take: (s: AbortSignal) => Array<() => void> | null;
  dependent: (signals: AbortSignal[]) => AbortSignal;
};

export class AbortSignal extends EventTarget {
  get [Symbol.toStringTag](): string { return 'AbortSignal'; }
  #aborted = false;
  #reason: any = undefined;
  #algorithms: Set<() => void> | null = null;
  #dependent = false;
  #sources: Set<AbortSignal> | null = null;
  #dependents: Set<WeakRef<AbortSignal>> | null = null;

  constructor(key: any = undefined) {
    if (key !== ILLEGAL) throw new TypeError('Illegal constructor');
    super();
  }

  static abort(reason: any = undefined): AbortSignal {
    const s = makeSignal();
    s.#aborted = true;
    s.#reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
    return s;
  }

  static timeout(milliseconds: any): AbortSignal {
    requireArgs(arguments.length, 1, "'timeout' on 'AbortSignal'");
    const ms = enforceRangeULL(milliseconds, 'milliseconds');
    const s = makeSignal();
    internalSetTimeout(() => {
      signalAbort(s, new DOMException('The operation timed out.', 'TimeoutError'));
    }, ms);
    return s;
  }

  static any(signals: any): AbortSignal {
    requireArgs(arguments.length, 1, "'any' on 'AbortSignal'");
    const list = toSequence(signals, "'any' on 'AbortSignal': parameter 1");
    for (const s of list) if (!isAbortSignal(s)) throw new TypeError("Failed to execute 'any' on 'AbortSignal': element is not an AbortSignal.");
    return createDependent(list);
  }

  get aborted(): boolean { return this.#aborted; }
  get reason(): any {
    if (!(#aborted in this)) throw new TypeError('Illegal invocation');
    return this.#reason;
  }
  throwIfAborted(): void {
    if (this.#aborted) throw this.#reason;
  }

  static {
    signalInternals = {
      is: (v) => v !== null && typeof v === 'object' && #aborted in v,
      abort: (s, reason) => {
        if (s.#aborted) return;
        s.#aborted = true;
        s.#reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
        const toAbort: AbortSignal[] = [];
        if (s.#dependents) {
          for (const ref of s.#dependents) {
            const d = ref.deref();
            if (d && !d.#aborted) {
              d.#aborted = true;
              d.#reason = s.#reason;
              toAbort.push(d);
            }
          }
        }
        runAbortSteps(s);
        for (const d of toAbort) runAbortSteps(d);
      },
      add: (s, fn) => {
        if (s.#aborted) return;
        (s.#algorithms ??= new Set()).add(fn);
      },
      remove: (s, fn) => { s.#algorithms?.delete(fn); },
      create: () => makeSignal(),
      take: (s) => {
        const a = s.#algorithms;
        s.#algorithms = null;
        return a ? [...a] : null;
      },
      dependent: (signals) => {
        const result = makeSignal();
        for (const s of signals) {
          if (s.#aborted) {
            result.#aborted = true;
            result.#reason = s.#reason;
            return result;
          }
        }
        result.#dependent = true;
        const ref = new WeakRef(result);
        for (const s of signals) {
          const sources = s.#dependent ? (s.#sources ?? new Set<AbortSignal>()) : [s];
          for (const src of sources) {
            (result.#sources ??= new Set()).add(src);
            (src.#dependents ??= new Set()).add(ref);
          }
        }
        return result;
      },
    };
  }
}
defineEventHandler(AbortSignal.prototype, 'abort');

// (Outside the class body, so that the bundler keeps the class name.)
function makeSignal(): AbortSignal {
  return new AbortSignal(ILLEGAL);
}

function runAbortSteps(s: AbortSignal): void {
  const algos = signalInternals.take(s);
  if (algos) {
    for (const fn of algos) {
      try { fn(); } catch (e) { hooks.reportException(e); }
    }
  }
  fire(s, new Event('abort'));
}

export function isAbortSignal(v: any): v is AbortSignal {
  return signalInternals.is(v);
}
export function signalAbort(s: AbortSignal, reason: any): void {
  signalInternals.abort(s, reason);
}
export function addAbortAlgorithm(s: AbortSignal, fn: () => void): void {
  signalInternals.add(s, fn);
}
export function removeAbortAlgorithm(s: AbortSignal, fn: () => void): void {
  signalInternals.remove(s, fn);
}
export function newAbortSignal(): AbortSignal {
  return signalInternals.create();
}
/** DOM "create a dependent abort signal". */
export function createDependent(signals: AbortSignal[]): AbortSignal {
  return signalInternals.dependent(signals);
}

export class AbortController {
  get [Symbol.toStringTag](): string { return 'AbortController'; }
  #signal: AbortSignal;
  constructor() {
    this.#signal = signalInternals.create();
  }
  get signal(): AbortSignal { return this.#signal; }
  abort(reason: any = undefined): void {
    signalAbort(this.#signal, reason);
  }
}

hooks.isAbortSignal = isAbortSignal;
hooks.addAbortAlgorithm = addAbortAlgorithm;
