// Function logs and invocation (usage) records reach storage in group commits: buffered in memory
// and written in one transaction per commit window (`intervalMs`, default 100 ms, at most 1 s), or
// sooner when the buffer holds `maxBatch` entries.
//
// Durability: the first record of a window arms the timer, so every record is handed to storage at
// most `intervalMs` after it was recorded, and is durable once that commit returns (SQLite with
// synchronous=FULL). A kill -9 (or power cut) therefore loses at most the records of the last
// window plus the commit in flight; an invocation is recorded before its response ends, so these
// are invocations whose response completed less than `intervalMs` + one commit before the crash
// (test/usage/kill.test.ts). Console output is diagnostics, not billed data: it shares the window.
//
// A failed commit of invocation records is retried with the next window (storage skips ids it
// already has, so a retry never counts twice); after `maxAttempts` failed commits in a row the
// oldest failed batch is dropped and reported, so one bad record cannot stall metering forever.
import type { InvocationInput, LogInput, StorageDriver } from '../storage/types.ts';

/** The longest commit window the node accepts: a crash may lose at most this much usage. */
export const MAX_COMMIT_WINDOW_MS = 1000;
export const DEFAULT_COMMIT_WINDOW_MS = 100;

export interface RecorderOptions {
  /** Commit window in ms, 1..1000 (default 100). */
  intervalMs?: number;
  maxBatch?: number;
  /** Failed commits in a row before the oldest failed batch of invocation records is dropped (default 3). */
  maxAttempts?: number;
  /**
   * false: invocation records are not kept at all (no usage, no billing). Only for measuring what
   * metering costs (bench/metering.mjs); a node serving tenants always meters.
   */
  metering?: boolean;
  /** Called after logs of a function were committed (wakes `logs --follow` long-polls). */
  onLogsCommitted?: (tenant: string, fn: string) => void;
  /** Called after a batch of invocation records was committed, with its size and how long the commit took. */
  onInvocationsCommitted?: (count: number, ms: number) => void;
  /** Called when invocation records were given up on after `maxAttempts` failed commits. */
  onInvocationsDropped?: (count: number) => void;
  onError?: (err: unknown) => void;
}

interface Batch { entries: InvocationInput[]; attempts: number }

export class TelemetryRecorder {
  readonly #storage: StorageDriver;
  readonly #intervalMs: number;
  readonly #maxBatch: number;
  readonly #maxAttempts: number;
  readonly #metering: boolean;
  readonly #opts: RecorderOptions;
  #logs: LogInput[] = [];
  #invocations: InvocationInput[] = [];
  /** Batches whose commit failed, oldest first, written before anything newer. */
  #retry: Batch[] = [];
  #timer: NodeJS.Timeout | null = null;
  #flushing: Promise<void> = Promise.resolve();

  constructor(storage: StorageDriver, opts: RecorderOptions = {}) {
    const intervalMs = opts.intervalMs ?? DEFAULT_COMMIT_WINDOW_MS;
    if (!Number.isInteger(intervalMs) || intervalMs < 1 || intervalMs > MAX_COMMIT_WINDOW_MS) {
      throw new RangeError(`the commit window must be a whole number of ms from 1 to ${MAX_COMMIT_WINDOW_MS}, got ${intervalMs}`);
    }
    this.#storage = storage;
    this.#intervalMs = intervalMs;
    this.#maxBatch = opts.maxBatch ?? 1000;
    this.#maxAttempts = opts.maxAttempts ?? 3;
    this.#metering = opts.metering !== false;
    this.#opts = opts;
  }

  /** The commit window in ms. */
  get intervalMs(): number { return this.#intervalMs; }

  /** Whether invocation records are kept (false only for the metering benchmark). */
  get metering(): boolean { return this.#metering; }

  /** Entries buffered and not yet committed (including failed batches waiting for a retry). */
  get pending(): number {
    return this.#logs.length + this.#invocations.length + this.#retry.reduce((n, b) => n + b.entries.length, 0);
  }

  log(entry: LogInput): void {
    this.#logs.push(entry);
    this.#schedule();
  }

  invocation(entry: InvocationInput): void {
    if (!this.#metering) return;
    this.#invocations.push(entry);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#logs.length + this.#invocations.length >= this.#maxBatch) {
      void this.flush();
      return;
    }
    if (!this.#timer) {
      this.#timer = setTimeout(() => void this.flush(), this.#intervalMs);
      this.#timer.unref();
    }
  }

  /** Writes everything buffered so far; resolves when it is committed (or its commit failed). */
  flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    const logs = this.#logs;
    const fresh = this.#invocations;
    this.#logs = [];
    this.#invocations = [];
    this.#flushing = this.#flushing.then(async () => {
      const batches = this.#retry;
      this.#retry = [];
      if (fresh.length) batches.push({ entries: fresh, attempts: 0 });
      for (let i = 0; i < batches.length; i++) {
        const batch = batches[i]!;
        const t0 = performance.now();
        try {
          await this.#storage.appendInvocations(batch.entries);
          this.#opts.onInvocationsCommitted?.(batch.entries.length, performance.now() - t0);
        } catch (err) {
          this.#opts.onError?.(err);
          batch.attempts++;
          const rest = batches.slice(i);
          if (batch.attempts >= this.#maxAttempts) {
            rest.shift();
            this.#opts.onInvocationsDropped?.(batch.entries.length);
          }
          this.#retry = rest.concat(this.#retry);
          break;
        }
      }
      if (logs.length) {
        try {
          await this.#storage.appendLogs(logs);
          const seen = new Set<string>();
          for (const l of logs) {
            const key = l.tenant + '\0' + l.function;
            if (seen.has(key)) continue;
            seen.add(key);
            this.#opts.onLogsCommitted?.(l.tenant, l.function);
          }
        } catch (err) {
          this.#opts.onError?.(err);
        }
      }
      // Failed batches wait for the next window, whether or not new records arrive.
      if (this.#retry.length && !this.#timer) {
        this.#timer = setTimeout(() => void this.flush(), this.#intervalMs);
        this.#timer.unref();
      }
    });
    return this.#flushing;
  }
}
