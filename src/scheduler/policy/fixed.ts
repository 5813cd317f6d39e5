// The baseline: keep an idle instance for a fixed time after its last invocation ends, never pre-warm.
// AWS Lambda keeps idle execution environments for roughly 10 minutes, Azure Functions used 20 minutes
// (Shahrad et al., ATC 2020, §4.1), Knative scales to zero after its stable window plus a grace period.
import { AppActivity, type AppKeepAlive, type IdleWindows, type KeepAlivePolicy } from './types.ts';

class FixedApp extends AppActivity {
  readonly #w: IdleWindows;
  constructor(keepAliveMs: number) {
    super();
    this.#w = { prewarmMs: 0, keepAliveMs, source: 'fixed' };
  }
  windows(): IdleWindows { return this.#w; }
  stateBytes(): number { return 16; }
  protected observeIdle(): void { /* a fixed policy learns nothing */ }
}

export class FixedKeepAlive implements KeepAlivePolicy {
  readonly name: string;
  readonly keepAliveMs: number;

  constructor(keepAliveMs: number = 10 * 60_000) {
    if (!Number.isFinite(keepAliveMs) || keepAliveMs < 0) throw new RangeError(`keepAliveMs must be a finite number >= 0, got ${keepAliveMs}`);
    this.keepAliveMs = keepAliveMs;
    this.name = `fixed-${formatDuration(keepAliveMs)}`;
  }

  forApp(): AppKeepAlive { return new FixedApp(this.keepAliveMs); }
}

/** "10m", "90s", "4h", "1500ms": short names for reports. */
export function formatDuration(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
