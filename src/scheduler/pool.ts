// The instances of one function version: up to `concurrency` invocations per instance, scaling out
// to `maxInstances`, then a bounded queue, then 503 with Retry-After. Idle instances beyond
// `minInstances` are reclaimed after `keepAliveMs`, so an unused function scales to zero.
import type { Instance } from '../runtime/engines/types.ts';
import type { FunctionConfig } from '../config/schema.ts';
import { Problem } from '../shared/problem.ts';
import type { MemoryBudget } from './memory-budget.ts';
import type { AppKeepAlive } from './policy/index.ts';

export interface Slot { instance: Instance; inflight: number; lastUsed: number }
export interface Lease { slot: Slot; coldStart: boolean }

interface Waiter { resolve(l: Lease): void; reject(e: unknown): void; cold: boolean }

export interface PoolEvents {
  onInstanceStarted?(startMs: number): void;
  onInstanceStopped?(reason: StopReason): void;
}

export type StopReason = 'idle' | 'broken' | 'retired' | 'evicted';

export interface PoolOptions {
  /** Node-wide budget this pool's instances count against, each at `memoryMb`. */
  budget?: MemoryBudget;
  memoryMb?: number;
  /**
   * The function's keep-alive policy (see policy/): decides whether its last instance stays loaded
   * when idle and when one is pre-warmed. Without it, idle instances live `keepAliveMs` (fixed).
   */
  keepAlive?: AppKeepAlive;
}

export class Pool {
  readonly key: string;
  readonly #scaling: FunctionConfig['scaling'];
  readonly #start: () => Promise<Instance>;
  readonly #events: PoolEvents;
  readonly #slots: Slot[] = [];
  readonly #queue: Waiter[] = [];
  #starting = 0;
  #retired = false;
  readonly #budget: MemoryBudget | undefined;
  readonly #memoryMb: number;
  readonly #unregister: () => void;
  readonly #keepAlive: AppKeepAlive | undefined;

