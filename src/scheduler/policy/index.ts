// Keep-alive / pre-warm policies (issue 3). See docs/autoscaling.md for how the pool uses them.
export { AppActivity, idlePlan, type AppKeepAlive, type IdlePlan, type IdleWindows, type KeepAlivePolicy, type WindowSource } from './types.ts';
export { FixedKeepAlive, formatDuration } from './fixed.ts';
export { HybridHistogramPolicy, type HybridHistogramOptions } from './hybrid.ts';
export { IdleHistogram } from './histogram.ts';
export { SmoothedForecast, type ForecastOptions } from './forecast.ts';

import { FixedKeepAlive } from './fixed.ts';
import { HybridHistogramPolicy, type HybridHistogramOptions } from './hybrid.ts';
import type { KeepAlivePolicy } from './types.ts';

export type PolicyName = 'fixed' | 'hybrid-histogram';

/**
 * The policy named by a function's `scaling.policy`: 'fixed' keeps idle instances `keepAliveMs`
 * (the config's value); 'hybrid-histogram' is Shahrad et al.'s policy with the published parameters
 * (override them through `hybrid`).
 */
export function createKeepAlivePolicy(name: PolicyName, opts: { keepAliveMs: number; hybrid?: HybridHistogramOptions }): KeepAlivePolicy {
  switch (name) {
    case 'fixed': return new FixedKeepAlive(opts.keepAliveMs);
    case 'hybrid-histogram': return new HybridHistogramPolicy(opts.hybrid);
    default: throw new RangeError(`unknown keep-alive policy "${String(name)}"`);
  }
}
