// The "hybrid histogram" keep-alive / pre-warm policy of
//   M. Shahrad, R. Fonseca, Í. Goiri, G. Chaudhry, P. Batum, J. Cooke, E. Laureano, C. Tresness,
//   M. Russinovich, R. Bianchini. "Serverless in the Wild: Characterizing and Optimizing the
//   Serverless Workload at a Large Cloud Provider." USENIX ATC 2020, §4.2.
//
// Per application it keeps a histogram of idle times (IT: from the end of the app's last execution to
// the start of its next one) over a 4-hour range in 1-minute bins, and after every execution chooses:
//
//   1. too many ITs out of bounds (≥ oobThreshold of them past 4 h)  → time-series forecast:
//        pre-warm at F·(1 − 15%), keep alive for F·2·15% (a window of ±15% around the forecast F).
//        The paper fits ARIMA; we use exponential smoothing of the OOB idle times (./forecast.ts).
//   2. histogram representative (enough samples and CV of the bin counts ≥ cvThreshold, 2 in the paper)
//        → pre-warm window = the 5th percentile ("head") minus 10%,
//          keep the instance until the 99th percentile ("tail") plus 10%.
//        A head in the first bin means "do not unload": pre-warm window 0, keep alive to the tail.
//   3. otherwise → the standard keep-alive: no pre-warm, keep alive for fallbackKeepAliveMs (the
//        paper's fallback keeps the app for the histogram's whole range, 4 h).
//
// Reading the percentiles off 1-minute bins: the head is the lower edge of its bin and the tail the
// upper edge of its bin, so both margins err on the side of being warm. The paper describes the margins
// as "pre-warm 10% earlier, keep alive 10% longer"; we apply them to the absolute times since the idle
// start (pre-warm at 0.9·head, unload at 1.1·tail), so keepAliveMs, which runs from the pre-warm, is
// 1.1·tail − 0.9·head.
//
// State: the 240 bin counters as a Uint16Array (480 bytes) and a handful of numbers — about 0.6 KB per
// application, in line with the paper's "about 1 KB".
import { IdleHistogram } from './histogram.ts';
import { SmoothedForecast } from './forecast.ts';
import { AppActivity, type AppKeepAlive, type IdleWindows, type KeepAlivePolicy } from './types.ts';
import { formatDuration } from './fixed.ts';

export interface HybridHistogramOptions {
  /** Range of the histogram; idle times at or past it are out of bounds. Default 4 h. */
  rangeMs?: number;
  /** Bin width. Default 1 minute. */
  binMs?: number;
  /** Percentile that sets the pre-warm window. Default 0.05. */
  headPercentile?: number;
  /** Percentile that sets the end of the keep-alive window. Default 0.99. */
  tailPercentile?: number;
  /** Histogram margin: pre-warm this much earlier, unload this much later. Default 0.10. */
  margin?: number;
  /** The histogram is representative only when the CV of its bin counts is at least this. Default 2. */
  cvThreshold?: number;
  /** ...and it holds at least this many idle times (in range and out of bounds). Default 2. */
  minSamples?: number;
  /** Use the forecast when at least this share of idle times was out of bounds. Default 0.5. */
  oobThreshold?: number;
  /** Forecast margin: pre-warm at F·(1−m), keep alive for 2·m·F. Default 0.15 (the paper's ARIMA margin). */
  forecastMargin?: number;
  /**
   * Trust the forecast only while its smoothed relative error is at most this; past it the standard
   * keep-alive applies. Default Infinity (the paper always uses its forecast).
   */
  forecastMaxError?: number;
  /** Smoothing constant of the forecast (see SmoothedForecast). Default 0.5. */
  forecastAlpha?: number;
  /** The standard keep-alive used when the pattern is not representative. Default rangeMs (4 h), as published. */
  fallbackKeepAliveMs?: number;
}

type Resolved = Required<HybridHistogramOptions>;

