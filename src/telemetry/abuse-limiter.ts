// Automatic rate limiting of anomalous clients (issue 5, "abuse"). The gateway asks `admit` for
// every request of a function whose config enables `abuse.rateLimit` (O(1): two map lookups, an LRU
// touch and a counter). Per (function, client) requests are counted in fixed intervals (default
// 1 s); when a client's interval closes, its request rate is judged against the function's
// population of clients: a streaming detector from src/anomaly/ (robust median/MAD) is fed one
// sample per active client per interval, and a client is a flood when the detector's score is at or
// above the threshold AND its rate is at least `factor` × the population's typical per-client rate
// AND at least the absolute floor. A flood is limited (the gateway answers 429) and reported as an
// anomaly event (signal `client-rate`); it is released once its rate has been normal for
// `cooldownMs`. State is bounded: at most `maxClients` clients per function (LRU eviction through an
// intrusive list), a few numbers each. Time is injected (`now`), so tests drive intervals without sleeping.
import { createDetector, type Detector } from '../anomaly/index.ts';
import { newId } from '../shared/ids.ts';
import type { AnomalyEvent } from './anomaly-monitor.ts';

export const CLIENT_RATE_SIGNAL = 'client-rate';

/** The per-function settings (the function config's `abuse` object, defaults applied). */
export interface AbusePolicy {
  /** Requests/s below which a client is never limited. */
  floorPerS: number;
  /** How many times the population's typical per-client rate a client must exceed. */
  factor: number;
  /** How long a limited client's rate must stay normal before it is released (ms). */
  cooldownMs: number;
}

export interface AbuseLimiterOptions {
  /** Interval length in ms (default 1000). */
  intervalMs?: number;
  /** Clients tracked per function; the least recently seen is evicted beyond it (default 10 000). */
  maxClients?: number;
  /** Detector score at or above which a client's rate is anomalous (default 0.75: 9 robust σ). */
  threshold?: number;
  /** Client samples (one per active client per interval) a function needs before anyone is judged (default 10). */
  warmupSamples?: number;
  /** The population detector of one function (default: robust median/MAD over the last 256 client samples). */
  detector?: () => Detector;
  now?: () => number;
  onAnomaly?(event: AnomalyEvent): void;
  /** A limited client became normal again and is admitted. */
  onRelease?(tenant: string, fn: string, client: string): void;
}

interface ClientState {
  key: string;
  /** The recency list (least recently seen first): an intrusive doubly linked list, O(1) touch and eviction. */
  prev: ClientState | null;
  next: ClientState | null;
  /** End of the client's open interval. */
  end: number;
  count: number;
  limited: boolean;
  /** While limited: the time from which it is released if its rate stays normal. */
  releaseAt: number;
}

interface FunctionState {
  clients: Map<string, ClientState>;
  oldest: ClientState | null;
  newest: ClientState | null;
  detector: Detector;
  /** Exponentially weighted mean and variance of normal client rates (expected value, explanation). */
  mean: number;
  variance: number;
  seen: number;
}

const EW_ALPHA = 0.05;

export class AbuseLimiter {
  readonly intervalMs: number;
  readonly #maxClients: number;
  readonly #threshold: number;
  readonly #warmup: number;
  readonly #makeDetector: () => Detector;
  readonly #now: () => number;
  readonly #onAnomaly: ((e: AnomalyEvent) => void) | undefined;
  readonly #onRelease: ((tenant: string, fn: string, client: string) => void) | undefined;
  /** tenant → function → state: no key string built per request. */
  readonly #fns = new Map<string, Map<string, FunctionState>>();

