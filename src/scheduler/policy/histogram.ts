// The range-limited idle-time histogram of Shahrad et al., "Serverless in the Wild: Characterizing and
// Optimizing the Serverless Workload at a Large Cloud Provider" (USENIX ATC 2020), §4.2: one bin per
// minute of idle time over a 4-hour range, so 240 counters per application. Idle times past the range
// are not binned; they are counted as out-of-bounds (OOB).
//
// State is bounded and small: the counters are a Uint16Array (480 bytes for 240 bins) plus four
// numbers. When a bin would overflow 65535 every count is halved (rounding up, so a bin that was seen
// stays seen): the shape, and with it the percentiles and the coefficient of variation, is kept, and
// older history weighs half as much as what follows — a bounded form of ageing.

export const BIN_MAX = 0xffff;

export class IdleHistogram {
  readonly binMs: number;
  readonly bins: number;
  readonly #counts: Uint16Array;
  #inRange = 0;
  #sumSq = 0;
  #oob = 0;

  constructor(binMs = 60_000, bins = 240) {
    if (!(binMs > 0) || !Number.isInteger(bins) || bins < 2) throw new RangeError('IdleHistogram needs binMs > 0 and at least 2 bins');
    this.binMs = binMs;
    this.bins = bins;
    this.#counts = new Uint16Array(bins);
  }

  /** Upper end (exclusive) of the range the bins cover. */
  get rangeMs(): number { return this.binMs * this.bins; }
  /** Idle times counted in the bins. */
  get inRange(): number { return this.#inRange; }
  /** Idle times that were past the range. */
  get outOfBounds(): number { return this.#oob; }
  get samples(): number { return this.#inRange + this.#oob; }

  count(bin: number): number { return this.#counts[bin] ?? 0; }

  /** Records one idle time; returns false when it was out of bounds (>= rangeMs). */
  add(idleMs: number): boolean {
    const bin = Math.floor(Math.max(0, idleMs) / this.binMs);
    if (bin >= this.bins) {
      this.#oob++;
      return false;
    }
    if (this.#counts[bin]! >= BIN_MAX) this.halve();
    const c = this.#counts[bin]!;
    this.#counts[bin] = c + 1;
    this.#inRange++;
    this.#sumSq += 2 * c + 1; // (c+1)^2 - c^2
    return true;
  }

  /** Halves every count (and the OOB count), keeping non-zero bins non-zero. */
  halve(): void {
    let total = 0, sq = 0;
    for (let i = 0; i < this.bins; i++) {
      const c = (this.#counts[i]! + 1) >>> 1;
      this.#counts[i] = c;
      total += c;
      sq += c * c;
    }
    this.#inRange = total;
    this.#sumSq = sq;
    this.#oob = Math.ceil(this.#oob / 2);
  }

  /** Share of all recorded idle times that were out of bounds (0 when none were recorded). */
  oobRate(): number {
    const n = this.samples;
    return n === 0 ? 0 : this.#oob / n;
  }

  /**
   * The index of the bin holding the p-quantile of the in-range idle times (0 < p <= 1): the first
   * bin whose cumulative count reaches p × inRange. -1 when the histogram is empty.
   */
  percentileBin(p: number): number {
    if (this.#inRange === 0) return -1;
    const want = p * this.#inRange - 1e-9;
    let cum = 0;
    for (let i = 0; i < this.bins; i++) {
      cum += this.#counts[i]!;
      if (cum >= want && cum > 0) return i;
    }
    return this.bins - 1;
  }

  /**
   * Coefficient of variation of the bin counts (sample standard deviation over the bins / mean count),
   * the paper's test of whether the histogram is representative: idle times concentrated in a few bins
   * give a high CV, idle times spread evenly over the range give a low one. 0 when empty.
   */
  cv(): number {
    if (this.#inRange === 0) return 0;
    const n = this.bins;
    const mean = this.#inRange / n;
    const variance = Math.max(0, (this.#sumSq - n * mean * mean) / (n - 1));
    return Math.sqrt(variance) / mean;
  }

  /** Bytes of state: the counters plus the three numbers kept beside them. */
  stateBytes(): number {
    return this.#counts.byteLength + 3 * 8;
  }
}
