/**
 * Robust (seasonal) baseline: median and MAD over a sliding window.
 *
 * Based on: the median absolute deviation as a robust scale estimator (Hampel 1974; Rousseeuw & Croux,
 * "Alternatives to the Median Absolute Deviation", JASA 1993; 1.4826·MAD is consistent for σ under
 * normality), as used by Hampel filters and by seasonal-hybrid-ESD (Twitter's AnomalyDetection,
 * Hochenbaum et al. 2017, which removes a seasonal median before a robust test).
 * The score of x is a robust z = |x − median| / (1.4826·MAD), mapped to [0,1] by z / (z + 3)
 * (0.5 at 3 robust σ). With `buckets` > 1 the baseline is seasonal: one window per time-of-day
 * bucket (e.g. 24 hourly buckets), falling back to the global window while a bucket is sparse.
 * Memory: windowSize·(1 + buckets) numbers, independent of stream length.
 */
import { type Detector, type Point } from './types.ts';
import { Ring } from './stats.ts';

export interface RobustOptions {
  windowSize?: number; // default 1000 points
  refreshEvery?: number; // recompute median/MAD every n points, default 10
  buckets?: number; // time-of-day buckets, default 1 (not seasonal)
  bucketWindow?: number; // points per bucket, default 60
}

interface Stats { med: number; scale: number }

function robustStats(values: number[]): Stats {
  const a = Float64Array.from(values).sort();
  const n = a.length;
  const med = n % 2 ? a[(n - 1) >> 1]! : (a[n / 2 - 1]! + a[n / 2]!) / 2;
  for (let i = 0; i < n; i++) a[i] = Math.abs(a[i]! - med);
  a.sort();
  const mad = n % 2 ? a[(n - 1) >> 1]! : (a[n / 2 - 1]! + a[n / 2]!) / 2;
  let range = 0;
  for (const v of values) range = Math.max(range, Math.abs(v - med));
  // Floors: a constant window (MAD = 0) must not make every change infinitely surprising.
  const scale = Math.max(1.4826 * mad, 0.01 * range, 1e-9 * Math.abs(med), 1e-12);
  return { med, scale };
}

export class RobustBaselineDetector implements Detector {
  readonly name = 'robust';
  private readonly window: Ring;
  private readonly bucketWindows: Ring[];
  private readonly refreshEvery: number;
  private readonly bucketMs: number;
  private stats: Stats | null = null;
  private readonly bucketStats: (Stats | null)[];
  private sinceRefresh = 0;
  /** Robust z of the last point (for explanations). */
  lastZ = 0;
  lastExpected = 0;

  constructor(opts: RobustOptions = {}) {
    this.window = new Ring(opts.windowSize ?? 1000);
    this.refreshEvery = opts.refreshEvery ?? 10;
    const buckets = opts.buckets ?? 1;
    this.bucketMs = 86_400_000 / buckets;
    this.bucketWindows = buckets > 1 ? Array.from({ length: buckets }, () => new Ring(opts.bucketWindow ?? 60)) : [];
    this.bucketStats = this.bucketWindows.map(() => null);
  }

  update(timestamp: number, value: Point): number {
    const x = typeof value === 'number' ? value : value[0]!;
    let s = this.stats;
    let b = -1;
    if (this.bucketWindows.length > 0) {
      b = Math.floor((((timestamp % 86_400_000) + 86_400_000) % 86_400_000) / this.bucketMs);
      const bs = this.bucketStats[b];
      if (bs && this.bucketWindows[b]!.length >= 10) s = bs;
    }
    let score = 0;
    if (s && this.window.length >= 10) {
      const z = Math.abs(x - s.med) / s.scale;
      this.lastZ = z;
      this.lastExpected = s.med;
      score = z / (z + 3);
    }
    this.window.push(x);
    if (++this.sinceRefresh >= this.refreshEvery || this.stats === null) {
      this.sinceRefresh = 0;
      this.stats = robustStats(this.window.values());
    }
    if (b >= 0) {
      const w = this.bucketWindows[b]!;
      w.push(x);
      this.bucketStats[b] = robustStats(w.values());
    }
    return score;
  }

  stateSize(): number {
    return this.window.capacity + this.bucketWindows.reduce((n, w) => n + w.capacity, 0);
  }
}
