// Synthetic invocation traces with the published shape of the Azure Functions 2019 trace
// (Shahrad et al., "Serverless in the Wild", USENIX ATC 2020, §3; the trace itself is
// github.com/Azure/AzurePublicDataset, AzureFunctionsDataset2019):
//
//   * invocation rates span ~8 orders of magnitude: 45% of applications are invoked at most once an
//     hour on average, 81% at most once a minute, ~3% more than once a second, and the most popular
//     18.6% of applications make 99.6% of all invocations;
//   * half of the functions run for less than about a second on average (the paper fits the average
//     execution times with a log-normal of mean −0.38 and σ 2.36, ln-seconds);
//   * triggers: periodic timers (cron-like periods, small jitter) and HTTP/event traffic, steady
//     (Poisson) or bursty (on/off: a two-state Markov-modulated Poisson process).
//
// One application has one function here (the paper's apps group functions; the policy works per app).
// The population is drawn by stratified sampling of the rate quantile, so a run of N apps hits the
// published fractions closely whatever the seed; everything else is seeded per app, so the same
// (seed, app index) always yields the same invocations. See docs/autoscaling.md for the parameters.
import { Rng, subSeed } from './prng.ts';

export type AppKind = 'timer' | 'http-poisson' | 'http-bursty';

export interface AppSpec {
  index: number;
  kind: AppKind;
  /** Mean invocations per minute (for timers: 1 / period). */
  ratePerMin: number;
  /** Mean execution time of this app's function. */
  meanDurationMs: number;
  memoryMb: number;
  /** Timers: period, phase of the first fire, and the maximum start jitter (uniform in [0, jitter)). */
  periodMs?: number;
  phaseMs?: number;
  jitterMs?: number;
  /** Bursty HTTP: share of time in bursts, mean burst length, and the rates in and out of bursts (per ms). */
  burst?: { onFraction: number; meanOnMs: number; meanOffMs: number; rateOn: number; rateOff: number };
  seed: number;
}

export interface TraceOptions {
  seed?: number;
  apps?: number;
  /** Length of the trace. Default 3 days. */
  durationMs?: number;
  /**
   * Inverse CDF of the apps' mean invocation rate: [quantile, invocations per minute] knots,
   * interpolated linearly in log(rate). Defaults: 1/day at q=0, 1/hour at 0.45, 1/minute at 0.81,
   * 1/second at 0.97, 100/second at q=1.
   */
  rateKnots?: ReadonlyArray<readonly [number, number]>;
  /** Among apps invoked between once a day and once a minute: share that are timers. Default 0.35. */
  timerShare?: number;
  /** Timer start jitter as a share of the period (capped at maxJitterMs). Defaults 0.01 and 30 s. */
  timerJitter?: number;
  maxJitterMs?: number;
  /** Among the non-timer apps: share with on/off bursts (the rest are steady Poisson). Default 0.5. */
  burstyShare?: number;
  /** Bursty apps: share of time in a burst, uniform in this range. Default [0.05, 0.3]. */
  burstOnFraction?: readonly [number, number];
  /** Bursty apps: mean burst length, log-uniform in this range. Default [1 min, 30 min]. */
  burstMeanOnMs?: readonly [number, number];
  /** Bursty apps: share of invocations that arrive during bursts. Default 0.9. */
  burstShareOfInvocations?: number;
  /** Log-normal (ln-seconds) of the apps' mean execution time. Defaults −0.38 and 2.36 (the paper's fit). */
  durationLogMean?: number;
  durationLogSigma?: number;
  /** Spread (σ of ln) of single executions around their app's mean. Default 0.5. */
  invocationSigma?: number;
  /** Cap on an execution (Azure Functions' default timeout on the consumption plan). Default 10 min. */
  maxDurationMs?: number;
  /** Memory of every instance. Default 128 MB. */
  memoryMb?: number;
}

const MIN = 60_000, HOUR = 3_600_000, DAY = 86_400_000;

export const TRACE_DEFAULTS = {
  seed: 42,
  apps: 1000,
  durationMs: 3 * DAY,
  rateKnots: [[0, 1 / 1440], [0.45, 1 / 60], [0.81, 1], [0.97, 60], [1, 6000]] as ReadonlyArray<readonly [number, number]>,
  timerShare: 0.35,
  timerJitter: 0.01,
  maxJitterMs: 30_000,
  burstyShare: 0.5,
  burstOnFraction: [0.05, 0.3] as readonly [number, number],
  burstMeanOnMs: [1 * MIN, 30 * MIN] as readonly [number, number],
  burstShareOfInvocations: 0.9,
  durationLogMean: -0.38,
  durationLogSigma: 2.36,
  invocationSigma: 0.5,
  maxDurationMs: 10 * MIN,
  memoryMb: 128,
} satisfies Required<TraceOptions>;

