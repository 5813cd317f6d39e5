// Long-poll support for GET /functions/{name}/logs?wait=. A request subscribes to (tenant, function)
// BEFORE it reads storage, so a batch written between the read and the wait still wakes it; the
// node calls notify() after each log batch it has persisted (see ControlHandler.notifyLogs).
// No timers poll storage: a waiter sleeps until notify, its timeout, or the client going away.

export interface LogSubscription {
  /** Resolves true when notified (possibly before wait() was called), false on timeout or abort. */
  wait(ms: number, signal?: AbortSignal): Promise<boolean>;
  cancel(): void;
}

export class LogWaiters {
  readonly #waiters = new Map<string, Set<() => void>>();

  subscribe(tenant: string, fn: string): LogSubscription {
    const key = keyOf(tenant, fn);
    let notified = false;
    let wake: (() => void) | null = null;
    const listener = (): void => { notified = true; wake?.(); };
    let set = this.#waiters.get(key);
    if (!set) this.#waiters.set(key, (set = new Set()));
    set.add(listener);
    const cancel = (): void => {
      const s = this.#waiters.get(key);
      if (!s) return;
      s.delete(listener);
      if (s.size === 0) this.#waiters.delete(key);
    };
    return {
      cancel,
      wait: (ms, signal) => new Promise<boolean>((resolve) => {
        if (notified) { cancel(); resolve(true); return; }
        if (signal?.aborted || ms <= 0) { cancel(); resolve(false); return; }
        const finish = (v: boolean): void => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          wake = null;
          cancel();
          resolve(v);
        };
        const onAbort = (): void => finish(false);
        const timer = setTimeout(() => finish(false), ms);
        signal?.addEventListener('abort', onAbort, { once: true });
        wake = () => finish(true);
      }),
    };
  }

  /** Wakes every request waiting for logs of this function. */
  notify(tenant: string, fn: string): void {
    const set = this.#waiters.get(keyOf(tenant, fn));
    if (!set) return;
    this.#waiters.delete(keyOf(tenant, fn));
    for (const listener of set) listener();
  }

  /** Number of (tenant, function) pairs with waiters; for tests and metrics. */
  get pending(): number {
    return this.#waiters.size;
  }
}

function keyOf(tenant: string, fn: string): string {
  return `${tenant}\0${fn}`;
}
