// The sandboxed engine: isolates run in worker processes started under Node's permission model,
// one group of processes per tenant (so a process holds only its tenant's secrets), and the node
// talks to them over a framed pipe. Implements the same Engine interface as the in-process engine.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { Channel } from './channel.ts';
import type { FromSandbox, ToSandbox } from './protocol.ts';
import { sandboxNodeFlags } from './permissions.ts';
import { DIST_DIR } from '../../shared/paths.ts';
import { InvocationError, type Engine, type Instance, type InstanceInvokeResult, type InstanceSpec } from '../engines/types.ts';
import type { HostHooks, InvocationInput, ResponseSink } from '../isolate/types.ts';

export interface SandboxedEngineOptions {
  /** Processes per tenant (default 2). */
  processesPerTenant?: number;
  /** Called when a sandbox process exits unexpectedly. */
  onProcessExit?: (info: { tenant: string; pid: number | undefined; code: number | null; signal: string | null }) => void;
}

interface Pending {
  sink: ResponseSink | null;
  resolve(v: unknown): void;
  reject(e: Error): void;
  waited?: () => void;
}

class SandboxProcess {
  readonly tenant: string;
  readonly child: ChildProcess;
  readonly channel: Channel<FromSandbox, ToSandbox>;
  readonly hooks = new Map<string, HostHooks>();
  readonly broken = new Set<string>();
  readonly pending = new Map<number, Pending>();
  instances = 0;
  alive = true;
  readonly ready: Promise<void>;
  #nextRid = 1;

  constructor(tenant: string, onExit: (p: SandboxProcess, code: number | null, signal: string | null) => void) {
    this.tenant = tenant;
    this.child = spawn(process.execPath, [...sandboxNodeFlags(), join(DIST_DIR, 'sandbox.js')], {
      stdio: ['ignore', 'inherit', 'inherit', 'pipe'],
      // Its own session: a terminal's Ctrl-C goes to the node, which shuts sandboxes down in order.
      detached: true,
      env: { TZ: 'UTC', NODE_ENV: process.env.NODE_ENV ?? 'production' },
    });
    this.channel = new Channel<FromSandbox, ToSandbox>(this.child.stdio[3] as Duplex);
    let readyResolve!: () => void, readyReject!: (e: Error) => void;
    this.ready = new Promise((res, rej) => { readyResolve = res; readyReject = rej; });
    this.ready.catch(() => {});
    this.child.once('exit', (code, signal) => {
      this.alive = false;
      readyReject(new Error(`sandbox process exited during start (code ${code}, signal ${signal})`));
      const err = new InvocationError('instance-crashed', `the sandbox process exited (code ${code}, signal ${signal})`, true);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      for (const id of this.hooks.keys()) this.broken.add(id);
      onExit(this, code, signal);
    });
    this.channel.onMessage((msg) => {
      if (msg.t === 'ready') readyResolve();
      else this.#onMessage(msg);
    });
  }

  request(make: (rid: number) => ToSandbox, pending: Omit<Pending, never>): number {
    const rid = this.#nextRid++;
    this.pending.set(rid, pending);
    this.channel.send(make(rid));
    return rid;
  }

  #onMessage(msg: FromSandbox): void {
    switch (msg.t) {
      case 'created': { const p = this.pending.get(msg.rid); this.pending.delete(msg.rid); p?.resolve(msg.startMs); break; }
      case 'failed': {
        const p = this.pending.get(msg.rid);
        this.pending.delete(msg.rid);
        p?.reject(new InvocationError(msg.error.code, msg.error.message, msg.error.fatal));
        break;
      }
      case 'head': this.pending.get(msg.rid)?.sink?.head(msg.head); break;
      case 'chunk': {
        const p = this.pending.get(msg.rid);
        const ack = (v: void | false): void => this.channel.send({ t: 'chunk-ack', rid: msg.rid, stop: v === false });
        const r = p?.sink ? p.sink.chunk(msg.bytes) : false;
        if (r instanceof Promise) r.then(ack, () => ack(false));
        else ack(r);
        break;
      }
      case 'result': {
        const p = this.pending.get(msg.rid);
        if (!p) break;
        p.sink?.head(msg.head);
        const r = msg.bytes && msg.bytes.byteLength ? p.sink?.chunk(msg.bytes) : undefined;
        if (r && typeof (r as Promise<void>).then === 'function') (r as Promise<void>).then(() => p.resolve(msg.cpuMs), (e: Error) => p.reject(e));
        else p.resolve(msg.cpuMs);
        break;
      }
      case 'done': {
        const p = this.pending.get(msg.rid);
        if (!p) break;
        // Keep the entry until 'waited' so waitUntil can be reported; the response is complete now.
        p.resolve(msg.cpuMs);
        break;
      }
      case 'waited': { const p = this.pending.get(msg.rid); this.pending.delete(msg.rid); p?.waited?.(); break; }
      case 'log': this.hooks.get(msg.instance)?.log(msg.inv, msg.level, msg.message); break;
      case 'call': void this.#serveCall(msg); break;
      case 'broken': this.broken.add(msg.instance); break;
      case 'ready': break;
    }
  }

  async #serveCall(msg: Extract<FromSandbox, { t: 'call' }>): Promise<void> {
    const hooks = this.hooks.get(msg.instance);
    try {
      if (!hooks) throw new Error('unknown instance');
      const value = await hooks.call(msg.inv, msg.binding, msg.op, msg.args);
      this.channel.send({ t: 'reply', cid: msg.cid, ok: true, value });
    } catch (err) {
      const e = err as Error;
      this.channel.send({ t: 'reply', cid: msg.cid, ok: false, error: { name: e?.name ?? 'Error', message: String(e?.message ?? err) } });
    }
  }

  kill(): void {
    if (this.alive) this.child.kill('SIGKILL');
  }
}