  constructor(opts: AbuseLimiterOptions = {}) {
    this.intervalMs = opts.intervalMs ?? 1000;
    if (!(this.intervalMs >= 1)) throw new RangeError('intervalMs must be at least 1');
    this.#maxClients = opts.maxClients ?? 10_000;
    if (!(this.#maxClients >= 1)) throw new RangeError('maxClients must be at least 1');
    this.#threshold = opts.threshold ?? 0.75;
    this.#warmup = opts.warmupSamples ?? 10;
    this.#makeDetector = opts.detector ?? (() => createDetector('robust', { robust: { windowSize: 256 } }));
    this.#now = opts.now ?? Date.now;
    this.#onAnomaly = opts.onAnomaly;
    this.#onRelease = opts.onRelease;
  }

  /**
   * Counts one request of `client` to a function and says whether to serve it: 0 to serve, else
   * the seconds after which the client may retry (it is limited). O(1).
   */
  admit(tenant: string, fn: string, version: string, client: string, policy: AbusePolicy): number {
    const now = this.#now();
    let byFn = this.#fns.get(tenant);
    if (!byFn) { byFn = new Map(); this.#fns.set(tenant, byFn); }
    let f = byFn.get(fn);
    if (!f) {
      f = { clients: new Map(), oldest: null, newest: null, detector: this.#makeDetector(), mean: 0, variance: 0, seen: 0 };
      byFn.set(fn, f);
    }
    let c = f.clients.get(client);
    if (c) {
      if (c !== f.newest) { unlink(f, c); append(f, c); }
      if (now >= c.end) this.#closeDue(f, c, tenant, fn, version, client, policy, now);
    } else {
      if (f.clients.size >= this.#maxClients && f.oldest) {
        const evicted = f.oldest;
        unlink(f, evicted);
        f.clients.delete(evicted.key);
      }
      c = { key: client, prev: null, next: null, end: (Math.floor(now / this.intervalMs) + 1) * this.intervalMs, count: 0, limited: false, releaseAt: 0 };
      f.clients.set(client, c);
      append(f, c);
    }
    c.count++;
    if (!c.limited) return 0;
    return Math.max(1, Math.ceil((c.releaseAt - now) / 1000));
  }

  /** Whether a client is limited now (for tests and the admin view). */
  isLimited(tenant: string, fn: string, client: string): boolean {
    return this.#fns.get(tenant)?.get(fn)?.clients.get(client)?.limited ?? false;
  }

  /** Clients tracked for a function. */
  tracked(tenant: string, fn: string): number {
    return this.#fns.get(tenant)?.get(fn)?.clients.size ?? 0;
  }

  /** The population's typical per-client rate (requests/s) of a function. */
  expectedRate(tenant: string, fn: string): number {
    return this.#fns.get(tenant)?.get(fn)?.mean ?? 0;
  }

  /** Stops tracking a function (deleted, or rate limiting turned off). */
  forget(tenant: string, fn: string): void {
    this.#fns.get(tenant)?.delete(fn);
  }

  #closeDue(f: FunctionState, c: ClientState, tenant: string, fn: string, version: string, client: string, policy: AbusePolicy, now: number): void {
    this.#close(f, c, tenant, fn, version, client, policy, c.end);
    // Idle intervals in between are normal (zero) rates: they count towards a release, and are not
    // fed to the population (which describes clients while they are active).
    const idle = Math.floor((now - c.end) / this.intervalMs);
    c.end += (idle + 1) * this.intervalMs;
    if (c.limited && idle > 0) this.#calm(f, c, tenant, fn, client, now);
  }

  /** Judges the client's interval that ends at `ts` and opens the next one. */
  #close(f: FunctionState, c: ClientState, tenant: string, fn: string, version: string, client: string, policy: AbusePolicy, ts: number): void {
    const rate = c.count / (this.intervalMs / 1000);
    c.count = 0;
    const expected = f.mean;
    const sd = Math.sqrt(f.variance);
    const flood = rate >= policy.floorPerS && rate >= policy.factor * expected;
    if (c.limited) {
      // A limited client is not fed to the population; its interval either keeps it limited or calms it.
      if (flood) c.releaseAt = ts + policy.cooldownMs;
      else this.#calm(f, c, tenant, fn, client, ts);
      return;
    }
    const score = f.detector.update(ts, rate);
    if (flood && f.seen >= this.#warmup && score >= this.#threshold) {
      c.limited = true;
      c.releaseAt = ts + policy.cooldownMs;
      this.#onAnomaly?.({
        id: newId(ts), ts, tenant, function: fn, version, signal: CLIENT_RATE_SIGNAL,
        score: Math.round(score * 1000) / 1000, expected, observed: rate,
        explanation: `client ${client} request rate ${round(rate)}/s vs expected ${round(expected)}/s ±${round(sd)}/s per client; rate-limited`,
      });
      return;
    }
    // Exponentially weighted mean and variance (West 1979), warmed up as a plain mean.
    f.seen++;
    const a = Math.max(EW_ALPHA, 1 / f.seen);
    const d = rate - f.mean;
    f.mean += a * d;
    f.variance = (1 - a) * (f.variance + a * d * d);
  }

  /** A limited client had a normal interval (or idled) up to `now`: released once the cool-down has passed. */
  #calm(f: FunctionState, c: ClientState, tenant: string, fn: string, client: string, now: number): void {
    if (now < c.releaseAt) return;
    c.limited = false;
    c.releaseAt = 0;
    this.#onRelease?.(tenant, fn, client);
  }
}

function unlink(f: FunctionState, c: ClientState): void {
  if (c.prev) c.prev.next = c.next; else f.oldest = c.next;
  if (c.next) c.next.prev = c.prev; else f.newest = c.prev;
  c.prev = null;
  c.next = null;
}

function append(f: FunctionState, c: ClientState): void {
  c.prev = f.newest;
  if (f.newest) f.newest.next = c; else f.oldest = c;
  f.newest = c;
}

function round(v: number): number {
  const a = Math.abs(v);
  return a >= 100 ? Math.round(v) : a >= 1 ? Math.round(v * 10) / 10 : Math.round(v * 1000) / 1000;
}
