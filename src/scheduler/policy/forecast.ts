// The time-series forecast for idle times beyond the histogram's range. Shahrad et al. (USENIX ATC
// 2020, §4.2) fit an ARIMA model to an application's idle times when too many of them are out of
// bounds. We use a much simpler, documented stand-in: exponential smoothing (EWMA) of the recent
// out-of-bounds idle times, with an EWMA of the absolute forecast error beside it (the way TCP keeps
// SRTT and RTTVAR, RFC 6298). Constant state (three numbers), O(1) per observation, no model fitting.
//
//   level ← level + α · (x − level)             (first sample: level = x)
//   dev   ← dev   + β · (|x − level_prev| − dev) (first sample: dev = x / 2)
//
// The forecast of the next long idle time is `level`; `dev / level` says how erratic they are. For a
// periodic job with a period past the range (a daily report) level converges to the period and dev
// to the jitter; for an erratic one dev stays large.

export interface ForecastOptions {
  /** Smoothing of the level, 0 < alpha <= 1 (1 = "the next gap equals the last one"). Default 0.5. */
  alpha?: number;
  /** Smoothing of the absolute error. Default 0.25. */
  beta?: number;
}

export class SmoothedForecast {
  readonly alpha: number;
  readonly beta: number;
  #level = 0;
  #dev = 0;
  #n = 0;

  constructor(opts: ForecastOptions = {}) {
    this.alpha = opts.alpha ?? 0.5;
    this.beta = opts.beta ?? 0.25;
    if (!(this.alpha > 0 && this.alpha <= 1) || !(this.beta > 0 && this.beta <= 1)) throw new RangeError('alpha and beta must be in (0, 1]');
  }

  get samples(): number { return this.#n; }

  observe(x: number): void {
    if (this.#n === 0) {
      this.#level = x;
      this.#dev = x / 2;
    } else {
      const err = x - this.#level;
      this.#dev += this.beta * (Math.abs(err) - this.#dev);
      this.#level += this.alpha * err;
    }
    this.#n++;
  }

  /** The predicted next value; null before the first observation. */
  forecast(): number | null { return this.#n === 0 ? null : this.#level; }

  /** Smoothed absolute error relative to the level (0 = perfectly regular); Infinity before data. */
  relativeError(): number { return this.#n === 0 || this.#level <= 0 ? Infinity : this.#dev / this.#level; }

  stateBytes(): number { return 3 * 8; }
}