export type ResolvedTraceOptions = typeof TRACE_DEFAULTS;

export function resolveTraceOptions(o: TraceOptions = {}): ResolvedTraceOptions {
  const r = { ...TRACE_DEFAULTS } as ResolvedTraceOptions;
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (r as Record<string, unknown>)[k] = v;
  return r;
}

/** Cron-like timer periods, in minutes. */
const PERIODS_UNDER_HOUR = [1, 2, 5, 10, 15, 20, 30];
const PERIODS_HOURLY_OR_LONGER = [60, 120, 180, 240, 360, 480, 720, 1440];

function nearestLog(list: number[], x: number): number {
  let best = list[0]!;
  for (const p of list) if (Math.abs(Math.log(p / x)) < Math.abs(Math.log(best / x))) best = p;
  return best;
}

/** Rate (per minute) at quantile q of the knots, log-linear between them. */
export function rateAtQuantile(knots: ReadonlyArray<readonly [number, number]>, q: number): number {
  for (let i = 1; i < knots.length; i++) {
    const [q0, r0] = knots[i - 1]!, [q1, r1] = knots[i]!;
    if (q <= q1 || i === knots.length - 1) {
      const f = q1 === q0 ? 0 : Math.min(1, Math.max(0, (q - q0) / (q1 - q0)));
      return Math.exp(Math.log(r0) + f * (Math.log(r1) - Math.log(r0)));
    }
  }
  return knots[knots.length - 1]![1];
}

/** The application population of a trace (deterministic in the options). */
export function generateApps(opts: TraceOptions = {}): AppSpec[] {
  const o = resolveTraceOptions(opts);
  const rng = new Rng(subSeed(o.seed, -1));
  const n = o.apps;
  const strata = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  const apps: AppSpec[] = [];
  for (let i = 0; i < n; i++) {
    const r = new Rng(subSeed(o.seed, i));
    const q = (strata[i]! + r.next()) / n;
    let ratePerMin = rateAtQuantile(o.rateKnots, q);
    const meanS = Math.exp(o.durationLogMean + o.durationLogSigma * r.normal());
    const meanDurationMs = Math.min(o.maxDurationMs, Math.max(1, meanS * 1000));
    const app: AppSpec = { index: i, kind: 'http-poisson', ratePerMin, meanDurationMs, memoryMb: o.memoryMb, seed: subSeed(o.seed, i + 0x10000) };
    const timerEligible = ratePerMin >= 1 / 1440 && ratePerMin <= 1;
    if (timerEligible && r.next() < o.timerShare) {
      // Snap to a cron-like period on the same side of the once-an-hour line, so the shape holds.
      const periodMin = ratePerMin <= 1 / 60 ? nearestLog(PERIODS_HOURLY_OR_LONGER, 1 / ratePerMin) : nearestLog(PERIODS_UNDER_HOUR, 1 / ratePerMin);
      ratePerMin = 1 / periodMin;
      app.kind = 'timer';
      app.ratePerMin = ratePerMin;
      app.periodMs = periodMin * MIN;
      app.phaseMs = r.uniform(0, app.periodMs);
      app.jitterMs = Math.min(o.maxJitterMs, o.timerJitter * app.periodMs);
    } else if (r.next() < o.burstyShare) {
      const onFraction = r.uniform(o.burstOnFraction[0], o.burstOnFraction[1]);
      const meanOnMs = Math.exp(r.uniform(Math.log(o.burstMeanOnMs[0]), Math.log(o.burstMeanOnMs[1])));
      const meanOffMs = meanOnMs * (1 - onFraction) / onFraction;
      const ratePerMs = ratePerMin / MIN;
      const s = o.burstShareOfInvocations;
      app.kind = 'http-bursty';
      app.burst = { onFraction, meanOnMs, meanOffMs, rateOn: ratePerMs * s / onFraction, rateOff: ratePerMs * (1 - s) / (1 - onFraction) };
    }
    apps.push(app);
  }
  return apps;
}

const FACTOR_BITS = 10;
const factorTables = new Map<number, Float64Array>();

/**
 * 1024 equiprobable values of a log-normal with mean 1 and log-σ `sigma` (the standard normal's
 * quantiles at (i + ½)/1024): single executions are drawn from it with one 32-bit random number,
 * which keeps generating tens of millions of invocations cheap.
 */
