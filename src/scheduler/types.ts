// What the gateway and the control plane see of the scheduler: "run this invocation of this
// function's current version". Pools, instance placement and sandbox processes stay behind it.
import type { InvocationInput, ResponseSink } from '../runtime/isolate/types.ts';

export interface InvocationTarget {
  tenant: string;
  function: string;
  /** Version to run; the gateway passes the function's current version. */
  version: string;
}

export interface InvocationOutcome {
  invocationId: string;
  version: string;
  /** HTTP status sent to the client (the function's, or the platform's error status). */
  status: number;
  durationMs: number;
  cpuMs: number;
  coldStart: boolean;
  /** Stable code when the platform ended or refused the invocation ("cpu-limit", "memory-limit", "timeout", "function-threw", ...). */
  error: string | null;
}

/** What started an invocation, as its usage record says: "http" (the data plane), "admin" (the admin API's invoke). */
export type Trigger = 'http' | 'admin' | (string & {});

export interface InvokeOptions {
  /** Recorded in the usage record; default "http". */
  trigger?: Trigger;
}

export interface Invoker {
  /**
   * Runs one invocation. The response (the function's, or a problem+json written by the platform when
   * the invocation failed before sending its head) goes to `sink`. Resolves when the response is complete.
   */
  invoke(target: InvocationTarget, input: InvocationInput, sink: ResponseSink, opts?: InvokeOptions): Promise<InvocationOutcome>;
}
