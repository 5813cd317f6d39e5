// Prometheus metrics of a node (names fixed by the brief, all prefixed cairn_). A registry per
// node, not prom-client's global one, so several nodes in one process (tests) do not collide.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();
  readonly invocations = new Counter({ name: 'cairn_invocations_total', help: 'Invocations by function, version and HTTP status.', labelNames: ['function', 'version', 'status'] as const, registers: [this.registry] });
  readonly duration = new Histogram({
    name: 'cairn_invocation_duration_seconds', help: 'Wall time from dispatch to the end of the response.', labelNames: ['function', 'version'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [this.registry],
  });
  readonly cpu = new Counter({ name: 'cairn_invocation_cpu_seconds_total', help: 'Isolate CPU time used by invocations.', labelNames: ['function', 'version'] as const, registers: [this.registry] });
  readonly coldStarts = new Counter({ name: 'cairn_cold_starts_total', help: 'Invocations that waited for a new instance.', labelNames: ['function'] as const, registers: [this.registry] });
  readonly coldStartSeconds = new Histogram({ name: 'cairn_instance_start_seconds', help: 'Time to start an instance (isolate, globals, module).', labelNames: ['function'] as const, buckets: [0.001, 0.002, 0.003, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], registers: [this.registry] });
  readonly errors = new Counter({ name: 'cairn_invocation_errors_total', help: 'Invocations the platform ended or refused, by code.', labelNames: ['function', 'version', 'code'] as const, registers: [this.registry] });
  readonly poolQueue = new Gauge({ name: 'cairn_pool_queue_depth', help: 'Invocations waiting for a free instance, per function.', labelNames: ['function'] as const, registers: [this.registry] });
  readonly instances = new Gauge({ name: 'cairn_instances', help: 'Function instances by state.', labelNames: ['function', 'state'] as const, registers: [this.registry] });
  readonly anomalies = new Counter({ name: 'cairn_anomalies_total', help: 'Anomalies the monitor reported in function telemetry, by signal.', labelNames: ['signal'] as const, registers: [this.registry] });
  readonly rateLimited = new Counter({ name: 'cairn_rate_limited_total', help: 'Requests answered 429 because their client was judged anomalous (abuse defence).', labelNames: ['function'] as const, registers: [this.registry] });
  readonly sandboxExits = new Counter({ name: 'cairn_sandbox_process_exits_total', help: 'Sandbox processes that exited unexpectedly.', registers: [this.registry] });
  // Metering (as billed: the usage records' quantities, counted when each invocation ends).
  readonly usageGbSeconds = new Counter({ name: 'cairn_usage_gb_seconds_total', help: 'Billed GB-seconds: memory limit (GB) × billed wall seconds.', labelNames: ['function'] as const, registers: [this.registry] });
  readonly usageBytesIn = new Counter({ name: 'cairn_usage_bytes_in_total', help: 'Request body bytes received by functions.', labelNames: ['function'] as const, registers: [this.registry] });
  readonly usageBytesOut = new Counter({ name: 'cairn_usage_bytes_out_total', help: 'Response body bytes sent by functions (billed egress).', labelNames: ['function'] as const, registers: [this.registry] });
  readonly usageCommitSeconds = new Histogram({
    name: 'cairn_usage_commit_seconds', help: 'Time to commit one group of usage records to storage.',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], registers: [this.registry],
  });
  readonly usageRecordsCommitted = new Counter({ name: 'cairn_usage_records_committed_total', help: 'Usage records durably committed to storage.', registers: [this.registry] });
  readonly usageRecordsDropped = new Counter({ name: 'cairn_usage_records_dropped_total', help: 'Usage records given up on after repeated failed commits (unbilled usage).', registers: [this.registry] });

  /** Per-function children of the usage counters: resolved once, not hashed on every invocation. */
  readonly #usageChildren = new Map<string, { gbs: { inc(v: number): void }; bytesIn: { inc(v: number): void }; bytesOut: { inc(v: number): void } }>();

  /** Counts one invocation's billed usage (called for every invocation, so kept cheap). */
  countUsage(fn: string, gbSeconds: number, bytesIn: number, bytesOut: number): void {
    let c = this.#usageChildren.get(fn);
    if (!c) {
      const labels = { function: fn };
      c = { gbs: this.usageGbSeconds.labels(labels), bytesIn: this.usageBytesIn.labels(labels), bytesOut: this.usageBytesOut.labels(labels) };
      this.#usageChildren.set(fn, c);
    }
    if (gbSeconds > 0) c.gbs.inc(gbSeconds);
    if (bytesIn > 0) c.bytesIn.inc(bytesIn);
    if (bytesOut > 0) c.bytesOut.inc(bytesOut);
  }

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'cairn_process_' });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
