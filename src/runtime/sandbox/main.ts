// Entry point of a sandbox process. Started by the node under Node's permission model (reads only
// the platform's own code, no writes, no child processes, no workers), it hosts isolates for one
// tenant and talks to the node over fd 3. It holds no database handle, no master key and no other
// tenant's secrets: everything else is a `call` to the node.
import { Socket } from 'node:net';
import { Channel } from './channel.ts';
import type { FromSandbox, ToSandbox, WireError } from './protocol.ts';
import { IsolatedVmEngine } from '../engines/isolated-vm/engine.ts';
import { InvocationError, type Instance } from '../engines/types.ts';
import type { HostHooks, ResponseHead } from '../isolate/types.ts';

const channel = new Channel<ToSandbox, FromSandbox>(new Socket({ fd: 3, readable: true, writable: true }));
const engine = new IsolatedVmEngine({ syncDispatch: true });
const instances = new Map<string, Instance>();
const calls = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
const acks = new Map<number, (stop: boolean) => void>();
let nextCall = 1;

function wireError(err: unknown): WireError {
  if (err instanceof InvocationError) return { code: err.code, message: err.message, fatal: err.fatal };
  return { code: 'instance-crashed', message: String((err as Error)?.message ?? err), fatal: true };
}

function hooksFor(instance: string): HostHooks {
  return {
    log: (inv, level, message) => channel.send({ t: 'log', instance, inv, level, message }),
    call: (inv, binding, op, args) => new Promise((resolve, reject) => {
      const cid = nextCall++;
      calls.set(cid, { resolve, reject });
      channel.send({ t: 'call', cid, instance, inv, binding, op, args });
    }),
  };
}

async function create(rid: number, spec: Parameters<IsolatedVmEngine['createInstance']>[0]): Promise<void> {
  try {
    const inst = await engine.createInstance(spec, hooksFor(spec.id));
    instances.set(spec.id, inst);
    channel.send({ t: 'created', rid, startMs: inst.startMs });
  } catch (err) {
    channel.send({ t: 'failed', rid, error: wireError(err) });
  }
}

async function invoke(rid: number, id: string, input: Parameters<Instance['invoke']>[0]): Promise<void> {
  const inst = instances.get(id);
  if (!inst) {
    channel.send({ t: 'failed', rid, error: { code: 'instance-crashed', message: 'no such instance in this sandbox', fatal: true } });
    return;
  }
  // A head that carries `length` is followed by the whole body at once: hold both and send them
  // with the completion in one frame. Stream heads go out immediately.
  let held: { head: ResponseHead; bytes: Uint8Array | null } | null = null;
  try {
    const r = await inst.invoke(input, {
      head: (head) => {
        if (head.length !== undefined) held = { head, bytes: null };
        else channel.send({ t: 'head', rid, head });
      },
      chunk: (bytes) => {
        if (held && held.bytes === null) {
          held.bytes = bytes;
          return;
        }
        return new Promise<void | false>((resolve) => {
          acks.set(rid, (stop) => resolve(stop ? false : undefined));
          channel.send({ t: 'chunk', rid, bytes });
        });
      },
    });
    // (TypeScript cannot see the callbacks' assignment, hence the re-typing.)
    const whole = held as { head: ResponseHead; bytes: Uint8Array | null } | null;
    if (whole) channel.send({ t: 'result', rid, head: whole.head, bytes: whole.bytes, cpuMs: r.cpuMs });
    else channel.send({ t: 'done', rid, cpuMs: r.cpuMs });
    void r.waitUntil.then(() => channel.send({ t: 'waited', rid }));
  } catch (err) {
    acks.delete(rid);
    channel.send({ t: 'failed', rid, error: wireError(err) });
    if (inst.broken) {
      instances.delete(id);
      channel.send({ t: 'broken', instance: id });
    }
  }
}

channel.onMessage((msg) => {
  switch (msg.t) {
    case 'create': void create(msg.rid, msg.spec); break;
    case 'invoke': void invoke(msg.rid, msg.instance, msg.input); break;
    case 'chunk-ack': { const a = acks.get(msg.rid); acks.delete(msg.rid); a?.(msg.stop); break; }
    case 'dispose': { const i = instances.get(msg.instance); instances.delete(msg.instance); void i?.dispose(); break; }
    case 'reply': {
      const c = calls.get(msg.cid);
      calls.delete(msg.cid);
      if (!c) break;
      if (msg.ok) c.resolve(msg.value);
      else c.reject(Object.assign(new Error(msg.error.message), { name: msg.error.name }));
      break;
    }
  }
});

// The node going away (pipe closed) ends this process: nothing here is worth keeping.
channel.onClose(() => process.exit(0));
channel.send({ t: 'ready', pid: process.pid });
