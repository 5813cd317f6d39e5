// Contract between the isolated-vm engine (lifecycle, limits) and the isolate web-API layer
// (bootstrap globals, host bridges, request dispatch). Everything the function can reach arrives
// through these hooks: the isolate holds no ambient authority.

export type ConsoleLevel = 'debug' | 'log' | 'info' | 'warn' | 'error';

export interface HostHooks {
  /** console.* output of the function, with the invocation it belongs to (null outside a request). */
  log(invocationId: string | null, level: ConsoleLevel, message: string): void;
  /**
   * Outbound capabilities: `binding` is an env binding name (e.g. "KV") or "__fetch" for the global
   * fetch(). Arguments and results are structured-clone-able values (Uint8Array for bytes).
   * For "__fetch": args = [{ url, method, headers: [string,string][], body: Uint8Array | null }],
   * result = { status, statusText, headers: [string,string][], body: Uint8Array }.
   * For a KV binding: op in get|put|delete|list, args as the KV API takes them (values as Uint8Array).
   * Rejections carry { name, message } and surface in the isolate as a TypeError/Error with that message.
   */
  call(invocationId: string | null, binding: string, op: string, args: unknown[]): Promise<unknown>;
}

/** What `env` holds for one function instance. Secrets are already decrypted plaintext. */
export interface EnvSpec {
  vars: Record<string, string>;
  secrets: Record<string, string>;
  bindings: Record<string, { type: 'kv' | 'ledger' | 'ai' }>;
}

export interface InvocationInput {
  id: string;
  method: string;
  /** Absolute URL as the client addressed it. */
  url: string;
  headers: Array<[string, string]>;
  body: Uint8Array | null;
}

export interface ResponseHead {
  status: number;
  statusText: string;
  headers: Array<[string, string]>;
  /** Body length when it is known in full as the head is sent (lets the gateway send content-length). */
  length?: number;
}

/**
 * Receives the response. `head` is called exactly once before any chunk. For a body known in full
 * when the handler returns (string, bytes, JSON, Blob...), it arrives as one chunk; a ReadableStream
 * body arrives chunk by chunk as the function produces it.
 */
export interface ResponseSink {
  head(head: ResponseHead): void;
  /**
   * May return a promise to apply backpressure: the function's stream is not read further until it
   * settles. `false` (or a promise of it) means the consumer is gone: the stream is cancelled.
   */
  chunk(bytes: Uint8Array): void | false | Promise<void | false>;
  /** The response cannot be completed (the function failed after its head was sent): cut the connection. */
  abort?(reason: Error): void;
}

export interface InvokeResult {
  /** Settles when every promise passed to ctx.waitUntil() has settled (never rejects). */
  waitUntil: Promise<void>;
}
