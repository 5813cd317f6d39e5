// One timer per process watches every running invocation's CPU and wall time, instead of
// isolated-vm's per-call `timeout` option (measured at 10-45% of throughput) or a timer per call.
// On a breach it runs the invocation's `trip` (which disposes the isolate: the only way to stop
// code that never yields). The timer runs only while invocations are in flight.

export interface Watched {
  cpuNs(): bigint;
  startCpuNs: bigint;
  /** null: wall time only (after the response, when the isolate's CPU may be another invocation's). */
  cpuLimitNs: bigint | null;
  deadline: number;
  trip(reason: 'cpu-limit' | 'timeout'): void;
}

export class Watchdog {
  readonly #watched = new Set<Watched>();
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | null = null;

  constructor(intervalMs = 5) {
    this.#intervalMs = intervalMs;
  }

  watch(w: Watched): () => void {
    this.#watched.add(w);
    if (!this.#timer) {
      // Not unref'd: an isolate running on its own thread does not keep Node's loop alive, and
      // the watchdog must outlive it. It is cleared as soon as nothing is in flight.
      this.#timer = setInterval(() => this.#tick(), this.#intervalMs);
    }
    return () => {
      this.#watched.delete(w);
      if (this.#watched.size === 0 && this.#timer) {
        clearInterval(this.#timer);
        this.#timer = null;
      }
    };
  }

  #tick(): void {
    const now = performance.now();
    for (const w of this.#watched) {
      let reason: 'cpu-limit' | 'timeout' | null = null;
      try {
        if (w.cpuLimitNs !== null && w.cpuNs() - w.startCpuNs > w.cpuLimitNs) reason = 'cpu-limit';
      } catch {
        reason = null; // isolate already gone; its invocation is failing on its own
      }
      if (!reason && now > w.deadline) reason = 'timeout';
      if (reason) {
        this.#watched.delete(w);
        w.trip(reason);
      }
    }
  }
}