  constructor(key: string, scaling: FunctionConfig['scaling'], start: () => Promise<Instance>, events: PoolEvents = {}, opts: PoolOptions = {}) {
    this.key = key;
    this.#scaling = scaling;
    this.#start = start;
    this.#events = events;
    this.#budget = opts.budget;
    this.#memoryMb = opts.memoryMb ?? 0;
    this.#keepAlive = opts.keepAlive;
    this.#unregister = this.#budget?.register({
      idleInstances: () => this.#slots.filter((s) => s.inflight === 0).map((s) => ({ lastUsed: s.lastUsed, memoryMb: this.#memoryMb, stop: () => this.#remove(s, 'evicted') })),
    }) ?? (() => {});
  }

  get size(): number { return this.#slots.length; }
  get starting(): number { return this.#starting; }
  get queued(): number { return this.#queue.length; }
  get busy(): number { return this.#slots.filter((s) => s.inflight > 0).length; }

  acquire(): Promise<Lease> {
    const free = this.#freeSlot();
    if (free) {
      free.inflight++;
      return Promise.resolve({ slot: free, coldStart: false });
    }
    if (this.#slots.length + this.#starting < this.#scaling.maxInstances) {
      return new Promise((resolve, reject) => {
        this.#queue.push({ resolve, reject, cold: true });
        this.#spawn();
      });
    }
    if (this.#queue.length >= this.#scaling.queueDepth) {
      return Promise.reject(new Problem(503, 'overloaded', `all ${this.#scaling.maxInstances} instances are busy and ${this.#queue.length} requests are already waiting`, {
        hint: 'Retry after the indicated delay, or raise scaling.maxInstances / scaling.queueDepth for this function.',
        retryAfterSeconds: 1,
      }));
    }
    return new Promise((resolve, reject) => this.#queue.push({ resolve, reject, cold: false }));
  }

  release(lease: Lease): void {
    const slot = lease.slot;
    slot.inflight--;
    slot.lastUsed = performance.now();
    if (slot.instance.broken) {
      this.#remove(slot, 'broken');
      if (this.#queue.length && this.#slots.length + this.#starting < this.#scaling.maxInstances) this.#spawn();
      return;
    }
    if (this.#retired && slot.inflight === 0) {
      this.#remove(slot, 'retired');
      return;
    }
    this.#drain();
  }

  /** Keeps at least `minInstances` running, and pre-warms one when the keep-alive policy says so (maintenance tick). */
  ensureMinimum(now = performance.now()): void {
    if (this.#retired) return;
    const floor = Math.max(this.#scaling.minInstances, this.#keepAlive?.warmAt(now) ? 1 : 0);
    while (this.#slots.length + this.#starting < floor && this.#spawn()) { /* spawned one */ }
  }

  /**
   * Stops idle instances, keeping minInstances. Scale-out instances stop after keepAliveMs idle; the
   * last one follows the keep-alive policy when there is one (unloaded as soon as it says so).
   */
  reapIdle(now: number): number {
    let stopped = 0;
    const floor = this.#retired ? 0 : this.#scaling.minInstances;
    const policyWarm = this.#keepAlive ? this.#keepAlive.warmAt(now) : null;
    const idle = this.#slots.filter((s) => s.inflight === 0).sort((a, b) => a.lastUsed - b.lastUsed);
    for (const slot of idle) {
      if (this.#slots.length <= floor) break;
      const last = this.#slots.length === 1;
      const expired = this.#retired || (last && policyWarm !== null ? !policyWarm : now - slot.lastUsed >= this.#scaling.keepAliveMs);
      if (expired) {
        this.#remove(slot, this.#retired ? 'retired' : 'idle');
        stopped++;
      }
    }
    return stopped;
  }

  /** This version is no longer served: stop idle instances now and busy ones when they finish. */
  retire(): void {
    this.#retired = true;
    this.reapIdle(performance.now());
  }

  get empty(): boolean {
    return this.#slots.length === 0 && this.#starting === 0 && this.#queue.length === 0;
  }

  async close(): Promise<void> {
    this.#retired = true;
    this.#unregister();
    for (const w of this.#queue.splice(0)) w.reject(new Problem(503, 'shutting-down', 'the node is shutting down', { retryAfterSeconds: 1 }));
    const slots = this.#slots.splice(0);
    for (let i = 0; i < slots.length; i++) this.#budget?.release(this.#memoryMb);
    await Promise.all(slots.map((s) => s.instance.dispose()));
  }

  #freeSlot(): Slot | null {
    let best: Slot | null = null;
    for (const s of this.#slots) {
      if (s.inflight < this.#scaling.concurrency && !s.instance.broken && (!best || s.inflight < best.inflight)) best = s;
    }
    return best;
  }

  /** Starts one instance; false when the memory budget refused it. */
  #spawn(): boolean {
    if (this.#budget && !this.#budget.acquire(this.#memoryMb)) {
      // Nothing idle anywhere could make room: refuse the request that needed this instance.
      const w = this.#queue.pop();
      w?.reject(new Problem(503, 'memory-budget', `the node's instance memory budget (${this.#budget.limitMb} MB) is in use by busy instances`, {
        hint: 'Retry after the indicated delay; an operator can raise the node memory budget or add nodes.',
        retryAfterSeconds: 1,
      }));
      return false;
    }
    this.#starting++;
    this.#start().then(
      (instance) => {
        this.#starting--;
        this.#events.onInstanceStarted?.(instance.startMs);
        if (this.#retired && this.#queue.length === 0) {
          this.#budget?.release(this.#memoryMb);
          void instance.dispose();
          return;
        }
        this.#slots.push({ instance, inflight: 0, lastUsed: performance.now() });
        this.#drain();
      },
      (err) => {
        this.#starting--;
        this.#budget?.release(this.#memoryMb);
        // A version that cannot start fails the requests that were waiting for it, not later ones.
        const waiting = this.#queue.splice(0, Math.max(1, this.#queue.length - this.#slots.length * this.#scaling.concurrency));
        for (const w of waiting) w.reject(err);
      },
    );
    return true;
  }

  #drain(): void {
    while (this.#queue.length) {
      const free = this.#freeSlot();
      if (!free) break;
      const w = this.#queue.shift()!;
      free.inflight++;
      w.resolve({ slot: free, coldStart: w.cold });
    }
  }

  #remove(slot: Slot, reason: StopReason): void {
    const i = this.#slots.indexOf(slot);
    if (i < 0) return;
    this.#slots.splice(i, 1);
    this.#budget?.release(this.#memoryMb);
    void slot.instance.dispose();
    this.#events.onInstanceStopped?.(reason);
  }
}
