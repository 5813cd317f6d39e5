// Streaming anomaly monitor of function telemetry. The scheduler hands it every invocation
// (`record`, O(1), no allocation once a function is known); per function it sums invocations into
// fixed intervals (default 1 s) and, when an interval closes, turns it into five signals —
// invocations/s, error rate, p95 latency, CPU ms per invocation, cold starts — each fed to its own
// streaming detector from src/anomaly/. A score at or above the threshold, with the observed value
// materially away from what the signal's history predicts, becomes an anomaly event (`onAnomaly`).
// Time is injected (`now`), so tests drive intervals without sleeping.
import { createDetector, type Detector } from '../anomaly/index.ts';
import { newId } from '../shared/ids.ts';
import type { AnomalyRecord } from '../storage/types.ts';

export const SIGNALS = ['invocations_per_s', 'error_rate', 'p95_latency_ms', 'cpu_ms', 'cold_starts'] as const;
export type Signal = (typeof SIGNALS)[number];

export type AnomalyEvent = AnomalyRecord;

/** One closed interval of one function, as fed to the detectors. */
export interface IntervalSummary {
  tenant: string;
  function: string;
  /** The version of the interval's last invocation (the served one). */
  version: string;
  /** The interval also holds invocations of another version (a deploy or rollback happened in it). */
  mixed: boolean;
  /** End of the interval (ms since the epoch). */
  ts: number;
  invocations: number;
  errors: number;
  values: Record<Signal, number>;
}

export interface AnomalyMonitorOptions {
  /** Interval length in ms (default 1000). */
  intervalMs?: number;
  /** Score at or above which a signal is anomalous (default 0.75: 9 robust σ for the default detector). */
  threshold?: number;
  /** Intervals a function must have been watched before anything is reported (default 30). */
  warmupIntervals?: number;
  /** Intervals after a report during which the same signal of the same function is not reported again (default 30). */
  cooldownIntervals?: number;
  /** Error rate, p95 latency and CPU are judged only on intervals with at least this many invocations (default 5). */
  minInvocations?: number;
  /** The detector of one signal of one function (default: robust median/MAD over the last 300 intervals). */
  detector?: (signal: Signal) => Detector;
  now?: () => number;
  onAnomaly(event: AnomalyEvent): void;
  /** Every closed interval (for canary analysis and tests). */
  onInterval?(summary: IntervalSummary): void;
}

/**
 * The smallest change (absolute, and relative to the expected value) worth reporting per signal:
 * a robust detector over a flat series (0 errors) would otherwise flag a single failure.
 */
const MIN_DELTA: Record<Signal, { abs: number; rel: number }> = {
  invocations_per_s: { abs: 1, rel: 0.5 },
  error_rate: { abs: 0.05, rel: 0 },
  p95_latency_ms: { abs: 10, rel: 0.5 },
  cpu_ms: { abs: 5, rel: 0.5 },
  cold_starts: { abs: 2, rel: 1 },
};

/** Latency histogram: bin i holds durations up to 2^(i/4) - 1 ms (±19%), 96 bins reach ~16 000 s. */
const BINS = 96;
function binOf(ms: number): number {
  const b = Math.ceil(Math.log2(ms + 1) * 4);
  return b < 0 ? 0 : b >= BINS ? BINS - 1 : b;
}
function binUpper(b: number): number {
  return 2 ** (b / 4) - 1;
}

interface SignalState {
  detector: Detector;
  /** Exponentially weighted mean and variance of the signal's normal values (for the explanation). */
  mean: number;
  variance: number;
  seen: number;
  quietUntil: number;
}

interface Series {
  tenant: string;
  function: string;
  version: string;
  mixed: boolean;
  /** End of the open interval. */
  end: number;
  invocations: number;
  errors: number;
  cpuMs: number;
  coldStarts: number;
  hist: Uint32Array;
  intervals: number;
  signals: Record<Signal, SignalState>;
}

const EW_ALPHA = 0.05;
/** Empty intervals fed when a function was idle longer (beyond them the gap is skipped). */
const MAX_GAP_INTERVALS = 3;

