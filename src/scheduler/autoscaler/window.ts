// A time-weighted average of a step function (the number of requests in flight) over a sliding window,
// kept in fixed-width buckets like Knative's metric collector (1-second buckets). Bounded state:
// one number per bucket. Times are injected milliseconds.
export class TimeWeightedWindow {
  readonly bucketMs: number;
  readonly #buckets: Float64Array; // integral of the value (value × ms) per bucket
  readonly #index: Float64Array; // which absolute bucket each slot holds (-1: none)
  #value = 0;
  #last: number | null = null; // time up to which the integral is accounted
  #first: number | null = null;

  /** `maxWindowMs`: the longest window that `average` will be asked for. */
  constructor(maxWindowMs: number, bucketMs = 1000) {
    if (!(bucketMs > 0) || !(maxWindowMs >= bucketMs)) throw new RangeError('need 0 < bucketMs <= maxWindowMs');
    this.bucketMs = bucketMs;
    const n = Math.ceil(maxWindowMs / bucketMs) + 1;
    this.#buckets = new Float64Array(n);
    this.#index = new Float64Array(n).fill(-1);
  }

  /** The value now (the last one set). */
  get value(): number { return this.#value; }

  /** The value changes to `v` at time `t` (t never goes backwards; an earlier t is treated as the last one). */
  set(t: number, v: number): void {
    this.advance(t);
    if (this.#first === null) { this.#first = t; this.#last = t; }
    this.#value = v;
  }

  /** Accounts the current value up to time `t`. */
  advance(t: number): void {
    if (this.#last === null || t <= this.#last) return;
    let from = this.#last;
    const n = this.#buckets.length, b = this.bucketMs;
    // Nothing older than the ring can be read again: skip whole stretches longer than the ring.
    if (t - from > n * b) from = Math.max(from, (Math.floor(t / b) - n) * b);
    while (from < t) {
      const k = Math.floor(from / b);
      const end = Math.min(t, (k + 1) * b);
      const slot = ((k % n) + n) % n;
      if (this.#index[slot] !== k) { this.#index[slot] = k; this.#buckets[slot] = 0; }
      this.#buckets[slot]! += this.#value * (end - from);
      from = end;
    }
    this.#last = t;
  }

  /**
   * The time-weighted average over the last `windowMs` before `now` (whole buckets, the current one
   * partly: the span is between windowMs − bucketMs and windowMs). Only time since the first `set`
   * counts, so a new window is not diluted by time before it existed. 0 before any data.
   */
  average(now: number, windowMs: number): number {
    if (this.#first === null) return 0;
    this.advance(now);
    const b = this.bucketMs, n = this.#buckets.length;
    const kNow = Math.floor(now / b);
    const buckets = Math.max(1, Math.min(n - 1, Math.round(windowMs / b)));
    const start = Math.max((kNow - buckets + 1) * b, this.#first);
    const span = now - start;
    if (span <= 0) return this.#value;
    let sum = 0;
    for (let k = kNow - buckets + 1; k <= kNow; k++) {
      const slot = ((k % n) + n) % n;
      if (this.#index[slot] === k) sum += this.#buckets[slot]!;
    }
    return sum / span;
  }
}
