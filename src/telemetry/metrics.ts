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
  readonly instances = new Gauge({ name: 'cairn_instances', help: 'Function instances by state.', labelNames: ['function', 'state'] as const, registers: [this.registry] });
  readonly sandboxExits = new Counter({ name: 'cairn_sandbox_process_exits_total', help: 'Sandbox processes that exited unexpectedly.', registers: [this.registry] });

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'cairn_process_' });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