export class AnomalyMonitor {
  readonly intervalMs: number;
  readonly #threshold: number;
  readonly #warmup: number;
  readonly #cooldown: number;
  readonly #minInvocations: number;
  readonly #makeDetector: (signal: Signal) => Detector;
  readonly #now: () => number;
  readonly #onAnomaly: (e: AnomalyEvent) => void;
  readonly #onInterval: ((s: IntervalSummary) => void) | undefined;
  /** tenant → function → series: two lookups, no key string built per invocation. */
  readonly #series = new Map<string, Map<string, Series>>();
  #timer: NodeJS.Timeout | null = null;

  constructor(opts: AnomalyMonitorOptions) {
    this.intervalMs = opts.intervalMs ?? 1000;
    if (!(this.intervalMs >= 1)) throw new RangeError('intervalMs must be at least 1');
    this.#threshold = opts.threshold ?? 0.75;
    this.#warmup = opts.warmupIntervals ?? 30;
    this.#cooldown = opts.cooldownIntervals ?? 30;
    this.#minInvocations = opts.minInvocations ?? 5;
    this.#makeDetector = opts.detector ?? (() => createDetector('robust', { robust: { windowSize: 300 } }));
    this.#now = opts.now ?? Date.now;
    this.#onAnomaly = opts.onAnomaly;
    this.#onInterval = opts.onInterval;
  }

  /** Counts one invocation in its function's open interval. Called for every invocation: O(1). */
  record(tenant: string, fn: string, version: string, status: number, durationMs: number, cpuMs: number, coldStart: boolean, error: string | null): void {
    const now = this.#now();
    let byFn = this.#series.get(tenant);
    if (!byFn) { byFn = new Map(); this.#series.set(tenant, byFn); }
    let s = byFn.get(fn);
    if (!s) { s = this.#newSeries(tenant, fn, version, now); byFn.set(fn, s); }
    if (now >= s.end) this.#closeDue(s, now);
    if (s.invocations > 0 && s.version !== version) s.mixed = true;
    s.version = version;
    s.invocations++;
    if (error !== null || status >= 500) s.errors++;
    s.cpuMs += cpuMs;
    if (coldStart) s.coldStarts++;
    s.hist[binOf(durationMs)]!++;
  }

  /** Closes every interval that has ended by `now` (the node calls this every interval; tests call it directly). */
  tick(now: number = this.#now()): void {
    for (const byFn of this.#series.values()) {
      for (const s of byFn.values()) if (now >= s.end) this.#closeDue(s, now);
    }
  }

  /** Stops watching a function (deleted). */
  forget(tenant: string, fn: string): void {
    this.#series.get(tenant)?.delete(fn);
  }

  /** Closes intervals on a timer of one interval (unref'd). */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.tick(), this.intervalMs);
    this.#timer.unref();
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  #newSeries(tenant: string, fn: string, version: string, now: number): Series {
    const signals = {} as Record<Signal, SignalState>;
    for (const sig of SIGNALS) signals[sig] = { detector: this.#makeDetector(sig), mean: 0, variance: 0, seen: 0, quietUntil: 0 };
    return {
      tenant, function: fn, version, mixed: false, end: (Math.floor(now / this.intervalMs) + 1) * this.intervalMs,
      invocations: 0, errors: 0, cpuMs: 0, coldStarts: 0, hist: new Uint32Array(BINS), intervals: 0, signals,
    };
  }

  #closeDue(s: Series, now: number): void {
    this.#close(s);
    // Idle intervals in between: a few are fed (a drop to zero traffic is a signal), the rest skipped.
    let gap = Math.floor((now - s.end) / this.intervalMs);
    if (gap > MAX_GAP_INTERVALS) {
      s.end += (gap - MAX_GAP_INTERVALS) * this.intervalMs;
      gap = MAX_GAP_INTERVALS;
    }
    for (let i = 0; i < gap; i++) this.#close(s);
  }

