/**
 * Context novelty: how unexpected the current (quantised) value is given the recent (quantised)
 * values, estimated from transition counts over a sliding window.
 *
 * Based on: the "surprise" raw score of Numenta HTM (fraction of the input that was not predicted
 * from the temporal context; Ahmad et al., Neurocomputing 2017) and Smirnov's Contextual Anomaly
 * Detector (CAD OSE, a NAB entry), which learns which contexts of quantised values occur and scores
 * the share of the current context that is new. Here the prediction is an order-k Markov model over
 * `levels` quantisation levels of the running [min, max]: score = 1 − P(level_t | levels_{t−k..t−1}),
 * with an unseen context scoring 1. Noisy series have a high average raw score — the anomaly likelihood
 * (likelihood.ts) is what turns a sustained rise into an alarm. Memory: `windowSize` transitions and
 * at most 2·windowSize map entries.
 */
import { type Detector, type Point } from './types.ts';
import { Ring } from './stats.ts';

export interface ContextOptions {
  levels?: number; // default 16
  order?: number; // context length k, default 2
  windowSize?: number; // default 2000 transitions
}

export class ContextNoveltyDetector implements Detector {
  readonly name = 'context';
  private readonly levels: number;
  private readonly order: number;
  private readonly recent: number[] = [];
  private readonly transitions: Ring; // encoded (context, next) keys as numbers
  private readonly ctxCounts = new Map<number, number>();
  private readonly pairCounts = new Map<number, number>();
  private min = Infinity;
  private max = -Infinity;

  constructor(opts: ContextOptions = {}) {
    this.levels = opts.levels ?? 16;
    this.order = opts.order ?? 2;
    this.transitions = new Ring(opts.windowSize ?? 2000);
  }

  update(_timestamp: number, value: Point): number {
    const x = typeof value === 'number' ? value : value[0]!;
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    const span = this.max - this.min;
    const level = span > 0 ? Math.min(this.levels - 1, Math.floor(((x - this.min) / span) * this.levels)) : 0;
    let score = 0;
    if (this.recent.length === this.order) {
      let ctx = 0;
      for (const l of this.recent) ctx = ctx * this.levels + l;
      const pair = ctx * this.levels + level;
      const c = this.ctxCounts.get(ctx) ?? 0;
      const p = this.pairCounts.get(pair) ?? 0;
      score = c === 0 ? 1 : 1 - p / c;
      this.ctxCounts.set(ctx, c + 1);
      this.pairCounts.set(pair, p + 1);
      const evicted = this.transitions.push(pair);
      if (evicted !== undefined) {
        const ectx = Math.floor(evicted / this.levels);
        this.dec(this.ctxCounts, ectx);
        this.dec(this.pairCounts, evicted);
      }
    }
    this.recent.push(level);
    if (this.recent.length > this.order) this.recent.shift();
    return score;
  }

  private dec(m: Map<number, number>, k: number): void {
    const v = (m.get(k) ?? 1) - 1;
    if (v <= 0) m.delete(k);
    else m.set(k, v);
  }

  stateSize(): number {
    return this.transitions.capacity + this.ctxCounts.size + this.pairCounts.size + this.order + 2;
  }
}
