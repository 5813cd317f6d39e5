// The keep-alive / pre-warm seam (issue 3). A policy is per application (here: per function, across
// its versions): it watches when invocations start and end and, whenever the application goes idle,
// answers two numbers in the shape of Shahrad et al., "Serverless in the Wild" (USENIX ATC 2020), §4:
//
//   idle ─────────────┬──────────────────────────────┬──────────►
//   (last end)        │◄──────── prewarmMs ─────────►│◄── keepAliveMs ──►│ unload
//
//   * prewarmMs = 0:  keep the instance that just went idle loaded for keepAliveMs, then unload it;
//   * prewarmMs > 0:  unload it at once, load a fresh instance prewarmMs after the idle start, keep that
//                     one loaded for keepAliveMs, then unload it if nothing arrived.
//
// Nothing here reads a clock: every time is a number of milliseconds on the caller's clock (the pool
// passes performance.now(), the simulator and the tests pass virtual time).

/** Which rule produced the windows (for metrics, logs and the simulator's breakdown). */
export type WindowSource = 'fixed' | 'histogram' | 'fallback' | 'forecast';

export interface IdleWindows {
  /** Delay from the idle start to loading an instance; 0 means keep the current one loaded instead. */
  prewarmMs: number;
  /** How long the kept (prewarmMs = 0) or pre-warmed (prewarmMs > 0) instance stays loaded. */
  keepAliveMs: number;
  source: WindowSource;
}

/** One idle period turned into absolute times: the app should have a warm instance during [loadAt, unloadAt). */
export interface IdlePlan {
  idleSince: number;
  /** = idleSince when the idle instance is simply kept; later when it is unloaded and pre-warmed again. */
  loadAt: number;
  unloadAt: number;
  /** True when the instance that went idle should be unloaded right away and a new one loaded at loadAt. */
  prewarm: boolean;
  source: WindowSource;
}

/** The per-application state of a keep-alive policy. */
export interface AppKeepAlive {
  /** An invocation of the app started at `now`. Records the idle time that just ended, if any. */
  onInvocationStart(now: number): void;
  /** An invocation of the app ended at `now`; when none is left running the app becomes idle. */
  onInvocationEnd(now: number): void;
  /** The windows that apply to the current (or next) idle period. */
  windows(): IdleWindows;
  /** Invocations running now. */
  readonly inflight: number;
  /** When the app last became idle; null while an invocation runs or before the first one ended. */
  readonly idleSince: number | null;
  /** The current idle period as absolute times; null while busy or before the first invocation ended. */
  plan(): IdlePlan | null;
  /** Should the app have a loaded instance at `now`? True while busy; false before its first invocation. */
  warmAt(now: number): boolean;
  /** The next time after `now` at which warmAt changes if no invocation arrives; null if it never does. */
  nextChangeAt(now: number): number | null;
  /** Approximate bytes of state this tracker holds (bounded by the policy, not by the traffic). */
  stateBytes(): number;
}

export interface KeepAlivePolicy {
  readonly name: string;
  /** A fresh tracker for one application. */
  forApp(): AppKeepAlive;
}

/** Turns windows into absolute times for an idle period that began at `idleSince`. */
export function idlePlan(w: IdleWindows, idleSince: number): IdlePlan {
  const keep = Math.max(0, w.keepAliveMs);
  if (w.prewarmMs > 0) {
    const loadAt = idleSince + w.prewarmMs;
    return { idleSince, loadAt, unloadAt: loadAt + keep, prewarm: true, source: w.source };
  }
  return { idleSince, loadAt: idleSince, unloadAt: idleSince + keep, prewarm: false, source: w.source };
}

/**
 * The bookkeeping every policy shares: in-flight count, idle start, and the plan derived from
 * `windows()`. Subclasses learn from `observeIdle` (one call per idle period that ended in an invocation).
 */
export abstract class AppActivity implements AppKeepAlive {
  #inflight = 0;
  #idleSince: number | null = null;

  abstract windows(): IdleWindows;
  abstract stateBytes(): number;
  /** An idle period of `idleMs` ended with an invocation at `now`. */
  protected abstract observeIdle(idleMs: number, now: number): void;

  get inflight(): number { return this.#inflight; }
  get idleSince(): number | null { return this.#inflight > 0 ? null : this.#idleSince; }

  onInvocationStart(now: number): void {
    if (this.#inflight === 0 && this.#idleSince !== null) this.observeIdle(Math.max(0, now - this.#idleSince), now);
    this.#inflight++;
  }

  onInvocationEnd(now: number): void {
    if (this.#inflight === 0) return; // unbalanced end: ignore rather than corrupt the state
    this.#inflight--;
    if (this.#inflight === 0) this.#idleSince = this.#idleSince === null ? now : Math.max(now, this.#idleSince);
  }

  plan(): IdlePlan | null {
    const since = this.idleSince;
    return since === null ? null : idlePlan(this.windows(), since);
  }

  warmAt(now: number): boolean {
    if (this.#inflight > 0) return true;
    const p = this.plan();
    return p !== null && now >= p.loadAt && now < p.unloadAt;
  }

  nextChangeAt(now: number): number | null {
    const p = this.plan();
    if (!p) return null;
    if (now < p.loadAt) return p.loadAt;
    if (now < p.unloadAt) return p.unloadAt;
    return null;
  }
}