  /** Feeds the open interval to the detectors and opens the next one. */
  #close(s: Series): void {
    const ts = s.end;
    const n = s.invocations;
    s.intervals++;
    const seconds = this.intervalMs / 1000;
    const values: Record<Signal, number> = {
      invocations_per_s: n / seconds,
      error_rate: n > 0 ? s.errors / n : 0,
      p95_latency_ms: n > 0 ? this.#p95(s) : 0,
      cpu_ms: n > 0 ? s.cpuMs / n : 0,
      cold_starts: s.coldStarts,
    };
    const enough = n >= this.#minInvocations;
    for (const sig of SIGNALS) {
      if (!enough && (sig === 'error_rate' || sig === 'p95_latency_ms' || sig === 'cpu_ms')) continue;
      this.#judge(s, sig, ts, values[sig]);
    }
    this.#onInterval?.({ tenant: s.tenant, function: s.function, version: s.version, mixed: s.mixed, ts, invocations: n, errors: s.errors, values });
    s.mixed = false;
    s.end += this.intervalMs;
    s.invocations = 0;
    s.errors = 0;
    s.cpuMs = 0;
    s.coldStarts = 0;
    if (n > 0) s.hist.fill(0);
  }

  #p95(s: Series): number {
    const rank = Math.ceil(s.invocations * 0.95);
    let acc = 0;
    for (let b = 0; b < BINS; b++) {
      acc += s.hist[b]!;
      if (acc >= rank) return binUpper(b);
    }
    return binUpper(BINS - 1);
  }

  #judge(s: Series, sig: Signal, ts: number, x: number): void {
    const st = s.signals[sig];
    const score = st.detector.update(ts, x);
    const expected = st.mean;
    const sd = Math.sqrt(st.variance);
    const delta = Math.abs(x - expected);
    const min = MIN_DELTA[sig];
    const anomalous = score >= this.#threshold && s.intervals > this.#warmup && st.seen >= this.#warmup &&
      delta >= min.abs && delta >= min.rel * Math.abs(expected) && delta > 3 * sd;
    if (anomalous) {
      if (s.intervals >= st.quietUntil) {
        st.quietUntil = s.intervals + this.#cooldown;
        this.#onAnomaly({
          id: newId(ts), ts, tenant: s.tenant, function: s.function, version: s.version, signal: sig,
          score: Math.round(score * 1000) / 1000, expected, observed: x, explanation: explain(sig, x, expected, sd),
        });
      }
      return; // an anomalous value does not move the expectation
    }
    // Exponentially weighted mean and variance (West 1979), warmed up as a plain mean.
    st.seen++;
    const a = Math.max(EW_ALPHA, 1 / st.seen);
    const d = x - st.mean;
    st.mean += a * d;
    st.variance = (1 - a) * (st.variance + a * d * d);
  }
}

function fmt(sig: Signal, v: number): string {
  switch (sig) {
    case 'error_rate': return `${round(v * 100)}%`;
    case 'p95_latency_ms':
    case 'cpu_ms': return `${round(v)} ms`;
    case 'invocations_per_s': return `${round(v)}/s`;
    default: return String(round(v));
  }
}

function round(v: number): number {
  const a = Math.abs(v);
  return a >= 100 ? Math.round(v) : a >= 1 ? Math.round(v * 10) / 10 : Math.round(v * 1000) / 1000;
}

const LABEL: Record<Signal, string> = {
  invocations_per_s: 'invocations', error_rate: 'error rate', p95_latency_ms: 'p95 latency', cpu_ms: 'CPU per invocation', cold_starts: 'cold starts',
};

/** "error rate 31% vs expected 0.4% ±0.6%" */
export function explain(sig: Signal, observed: number, expected: number, sd: number): string {
  const spread = sig === 'error_rate' ? `${round(sd * 100)}%` : sig === 'invocations_per_s' ? `${round(sd)}/s` : sig === 'cold_starts' ? String(round(sd)) : `${round(sd)} ms`;
  return `${LABEL[sig]} ${fmt(sig, observed)} vs expected ${fmt(sig, expected)} ±${spread}`;
}
