// The engine seam: the scheduler asks an engine for instances of a function version and invokes
// them; it never sees isolates or processes. Engines: isolated-vm in this process, and the
// sandboxed engine that runs isolated-vm in locked-down worker processes. Another engine (workerd's
// Worker Loader, say) plugs in here without touching the gateway or the scheduler.
import type { Limits } from '../../config/schema.ts';
import type { EnvSpec, HostHooks, InvocationInput, ResponseSink } from '../isolate/types.ts';

export interface InstanceSpec {
  /** Unique per instance. */
  id: string;
  tenant: string;
  function: string;
  version: string;
  /** The version's bundled ES module. */
  code: string;
  env: EnvSpec;
  limits: Limits;
}

export interface InstanceInvokeResult {
  cpuMs: number;
  /** Settles when the invocation's ctx.waitUntil() work has finished (bounded by the wall-time limit). */
  waitUntil: Promise<void>;
}

export interface Instance {
  readonly id: string;
  /** Cold start cost measured when the instance was created (isolate + globals + module). */
  readonly startMs: number;
  /** True once the instance can serve no more invocations (its isolate was disposed). */
  readonly broken: boolean;
  invoke(input: InvocationInput, sink: ResponseSink): Promise<InstanceInvokeResult>;
  dispose(): Promise<void>;
}

export interface Engine {
  readonly name: string;
  createInstance(spec: InstanceSpec, hooks: HostHooks): Promise<Instance>;
  close(): Promise<void>;
}

/** Why the platform ended an invocation; `code` is the stable problem code sent to the client. */
export class InvocationError extends Error {
  readonly code: InvocationErrorCode;
  readonly status: number;
  /** The instance cannot be reused (its isolate is gone). */
  readonly fatal: boolean;
  constructor(code: InvocationErrorCode, message: string, fatal: boolean) {
    super(message);
    this.code = code;
    this.status = STATUS[code];
    this.fatal = fatal;
  }
}

export type InvocationErrorCode = 'cpu-limit' | 'memory-limit' | 'timeout' | 'function-threw' | 'bad-response' | 'load-failed' | 'instance-crashed';

const STATUS: Record<InvocationErrorCode, number> = {
  'cpu-limit': 503, 'memory-limit': 503, timeout: 504, 'function-threw': 500, 'bad-response': 500, 'load-failed': 500, 'instance-crashed': 502,
};
