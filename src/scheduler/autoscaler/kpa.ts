// Scale-out decisions in the shape of Knative's Pod Autoscaler (KPA, knative.dev/serving
// pkg/autoscaler/scaling/autoscaler.go), for the instances of one pool:
//
//   * observed concurrency = time-weighted average of requests in flight, over a 60 s stable window
//     and a 6 s panic window (1-second buckets);
//   * desired = ceil(average / target), where target is the concurrency one instance should carry;
//   * panic: when the panic window asks for at least panicThreshold (200%) of the ready instances
//     (ceil-free: panicAverage / target / max(1, ready) >= 2), the panic-window count is used instead
//     of the stable one. Panic lasts until a full stable window has passed without crossing the
//     threshold again, and while panicking the desired count never goes down (it is the highest value
//     seen during the panic, and never below the instances already ready);
//   * rates: at most maxScaleUpRate × ready up, and at least ready / maxScaleDownRate kept per decision;
//   * scale to zero happens once the stable window has seen no request at all.
//
// Pure and clock-free: the pool reports in-flight counts with `record(now, inflight)` and asks
// `decide(now, ready)` on its maintenance tick.
import { TimeWeightedWindow } from './window.ts';

export interface KpaOptions {
  /** Target concurrency per instance (Knative: containerConcurrency × target utilization). */
  target: number;
  /** Default 60 s. */
  stableWindowMs?: number;
  /** Default 6 s (Knative: 10% of the stable window). */
  panicWindowMs?: number;
  /** Panic when panic-window demand reaches this multiple of ready instances. Default 2 (200%). */
  panicThreshold?: number;
  /** Default 1000 (Knative's default). */
  maxScaleUpRate?: number;
  /** Default 2: one decision at most halves the ready instances. */
  maxScaleDownRate?: number;
  /** Bucket width of the windows. Default 1 s. */
  bucketMs?: number;
  /** Bounds of the desired count (the pool's minInstances / maxInstances). Defaults 0 and Infinity. */
  minScale?: number;
  maxScale?: number;
}

export interface KpaDecision {
  desired: number;
  panic: boolean;
  /** Average concurrency over the stable and the panic window. */
  stableConcurrency: number;
  panicConcurrency: number;
  /** What each window alone would ask for (before rate limits and panic hold). */
  desiredStable: number;
  desiredPanic: number;
}

const EPS = 1e-9;

export class KpaAutoscaler {
  readonly target: number;
  readonly stableWindowMs: number;
  readonly panicWindowMs: number;
  readonly panicThreshold: number;
  readonly maxScaleUpRate: number;
  readonly maxScaleDownRate: number;
  readonly minScale: number;
  readonly maxScale: number;
  readonly #window: TimeWeightedWindow;
  #panicTime: number | null = null;
  #maxPanic = 0;

  constructor(opts: KpaOptions) {
    this.target = opts.target;
    this.stableWindowMs = opts.stableWindowMs ?? 60_000;
    this.panicWindowMs = opts.panicWindowMs ?? this.stableWindowMs / 10;
    this.panicThreshold = opts.panicThreshold ?? 2;
    this.maxScaleUpRate = opts.maxScaleUpRate ?? 1000;
    this.maxScaleDownRate = opts.maxScaleDownRate ?? 2;
    this.minScale = opts.minScale ?? 0;
    this.maxScale = opts.maxScale ?? Infinity;
    if (!(this.target > 0)) throw new RangeError('target must be > 0');
    if (!(this.panicWindowMs > 0 && this.panicWindowMs <= this.stableWindowMs)) throw new RangeError('need 0 < panicWindowMs <= stableWindowMs');
    if (!(this.maxScaleUpRate > 1) || !(this.maxScaleDownRate > 1)) throw new RangeError('scale rates must be > 1');
    if (!(this.minScale >= 0 && this.minScale <= this.maxScale)) throw new RangeError('need 0 <= minScale <= maxScale');
    this.#window = new TimeWeightedWindow(this.stableWindowMs, opts.bucketMs ?? 1000);
  }

  /** The number of requests in flight across the pool is `inflight` from `now` on. */
  record(now: number, inflight: number): void {
    this.#window.set(now, Math.max(0, inflight));
  }

  get panicking(): boolean { return this.#panicTime !== null; }

  /** The desired number of instances at `now`, given `ready` instances running. */
  decide(now: number, ready: number): KpaDecision {
    const stable = this.#window.average(now, this.stableWindowMs);
    const panic = this.#window.average(now, this.panicWindowMs);
    const readyForRatio = Math.max(1, ready);
    const desiredStable = Math.max(0, Math.ceil(stable / this.target - EPS));
    const desiredPanic = Math.max(0, Math.ceil(panic / this.target - EPS));
    const maxUp = Math.ceil(this.maxScaleUpRate * readyForRatio);
    const maxDown = Math.floor(ready / this.maxScaleDownRate);
    const clampRate = (d: number) => Math.min(Math.max(d, maxDown), maxUp);

    const over = panic / this.target / readyForRatio >= this.panicThreshold - EPS;
    if (over) {
      if (this.#panicTime === null) this.#maxPanic = ready; // never below what is already ready
      this.#panicTime = now; // (re)start the hold: panic ends a stable window after the last crossing
    } else if (this.#panicTime !== null && now - this.#panicTime >= this.stableWindowMs) {
      this.#panicTime = null;
      this.#maxPanic = 0;
    }

    let desired = clampRate(desiredStable);
    if (this.#panicTime !== null) {
      desired = Math.max(desired, clampRate(desiredPanic), this.#maxPanic);
      this.#maxPanic = desired;
    }
    desired = Math.min(Math.max(desired, this.minScale), this.maxScale);
    return { desired, panic: this.#panicTime !== null, stableConcurrency: stable, panicConcurrency: panic, desiredStable, desiredPanic };
  }
}
