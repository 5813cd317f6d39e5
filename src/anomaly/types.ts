/**
 * Common interface of Cairn's streaming anomaly detectors.
 *
 * A detector is online: it sees one point at a time, in time order, returns an anomaly score in [0,1]
 * for that point computed from that point and the past only (no look-ahead), and then learns from it.
 * There is no offline training step. Every detector keeps bounded state: `stateSize()` reports the
 * number of retained numbers/slots and must not grow with stream length once warm.
 */
export type Point = number | ArrayLike<number>;

export interface Detector {
  /** Name of the algorithm (stable, for reports). */
  readonly name: string;
  /** Scores the point at `timestamp` (ms since the epoch), then learns from it. Returns a score in [0,1]. */
  update(timestamp: number, value: Point): number;
  /** Number of retained values (numbers, slots, nodes); bounded independently of stream length. */
  stateSize(): number;
}

export function clamp01(x: number): number {
  if (!(x > 0)) return 0; // also maps NaN to 0
  return x > 1 ? 1 : x;
}

export function toVector(value: Point): Float64Array {
  if (typeof value === 'number') return Float64Array.of(value);
  return Float64Array.from(value as ArrayLike<number>);
}
