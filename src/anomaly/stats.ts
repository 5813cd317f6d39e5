/** Small numeric helpers shared by the detectors: seeded PRNG, ring buffer, Gaussian tail. */

/**
 * Mulberry32 (Tommy Ettinger, public domain): a fast 32-bit PRNG. Used so that every randomised
 * detector is deterministic given its seed.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fixed-capacity FIFO of numbers (bounded memory). */
export class Ring {
  readonly buf: Float64Array;
  private head = 0;
  length = 0;
  constructor(readonly capacity: number) {
    this.buf = new Float64Array(capacity);
  }
  /** Pushes a value; returns the evicted value when full, otherwise undefined. */
  push(x: number): number | undefined {
    let evicted: number | undefined;
    if (this.length === this.capacity) {
      evicted = this.buf[this.head];
      this.buf[this.head] = x;
      this.head = (this.head + 1) % this.capacity;
    } else {
      this.buf[(this.head + this.length) % this.capacity] = x;
      this.length++;
    }
    return evicted;
  }
  /** i-th oldest value (0 = oldest). */
  at(i: number): number {
    return this.buf[(this.head + i) % this.capacity]!;
  }
  /** i-th newest value (0 = newest). */
  back(i: number): number {
    return this.at(this.length - 1 - i);
  }
  values(): number[] {
    const out = new Array<number>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.at(i);
    return out;
  }
}

/** Complementary error function (power series near 0, continued fraction in the tail). */
export function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  if (x < 2) {
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 100; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  let t = x;
  for (let k = 60; k >= 1; k--) t = x + k / 2 / t;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / t;
}

/** Upper tail probability P(Z > z) of a standard normal. */
export function normalTail(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** Median of a numeric array (copies; O(n log n)). */
export function median(xs: ArrayLike<number>): number {
  const a = Float64Array.from(xs).sort();
  const n = a.length;
  if (n === 0) return NaN;
  return n % 2 ? a[(n - 1) >> 1]! : (a[n / 2 - 1]! + a[n / 2]!) / 2;
}
