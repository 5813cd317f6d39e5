// Scale-out decisions (issue 3). See docs/autoscaling.md for how the pool uses them.
export { KpaAutoscaler, type KpaDecision, type KpaOptions } from './kpa.ts';
export { TimeWeightedWindow } from './window.ts';

export interface TargetInput {
  /** scaling.minInstances / scaling.maxInstances of the version. */
  minInstances: number;
  maxInstances: number;
  /** KpaAutoscaler.decide(now, ready).desired */
  desired: number;
  /** AppKeepAlive.warmAt(now) of the function's keep-alive policy. */
  keepWarm: boolean;
}

/**
 * How many instances a pool should hold now, combining the two deciders: the autoscaler sizes the pool
 * above one instance (a recent load that needed several), the keep-alive policy decides between zero
 * and one (keep the last instance, unload it, or pre-warm one), and minInstances is a floor. The pool
 * stops idle instances (longest idle first) while it holds more than this, starts instances while it
 * holds fewer (a pre-warm, or a panic scale-up ahead of the queue), and never stops a busy one.
 */
export function targetInstances(t: TargetInput): number {
  const fromAutoscaler = t.desired >= 2 ? t.desired : 0;
  const n = Math.max(t.minInstances, t.keepWarm ? 1 : 0, fromAutoscaler);
  return Math.max(0, Math.min(n, t.maxInstances));
}
