// Function logs and invocation records reach storage in group commits: buffered in memory and
// written in one transaction every `intervalMs` (or sooner when the buffer is large). Console
// output is diagnostics, not acknowledged data, so a crash may lose the last window of it.
import type { InvocationInput, LogInput, StorageDriver } from '../storage/types.ts';

export interface RecorderOptions {
  intervalMs?: number;
  maxBatch?: number;
  /** Called after logs of a function were committed (wakes `logs --follow` long-polls). */
  onLogsCommitted?: (tenant: string, fn: string) => void;
  onError?: (err: unknown) => void;
}

export class TelemetryRecorder {
  readonly #storage: StorageDriver;
  readonly #opts: Required<Omit<RecorderOptions, 'onLogsCommitted' | 'onError'>> & RecorderOptions;
  #logs: LogInput[] = [];
  #invocations: InvocationInput[] = [];
  #timer: NodeJS.Timeout | null = null;
  #flushing: Promise<void> = Promise.resolve();

  constructor(storage: StorageDriver, opts: RecorderOptions = {}) {
    this.#storage = storage;
    this.#opts = { intervalMs: 100, maxBatch: 1000, ...opts };
  }

  log(entry: LogInput): void {
    this.#logs.push(entry);
    this.#schedule();
  }

  invocation(entry: InvocationInput): void {
    this.#invocations.push(entry);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#logs.length + this.#invocations.length >= this.#opts.maxBatch) {
      void this.flush();
      return;
    }
    if (!this.#timer) {
      this.#timer = setTimeout(() => void this.flush(), this.#opts.intervalMs);
      this.#timer.unref();
    }
  }

  /** Writes everything buffered so far; resolves when it is committed. */
  flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    const logs = this.#logs, invocations = this.#invocations;
    this.#logs = [];
    this.#invocations = [];
    this.#flushing = this.#flushing.then(async () => {
      try {
        if (invocations.length) await this.#storage.appendInvocations(invocations);
        if (logs.length) {
          await this.#storage.appendLogs(logs);
          const seen = new Set<string>();
          for (const l of logs) {
            const key = l.tenant + '\0' + l.function;
            if (seen.has(key)) continue;
            seen.add(key);
            this.#opts.onLogsCommitted?.(l.tenant, l.function);
          }
        }
      } catch (err) {
        this.#opts.onError?.(err);
      }
    });
    return this.#flushing;
  }
}
