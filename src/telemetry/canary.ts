// Canary analysis of deploys. It learns each version's baseline from the anomaly monitor's closed
// intervals (error rate, p95 latency) and, for a window after a deploy, compares the new version
// with the previous version's baseline:
//   * errors: a one-sided binomial test of the new version's cumulative error count against the
//     baseline rate (floored at 0.5%), z ≥ 5, and at least 5 points worse;
//   * latency: the median of its interval p95s (≥ 5 intervals of ≥ 5 invocations, judged from
//     half-way through the window so that the new version's cold starts do not decide) above both
//     2 × and 50 ms over the baseline p95.
// A failed canary calls `rollback` once (the node rolls back through the same path as the API).
// Pure logic with injected time: every decision happens in `observe`, driven by the intervals.
import type { IntervalSummary } from './anomaly-monitor.ts';

export interface CanaryPolicy { autoRollback: boolean; windowMs: number }

export interface CanaryVerdict {
  tenant: string;
  function: string;
  version: string;
  previous: string;
  signal: 'error_rate' | 'p95_latency_ms';
  observed: number;
  baseline: number;
  reason: string;
}

export interface CanaryOptions {
  rollback(v: CanaryVerdict): void;
  /** Invocations the new version must have served before its error rate is judged (default 20). */
  minInvocations?: number;
  /** Invocations the previous version must have served for its baseline to count (default 50); with fewer, the baseline error rate is the 0.5% floor. */
  minBaseline?: number;
}

/** Decayed per-version sums: about the last 300 intervals weigh in. */
const DECAY = 1 - 1 / 300;
const MAX_VERSIONS = 4;
const ERROR_FLOOR = 0.005;
const Z_LIMIT = 5;
const MIN_ERROR_DELTA = 0.05;
const LATENCY_INTERVALS = 5;

interface VersionStats { invocations: number; errors: number; p95: number; p95Intervals: number }
interface Watch {
  version: string;
  previous: string;
  deadline: number;
  /** Latency is judged only from here on (half the window): a new version's first intervals carry its cold starts. */
  latencyFrom: number;
  invocations: number;
  errors: number;
  p95s: number[];
  baseline: VersionStats | null;
}
interface FnState { versions: Map<string, VersionStats>; watch: Watch | null }

export class CanaryAnalyzer {
  readonly #opts: Required<CanaryOptions>;
  readonly #fns = new Map<string, FnState>();

  constructor(opts: CanaryOptions) {
    this.#opts = { minInvocations: 20, minBaseline: 50, ...opts };
  }

  #state(tenant: string, fn: string): FnState {
    const key = `${tenant}\0${fn}`;
    let s = this.#fns.get(key);
    if (!s) { s = { versions: new Map(), watch: null }; this.#fns.set(key, s); }
    return s;
  }

  /** A deploy made `version` current after `previous`: watch it for `policy.windowMs` when the policy rolls back. */
  deployed(tenant: string, fn: string, version: string, previous: string | null, policy: CanaryPolicy | undefined, now: number): void {
    const s = this.#state(tenant, fn);
    s.watch = null;
    if (!policy?.autoRollback || previous === null || previous === version) return;
    const base = s.versions.get(previous);
    s.watch = { version, previous, deadline: now + policy.windowMs, latencyFrom: now + policy.windowMs / 2, invocations: 0, errors: 0, p95s: [], baseline: base ? { ...base } : null };
  }

  /** The served version changed otherwise (rollback, delete): stop watching. */
  cancel(tenant: string, fn: string): void {
    const s = this.#fns.get(`${tenant}\0${fn}`);
    if (s) s.watch = null;
  }

  /** Whether a canary is being watched (tests, admin views). */
  watching(tenant: string, fn: string): string | null {
    return this.#fns.get(`${tenant}\0${fn}`)?.watch?.version ?? null;
  }

  /** One closed interval of the monitor. */
  observe(i: IntervalSummary): void {
    const s = this.#state(i.tenant, i.function);
    const w = s.watch;
    // An interval that straddles a version switch holds the other version's invocations too:
    // judging or learning from it would blame one version for the other's errors.
    if (i.mixed) return;
    if (w && i.version === w.version) {
      w.invocations += i.invocations;
      w.errors += i.errors;
      if (i.invocations >= 5 && w.p95s.push(i.values.p95_latency_ms) > 30) w.p95s.shift();
      const verdict = this.#judge(i, w);
      if (verdict) {
        s.watch = null;
        this.#opts.rollback(verdict);
      }
    }
    if (s.watch && i.ts >= s.watch.deadline) s.watch = null; // passed
    if (i.invocations > 0) this.#learn(s, i);
  }

  #learn(s: FnState, i: IntervalSummary): void {
    let v = s.versions.get(i.version);
    if (!v) {
      if (s.versions.size >= MAX_VERSIONS) {
        const oldest = s.versions.keys().next().value;
        if (oldest !== undefined) s.versions.delete(oldest);
      }
      v = { invocations: 0, errors: 0, p95: 0, p95Intervals: 0 };
      s.versions.set(i.version, v);
    } else {
      s.versions.delete(i.version); // most recently used last
      s.versions.set(i.version, v);
    }
    v.invocations = v.invocations * DECAY + i.invocations;
    v.errors = v.errors * DECAY + i.errors;
    if (i.invocations >= 5) {
      v.p95Intervals++;
      v.p95 += (i.values.p95_latency_ms - v.p95) / Math.min(v.p95Intervals, 300);
    }
  }

  #judge(i: IntervalSummary, w: Watch): CanaryVerdict | null {
    const b = w.baseline;
    const base = b && b.invocations >= this.#opts.minBaseline ? b.errors / b.invocations : 0;
    const head = { tenant: i.tenant, function: i.function, version: w.version, previous: w.previous };
    if (w.invocations >= this.#opts.minInvocations) {
      const rate = w.errors / w.invocations;
      const p0 = Math.max(base, ERROR_FLOOR);
      const z = (rate - p0) / Math.sqrt((p0 * (1 - p0)) / w.invocations);
      if (z >= Z_LIMIT && rate - base >= MIN_ERROR_DELTA) {
        return {
          ...head, signal: 'error_rate', observed: rate, baseline: base,
          reason: `error rate ${pct(rate)} (${w.errors} of ${w.invocations}) vs ${pct(base)} on ${w.previous}`,
        };
      }
    }
    if (b && b.p95Intervals >= LATENCY_INTERVALS && w.p95s.length >= LATENCY_INTERVALS && i.ts >= w.latencyFrom) {
      const med = median(w.p95s);
      if (med > 2 * b.p95 && med > b.p95 + 50) {
        return { ...head, signal: 'p95_latency_ms', observed: med, baseline: b.p95, reason: `p95 latency ${Math.round(med)} ms vs ${Math.round(b.p95)} ms on ${w.previous}` };
      }
    }
    return null;
  }
}

function pct(x: number): string {
  return `${Math.round(x * 1000) / 10}%`;
}

function median(xs: number[]): number {
  const a = [...xs].sort((p, q) => p - q);
  const n = a.length;
  return n % 2 ? a[(n - 1) >> 1]! : (a[n / 2 - 1]! + a[n / 2]!) / 2;
}
