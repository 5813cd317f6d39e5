/**
 * Ensemble detector: several base detectors, each post-processed by the anomaly likelihood, combined
 * by maximum, plus two rules taken from NAB's best-scoring detectors.
 *
 * - Combination by max of calibrated (likelihood) scores: each member is turned into a tail
 *   probability of its own recent behaviour first, so scores are comparable across members
 *   (cf. "Numenta HTM" in NAB, Ahmad et al. 2017, which does the same for a single model).
 * - Spatial anomaly: a value beyond the range seen so far by more than `spatialTolerance` of that
 *   range scores 1 (NAB's `numenta` detector, SPATIAL_TOLERANCE = 0.05, in NAB
 *   `nab/detectors/numenta/numenta_detector.py`). The range is tracked over a bounded window. The
 *   `ensemble` preset (factory.ts) uses 0.02, which scored better on NAB (docs/anomaly.md).
 * - Refractory period: after a score ≥ `alarmLevel`, further scores are damped for `suppress`
 *   points, as the CAD OSE and ARTime NAB entries do, so one incident raises one alarm rather than a
 *   train of false positives.
 */
import { type Detector, type Point, clamp01 } from './types.ts';
import { AnomalyLikelihood, type LikelihoodOptions } from './likelihood.ts';
import { Ring } from './stats.ts';

export interface EnsembleOptions {
  likelihood?: LikelihoodOptions;
  spatialTolerance?: number; // default 0.05; 0 disables the rule
  spatialWarmup?: number; // points before the spatial rule applies, default 300
  rangeWindow?: number; // points over which min/max are tracked, default 20000
  alarmLevel?: number; // default 0.5
  suppress?: number; // points damped after an alarm, default 0 (off)
  suppressFactor?: number; // multiplier while damped, default 0.2
  /** Per member: 'likelihood' (default) or 'raw' (the member's own score, for already calibrated members). */
  calibration?: ('likelihood' | 'raw')[];
}

export class EnsembleDetector implements Detector {
  readonly name: string;
  private readonly likelihoods: AnomalyLikelihood[];
  private readonly range: Ring;
  private readonly spatialTolerance: number;
  private readonly spatialWarmup: number;
  private readonly alarmLevel: number;
  private readonly suppress: number;
  private readonly suppressFactor: number;
  private readonly raw: boolean[];
  private min = Infinity;
  private max = -Infinity;
  private sinceRange = 0;
  private seen = 0;
  private quiet = 0;
  /** Per-member likelihood scores of the last point (for explanations). */
  readonly lastScores: number[];

  constructor(readonly members: Detector[], opts: EnsembleOptions = {}) {
    this.name = `ensemble(${members.map((m) => m.name).join(',')})`;
    this.likelihoods = members.map(() => new AnomalyLikelihood(opts.likelihood));
    this.lastScores = members.map(() => 0);
    this.range = new Ring(opts.rangeWindow ?? 20000);
    this.spatialTolerance = opts.spatialTolerance ?? 0.05;
    this.spatialWarmup = opts.spatialWarmup ?? 300;
    this.alarmLevel = opts.alarmLevel ?? 0.5;
    this.suppress = opts.suppress ?? 0;
    this.suppressFactor = opts.suppressFactor ?? 0.2;
    this.raw = members.map((_, i) => opts.calibration?.[i] === 'raw');
  }

  update(timestamp: number, value: Point): number {
    let score = 0;
    for (let i = 0; i < this.members.length; i++) {
      const r = this.members[i]!.update(timestamp, value);
      const s = this.raw[i] ? r : this.likelihoods[i]!.update(r);
      this.lastScores[i] = s;
      if (s > score) score = s;
    }
    const x = typeof value === 'number' ? value : value[0]!;
    if (this.spatialTolerance > 0 && this.seen >= this.spatialWarmup && this.max > this.min) {
      const tol = (this.max - this.min) * this.spatialTolerance;
      if (x > this.max + tol || x < this.min - tol) score = 1;
    }
    this.trackRange(x);
    this.seen++;
    if (this.quiet > 0) {
      this.quiet--;
      score *= this.suppressFactor;
    } else if (score >= this.alarmLevel && this.suppress > 0) {
      this.quiet = this.suppress;
    }
    return clamp01(score);
  }

  private trackRange(x: number): void {
    const evicted = this.range.push(x);
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    // Recompute exactly when an extreme leaves the window (amortised: at most once per 1000 points).
    if (evicted !== undefined && (evicted <= this.min || evicted >= this.max) && ++this.sinceRange >= 1000) {
      this.sinceRange = 0;
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < this.range.length; i++) {
        const v = this.range.at(i);
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      this.min = lo;
      this.max = hi;
    }
  }

  stateSize(): number {
    return this.members.reduce((n, m) => n + m.stateSize(), 0) + this.likelihoods.reduce((n, l) => n + l.stateSize(), 0) + this.range.capacity;
  }
}