class SandboxedInstance implements Instance {
  readonly id: string;
  readonly startMs: number;
  readonly #proc: SandboxProcess;
  #disposed = false;

  constructor(id: string, startMs: number, proc: SandboxProcess) {
    this.id = id;
    this.startMs = startMs;
    this.#proc = proc;
  }

  get broken(): boolean {
    return this.#disposed || !this.#proc.alive || this.#proc.broken.has(this.id);
  }

  invoke(input: InvocationInput, sink: ResponseSink): Promise<InstanceInvokeResult> {
    if (this.broken) return Promise.reject(new InvocationError('instance-crashed', 'the instance is gone', true));
    return new Promise((resolve, reject) => {
      let waitedResolve!: () => void;
      const waitUntil = new Promise<void>((r) => { waitedResolve = r; });
      this.#proc.request((rid) => ({ t: 'invoke', rid, instance: this.id, input }), {
        sink,
        resolve: (cpuMs) => resolve({ cpuMs: cpuMs as number, waitUntil }),
        reject: (e) => { waitedResolve(); reject(e); },
        waited: () => waitedResolve(),
      });
    });
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#proc.hooks.delete(this.id);
    this.#proc.broken.delete(this.id);
    this.#proc.instances--;
    if (this.#proc.alive) this.#proc.channel.send({ t: 'dispose', instance: this.id });
  }
}

export class SandboxedEngine implements Engine {
  readonly name = 'sandboxed-isolated-vm';
  readonly #perTenant: number;
  readonly #groups = new Map<string, SandboxProcess[]>();
  readonly #onProcessExit: SandboxedEngineOptions['onProcessExit'];
  #closing = false;

  constructor(opts: SandboxedEngineOptions = {}) {
    this.#perTenant = Math.max(1, opts.processesPerTenant ?? 2);
    this.#onProcessExit = opts.onProcessExit;
  }

  /** Live process ids per tenant (for tests and the admin view). */
  processes(): Array<{ tenant: string; pid: number | undefined; instances: number }> {
    return [...this.#groups.entries()].flatMap(([tenant, procs]) => procs.map((p) => ({ tenant, pid: p.child.pid, instances: p.instances })));
  }

  /** Starts a tenant's sandbox processes ahead of its first request, so no request pays for a process start. */
  prewarm(tenant: string): void {
    while ((this.#groups.get(tenant)?.length ?? 0) < this.#perTenant) this.#place(tenant);
  }

  #place(tenant: string): SandboxProcess {
    let group = this.#groups.get(tenant);
    if (!group) this.#groups.set(tenant, (group = []));
    if (group.length < this.#perTenant) {
      const proc = new SandboxProcess(tenant, (p, code, signal) => {
        const g = this.#groups.get(tenant);
        if (g) this.#groups.set(tenant, g.filter((x) => x !== p));
        if (!this.#closing) this.#onProcessExit?.({ tenant, pid: p.child.pid, code, signal });
      });
      group.push(proc);
      return proc;
    }
    return group.reduce((a, b) => (b.instances < a.instances ? b : a));
  }

  async createInstance(spec: InstanceSpec, hooks: HostHooks): Promise<Instance> {
    if (this.#closing) throw new InvocationError('instance-crashed', 'the engine is shutting down', true);
    const proc = this.#place(spec.tenant);
    proc.instances++;
    proc.hooks.set(spec.id, hooks);
    try {
      await proc.ready;
      const startMs = await new Promise<unknown>((resolve, reject) => proc.request((rid) => ({ t: 'create', rid, spec }), { sink: null, resolve, reject }));
      return new SandboxedInstance(spec.id, startMs as number, proc);
    } catch (err) {
      proc.instances--;
      proc.hooks.delete(spec.id);
      throw err instanceof InvocationError ? err : new InvocationError('instance-crashed', (err as Error).message, true);
    }
  }

  async close(): Promise<void> {
    this.#closing = true;
    const all = [...this.#groups.values()].flat();
    this.#groups.clear();
    await Promise.all(all.map((p) => new Promise<void>((resolve) => {
      if (!p.alive) return resolve();
      p.child.once('exit', () => resolve());
      p.channel.end();
      setTimeout(() => p.kill(), 2000).unref();
    })));
  }
}
