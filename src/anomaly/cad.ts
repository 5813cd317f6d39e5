/**
 * Contextual anomaly detector: learned contexts over bucketed recent values; novelty = the share of
 * the current point's contexts that have never (recently) been seen.
 *
 * Written from the published description of CAD OSE (Contextual Anomaly Detector, open-source
 * edition, M. Smirnov et al., a NAB entry): each point is quantised into a bucket of the value range;
 * a context pairs a "left semi-context" (a sequence of the most recent buckets) with a "right
 * semi-context" (the current bucket); the detector remembers every context it has seen and scores a
 * point by the fraction of its contexts that are unknown. Here the left semi-contexts are all suffixes
 * of length 1..`depth` of the recent bucket sequence, identified by a 52-bit hash (collisions only make
 * the detector slightly less sensitive); optionally the hour of day and the (weekday, hour) pair are
 * additional left semi-contexts, so a value is novel if it was never seen at that time of day.
 *
 * Differences from CAD OSE (no code was taken from it): the value range is the running [min, max]
 * (CAD OSE is given the file's range up front, which NAB allows but Cairn does not use); the memory is
 * a bounded set of `capacity` contexts with least-recently-seen eviction, so a context that has not
 * recurred for a long time becomes novel again; the raw novelty is meant to be calibrated by the
 * anomaly likelihood (likelihood.ts) or used directly with the ensemble's refractory period.
 * Memory: `capacity` context hashes plus `depth` recent buckets.
 */
import { type Detector, type Point } from './types.ts';

export interface CadOptions {
  levels?: number; // value buckets over the running range, default 12
  depth?: number; // longest left semi-context (recent buckets), default 2
  capacity?: number; // remembered contexts, default 50000
  timeContext?: boolean; // hour-of-day and weekday-hour as extra left contexts, default true
  minDepth?: number; // shortest left semi-context counted, default 1
}

const M1 = 0x9e3779b1;
const M2 = 0x85ebca77;

export class CadDetector implements Detector {
  readonly name = 'cad';
  private readonly levels: number;
  private readonly depth: number;
  private readonly minDepth: number;
  private readonly capacity: number;
  private readonly timeContext: boolean;
  private readonly recent: Int32Array;
  private filled = 0;
  private head = 0;
  /** Known contexts → last time seen; Map iteration order is insertion order, used as LRU order. */
  private readonly known = new Map<number, number>();
  private min = Infinity;
  private max = -Infinity;

  constructor(opts: CadOptions = {}) {
    this.levels = opts.levels ?? 12;
    this.depth = opts.depth ?? 2;
    this.minDepth = opts.minDepth ?? 1;
    this.capacity = opts.capacity ?? 50000;
    this.timeContext = opts.timeContext ?? true;
    this.recent = new Int32Array(Math.max(1, this.depth));
  }

  update(timestamp: number, value: Point): number {
    const x = typeof value === 'number' ? value : value[0]!;
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    const span = this.max - this.min;
    const level = span > 0 ? Math.min(this.levels - 1, Math.floor(((x - this.min) / span) * this.levels)) : 0;
    let unknown = 0;
    let total = 0;
    // Left semi-contexts: suffixes of the recent bucket sequence, newest first.
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193;
    for (let k = 1; k <= this.filled; k++) {
      const b = this.recent[(this.head - k + this.depth * 2) % this.depth]!;
      h1 = Math.imul(h1 ^ (b + 1), M1);
      h2 = Math.imul(h2 ^ (b + 7919), M2);
      if (k < this.minDepth) continue;
      total++;
      if (!this.touch(this.key(h1, h2, level, k), timestamp)) unknown++;
    }
    if (this.timeContext && Number.isFinite(timestamp)) {
      const hour = Math.floor(timestamp / 3_600_000);
      const hod = ((hour % 24) + 24) % 24;
      const dow = ((Math.floor(hour / 24) % 7) + 7) % 7;
      total += 2;
      if (!this.touch(this.key(0x1234567 + hod, 0x7654321, level, 100), timestamp)) unknown++;
      if (!this.touch(this.key(0x2345678 + dow * 24 + hod, 0x6543210, level, 101), timestamp)) unknown++;
    }
    this.recent[this.head] = level;
    this.head = (this.head + 1) % this.depth;
    if (this.filled < this.depth) this.filled++;
    return total === 0 ? 0 : unknown / total;
  }

  private key(h1: number, h2: number, level: number, k: number): number {
    const a = Math.imul(h1 ^ (level * 131 + k), M2) >>> 0;
    const b = Math.imul(h2 ^ (level * 977 + k * 31), M1) >>> 0;
    return a * 1048576 + (b & 0xfffff); // 52 bits, exact as a double
  }

  /** Marks a context as seen; returns whether it was already known. */
  private touch(key: number, t: number): boolean {
    const had = this.known.delete(key);
    this.known.set(key, t);
    if (!had && this.known.size > this.capacity) {
      const oldest = this.known.keys().next().value as number;
      this.known.delete(oldest);
    }
    return had;
  }

  stateSize(): number {
    return this.capacity + this.depth + 2;
  }
}
