/**
 * Anomaly likelihood: how improbable the recent raw anomaly scores are under their own learned
 * distribution.
 *
 * Based on: S. Ahmad, A. Lavin, S. Purdy, Z. Agha, "Unsupervised real-time anomaly detection for
 * streaming data", Neurocomputing 262 (2017), Sec. 4.2, and Numenta's reference implementation
 * (nupic `anomaly_likelihood.py`, as used by NAB's "numenta" detector): the raw scores over a long
 * window W are modelled as a Gaussian (mean μ, variance σ², re-estimated periodically); the short-term
 * average μ̃ of the last W' raw scores gives L = 1 − Q((μ̃ − μ)/σ); the reported score is the
 * log-likelihood log(1.0000000001 − L) / log(1 − 0.9999999999), which spreads the extreme tail over
 * [0,1]. Numenta's lower bounds on μ and σ² are kept so that a detector that has only ever
 * output zeros does not turn small blips into certainties.
 * During the learning period the output is 0 (NAB outputs 0.5 likelihood there, i.e. ~0 log score).
 * Memory: `historicWindow` numbers.
 */
import { type Detector, type Point, clamp01 } from './types.ts';
import { Ring, normalTail } from './stats.ts';

export interface LikelihoodOptions {
  learningPeriod?: number; // raw scores ignored entirely at the start (default 375)
  estimationSamples?: number; // samples before the first estimate (default 375)
  historicWindow?: number; // W (default 8640)
  reestimationPeriod?: number; // default 100
  averagingWindow?: number; // W' (default 10)
}

export class AnomalyLikelihood {
  private readonly history: Ring;
  private readonly recent: Ring;
  private recentSum = 0;
  private seen = 0;
  private sinceEstimate = 0;
  private mean = 0;
  private std = 1;
  private estimated = false;
  private readonly learningPeriod: number;
  private readonly estimationSamples: number;
  private readonly reestimationPeriod: number;

  constructor(opts: LikelihoodOptions = {}) {
    this.learningPeriod = opts.learningPeriod ?? 375;
    this.estimationSamples = opts.estimationSamples ?? 375;
    this.reestimationPeriod = opts.reestimationPeriod ?? 100;
    this.history = new Ring(opts.historicWindow ?? 8640);
    this.recent = new Ring(opts.averagingWindow ?? 10);
  }

  /** Feeds one raw score in [0,1]; returns the log-likelihood score in [0,1]. */
  update(raw: number): number {
    const evicted = this.recent.push(raw);
    this.recentSum += raw - (evicted ?? 0);
    const avg = this.recentSum / this.recent.length;
    this.seen++;
    if (this.seen <= this.learningPeriod) return 0;
    this.history.push(avg);
    let score = 0;
    if (this.estimated) {
      let x = avg;
      if (x < this.mean) x = 2 * this.mean - x; // two-sided, as in the reference implementation
      const likelihood = 1 - normalTail((x - this.mean) / this.std);
      score = Math.log(1.0000000001 - likelihood) / Math.log(1 - 0.9999999999);
    }
    if (this.seen >= this.learningPeriod + this.estimationSamples && ++this.sinceEstimate >= (this.estimated ? this.reestimationPeriod : 1)) {
      this.sinceEstimate = 0;
      this.estimate();
    }
    return clamp01(score);
  }

  private estimate(): void {
    const n = this.history.length;
    let s = 0;
    for (let i = 0; i < n; i++) s += this.history.at(i);
    let mean = s / n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (this.history.at(i) - mean) ** 2;
    let variance = ss / n;
    // Lower bounds from nupic's estimateNormal(performLowerBoundCheck=True).
    if (mean < 0.03) mean = 0.03;
    if (variance < 0.0003) variance = 0.0003;
    this.mean = mean;
    this.std = Math.sqrt(variance);
    this.estimated = true;
  }

  stateSize(): number {
    return this.history.capacity + this.recent.capacity;
  }
}

/** Wraps any detector: its raw scores are post-processed by the anomaly likelihood. */
export class LikelihoodDetector implements Detector {
  readonly name: string;
  private readonly likelihood: AnomalyLikelihood;
  constructor(readonly base: Detector, opts: LikelihoodOptions = {}) {
    this.name = `${base.name}+likelihood`;
    this.likelihood = new AnomalyLikelihood(opts);
  }
  update(timestamp: number, value: Point): number {
    return this.likelihood.update(this.base.update(timestamp, value));
  }
  stateSize(): number {
    return this.base.stateSize() + this.likelihood.stateSize();
  }
}
