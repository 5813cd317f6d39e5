// Messages between the node (parent) and a sandbox process (child). The child receives only what
// its instances need (their code, env and limits) and reaches storage, the network and other
// bindings through `call` messages that the node checks and serves.
import type { InstanceSpec } from '../engines/types.ts';
import type { ConsoleLevel, InvocationInput, ResponseHead } from '../isolate/types.ts';
import type { InvocationErrorCode } from '../engines/types.ts';

export interface WireError { code: InvocationErrorCode; message: string; fatal: boolean }

export type ToSandbox =
  | { t: 'create'; rid: number; spec: InstanceSpec }
  | { t: 'invoke'; rid: number; instance: string; input: InvocationInput }
  | { t: 'chunk-ack'; rid: number; stop: boolean }
  | { t: 'dispose'; instance: string }
  | { t: 'reply'; cid: number; ok: true; value: unknown }
  | { t: 'reply'; cid: number; ok: false; error: { name: string; message: string } };

export type FromSandbox =
  | { t: 'ready'; pid: number }
  | { t: 'created'; rid: number; startMs: number }
  | { t: 'failed'; rid: number; error: WireError }
  | { t: 'head'; rid: number; head: ResponseHead }
  | { t: 'chunk'; rid: number; bytes: Uint8Array }
  | { t: 'done'; rid: number; cpuMs: number }
  /** A whole response known in full (head, body, completion) in one frame: the common case. */
  | { t: 'result'; rid: number; head: ResponseHead; bytes: Uint8Array | null; cpuMs: number }
  | { t: 'waited'; rid: number }
  | { t: 'log'; instance: string; inv: string | null; level: ConsoleLevel; message: string }
  | { t: 'call'; cid: number; instance: string; inv: string | null; binding: string; op: string; args: unknown[] }
  | { t: 'broken'; instance: string };