function resolve(o: HybridHistogramOptions): Resolved {
  const rangeMs = o.rangeMs ?? 4 * 3_600_000;
  const binMs = o.binMs ?? 60_000;
  const r: Resolved = {
    rangeMs, binMs,
    headPercentile: o.headPercentile ?? 0.05,
    tailPercentile: o.tailPercentile ?? 0.99,
    margin: o.margin ?? 0.1,
    cvThreshold: o.cvThreshold ?? 2,
    minSamples: o.minSamples ?? 2,
    oobThreshold: o.oobThreshold ?? 0.5,
    forecastMargin: o.forecastMargin ?? 0.15,
    forecastMaxError: o.forecastMaxError ?? Infinity,
    forecastAlpha: o.forecastAlpha ?? 0.5,
    fallbackKeepAliveMs: o.fallbackKeepAliveMs ?? rangeMs,
  };
  const bins = r.rangeMs / r.binMs;
  if (!Number.isInteger(bins) || bins < 2) throw new RangeError('rangeMs must be a whole number (>= 2) of binMs');
  if (!(r.headPercentile > 0 && r.headPercentile <= r.tailPercentile && r.tailPercentile <= 1)) throw new RangeError('need 0 < headPercentile <= tailPercentile <= 1');
  if (!(r.margin >= 0 && r.margin < 1) || !(r.forecastMargin >= 0 && r.forecastMargin < 1)) throw new RangeError('margins must be in [0, 1)');
  if (!(r.oobThreshold > 0 && r.oobThreshold <= 1)) throw new RangeError('oobThreshold must be in (0, 1]');
  if (!(r.fallbackKeepAliveMs >= 0) || !(r.minSamples >= 0) || !(r.cvThreshold >= 0)) throw new RangeError('fallbackKeepAliveMs, minSamples and cvThreshold must be >= 0');
  return r;
}

class HybridApp extends AppActivity {
  readonly #o: Resolved;
  readonly #hist: IdleHistogram;
  readonly #forecast: SmoothedForecast;
  #cached: IdleWindows | null = null;

  constructor(o: Resolved) {
    super();
    this.#o = o;
    this.#hist = new IdleHistogram(o.binMs, o.rangeMs / o.binMs);
    this.#forecast = new SmoothedForecast({ alpha: o.forecastAlpha });
  }

  get histogram(): IdleHistogram { return this.#hist; }
  get forecaster(): SmoothedForecast { return this.#forecast; }

  protected observeIdle(idleMs: number): void {
    if (!this.#hist.add(idleMs)) this.#forecast.observe(idleMs);
    this.#cached = null;
  }

  windows(): IdleWindows {
    return this.#cached ??= this.#decide();
  }

  #decide(): IdleWindows {
    const o = this.#o, h = this.#hist;
    const fallback: IdleWindows = { prewarmMs: 0, keepAliveMs: o.fallbackKeepAliveMs, source: 'fallback' };
    if (h.samples < Math.max(1, o.minSamples)) return fallback;
    // 1. Mostly out of bounds: forecast the next long idle time.
    const f = this.#forecast.forecast();
    if (f !== null && h.oobRate() >= o.oobThreshold) {
      if (this.#forecast.relativeError() > o.forecastMaxError) return fallback;
      return { prewarmMs: f * (1 - o.forecastMargin), keepAliveMs: 2 * o.forecastMargin * f, source: 'forecast' };
    }
    // 2. Representative histogram: head and tail with their margins.
    if (h.inRange === 0 || h.cv() < o.cvThreshold) return fallback;
    const head = h.percentileBin(o.headPercentile);
    const tail = h.percentileBin(o.tailPercentile);
    const prewarmMs = head * o.binMs * (1 - o.margin);
    const unloadAfter = (tail + 1) * o.binMs * (1 + o.margin);
    return { prewarmMs, keepAliveMs: unloadAfter - prewarmMs, source: 'histogram' };
  }

  stateBytes(): number {
    // histogram counters and sums, forecast, the cached decision (3 fields), in-flight count and idle start
    return this.#hist.stateBytes() + this.#forecast.stateBytes() + 3 * 8 + 2 * 8;
  }
}

export class HybridHistogramPolicy implements KeepAlivePolicy {
  readonly name: string;
  readonly options: Readonly<Resolved>;

  constructor(opts: HybridHistogramOptions = {}) {
    this.options = Object.freeze(resolve(opts));
    this.name = `hybrid-${formatDuration(this.options.rangeMs)}`;
  }

  forApp(): AppKeepAlive & { readonly histogram: IdleHistogram; readonly forecaster: SmoothedForecast } {
    return new HybridApp(this.options);
  }
}