function durationFactors(sigma: number): Float64Array {
  let t = factorTables.get(sigma);
  if (!t) {
    t = new Float64Array(1 << FACTOR_BITS);
    let sum = 0;
    for (let i = 0; i < t.length; i++) sum += t[i] = Math.exp(sigma * normalQuantile((i + 0.5) / t.length));
    for (let i = 0; i < t.length; i++) t[i]! /= sum / t.length; // mean exactly 1
    factorTables.set(sigma, t);
  }
  return t;
}

/** Inverse of the standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00];
  const b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01];
  const c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00];
  const d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5, r = q * q;
  return (((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/**
 * Calls `cb(startMs, durationMs)` for every invocation of `app` in [0, durationMs), in start order.
 * Every app gets at least one invocation (an app with none would not be in a trace). Returns the count.
 */
export function forEachInvocation(app: AppSpec, traceMs: number, opts: TraceOptions, cb: (startMs: number, durationMs: number) => void): number {
  const o = resolveTraceOptions(opts);
  const r = new Rng(app.seed);
  const factors = durationFactors(o.invocationSigma), cap = o.maxDurationMs, mean = app.meanDurationMs;
  const dur = () => Math.min(cap, mean * factors[(r.u32() >>> 22)]!);
  let n = 0;
  const emit = (t: number) => { cb(t, dur()); n++; };
  if (app.kind === 'timer') {
    const p = app.periodMs!, j = app.jitterMs ?? 0;
    for (let k = 0; ; k++) {
      const t = app.phaseMs! + k * p + (j > 0 ? r.uniform(0, j) : 0);
      if (t >= traceMs) break;
      emit(t);
    }
  } else if (app.kind === 'http-bursty') {
    const b = app.burst!;
    let on = r.next() < b.onFraction;
    let t = 0;
    let stateEnd = r.exp(on ? b.meanOnMs : b.meanOffMs);
    while (t < traceMs) {
      const rate = on ? b.rateOn : b.rateOff;
      const next = rate > 0 ? t + r.exp(1 / rate) : Infinity;
      if (next >= stateEnd) {
        t = stateEnd;
        on = !on;
        stateEnd = t + r.exp(on ? b.meanOnMs : b.meanOffMs);
      } else {
        t = next;
        if (t < traceMs) emit(t);
      }
    }
  } else {
    const mean = MIN / app.ratePerMin;
    for (let t = r.exp(mean); t < traceMs; t += r.exp(mean)) emit(t);
  }
  if (n === 0) emit(r.uniform(0, traceMs));
  return n;
}

export interface AppTotals { invocations: number; meanDurationMs: number }

/** The shape statistics the issue names, measured on a generated trace. */
export interface TraceShape {
  apps: number;
  invocations: number;
  /** Share of apps invoked at most once an hour / once a minute on average, and more than once a second. */
  atMostHourly: number;
  atMostMinutely: number;
  overOncePerSecond: number;
  /** Share of all invocations made by the most-invoked 19% of apps. */
  top19Share: number;
  /** Share of apps (= functions) whose mean execution time is under 1 s. */
  meanUnder1s: number;
  byKind: Record<AppKind, number>;
}

export function traceShape(totals: AppTotals[], traceMs: number, kinds?: AppKind[]): TraceShape {
  const hours = traceMs / HOUR, minutes = traceMs / MIN, seconds = traceMs / 1000;
  const n = totals.length;
  const counts = totals.map((t) => t.invocations).sort((a, b) => b - a);
  const all = counts.reduce((a, b) => a + b, 0);
  const top = counts.slice(0, Math.ceil(0.19 * n)).reduce((a, b) => a + b, 0);
  const share = (f: (t: AppTotals) => boolean) => totals.filter(f).length / n;
  const byKind: Record<AppKind, number> = { timer: 0, 'http-poisson': 0, 'http-bursty': 0 };
  for (const k of kinds ?? []) byKind[k]++;
  return {
    apps: n,
    invocations: all,
    atMostHourly: share((t) => t.invocations <= hours),
    atMostMinutely: share((t) => t.invocations <= minutes),
    overOncePerSecond: share((t) => t.invocations > seconds),
    top19Share: all === 0 ? 0 : top / all,
    meanUnder1s: share((t) => t.meanDurationMs < 1000),
    byKind,
  };
}

/** Generates the whole trace once and measures its shape. */
export function measureTrace(opts: TraceOptions = {}): TraceShape {
  const o = resolveTraceOptions(opts);
  const apps = generateApps(o);
  const totals = apps.map((app) => {
    let sum = 0;
    const invocations = forEachInvocation(app, o.durationMs, o, (_s, d) => { sum += d; });
    return { invocations, meanDurationMs: sum / invocations };
  });
  return traceShape(totals, o.durationMs, apps.map((a) => a.kind));
}
