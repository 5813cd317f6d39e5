// HTML §9.4 channel messaging: MessageChannel and MessagePort (port message queue, start/close,
// onmessage implicitly starting the port, structured clone with transfer of buffers and ports).
import { EventTarget, MessageEvent, defineEventHandler, fire, hooks } from './events.ts';
import { DOMException } from './domexception.ts';
import { cloneWithTransfer, registerTransferable } from './structured-clone.ts';
import { internalSetTimeout } from './timers.ts';
import { ILLEGAL, dict, isObject, requireArgs, toSequence } from './util.ts';

interface Message { data: any; ports: MessagePort[] }

let portInternals: {
  is: (v: any) => boolean;
  entangle: (a: MessagePort, b: MessagePort) => void;
  detach: (p: MessagePort) => { partner: MessagePort | null; queue: Message[]; started: boolean };
  adopt: (p: MessagePort, s: { partner: MessagePort | null; queue: Message[] }) => void;
  closed: (p: MessagePort) => boolean;
};

export class MessagePort extends EventTarget {
  get [Symbol.toStringTag](): string { return 'MessagePort'; }
  #partner: MessagePort | null = null;
  #queue: Message[] = [];
  #started = false;
  #closed = false;
  #scheduled = false;

  constructor(key: any = undefined) {
    if (key !== ILLEGAL) throw new TypeError('Illegal constructor');
    super();
  }

  postMessage(message: any, transferOrOptions: any = undefined): void {
    requireArgs(arguments.length, 1, "'postMessage' on 'MessagePort'");
    let transfer: any[] = [];
    if (Array.isArray(transferOrOptions) || (isObject(transferOrOptions) && typeof transferOrOptions[Symbol.iterator] === 'function')) {
      transfer = toSequence(transferOrOptions, "'postMessage': parameter 2");
    } else if (transferOrOptions !== undefined) {
      const o = dict(transferOrOptions, 'StructuredSerializeOptions');
      if (o.transfer !== undefined) transfer = toSequence(o.transfer, "'postMessage': member transfer");
    }
    if (transfer.includes(this)) throw new DOMException('A MessagePort cannot transfer itself.', 'DataCloneError');
    const target = this.#partner;
    const data = cloneWithTransfer({ message, transfer: transfer.filter((t) => portInternals.is(t)) }, transfer);
    if (this.#closed || target === null || (transfer.includes(target))) return;
    target.#enqueue({ data: data.message, ports: data.transfer });
  }

  start(): void {
    if (this.#closed) return;
    this.#started = true;
    this.#schedule();
  }

  close(): void {
    this.#closed = true;
    const p = this.#partner;
    this.#partner = null;
    if (p !== null) p.#partner = null;
  }

  #enqueue(m: Message): void {
    if (this.#closed) return;
    this.#queue.push(m);
    this.#schedule();
  }

  #schedule(): void {
    if (!this.#started || this.#scheduled || this.#queue.length === 0) return;
    this.#scheduled = true;
    internalSetTimeout(() => {
      this.#scheduled = false;
      const batch = this.#queue;
      this.#queue = [];
      for (const m of batch) {
        if (this.#closed) break;
        fire(this, new MessageEvent('message', { data: m.data, ports: m.ports }));
      }
    }, 0);
  }

  static {
    portInternals = {
      is: (v) => v !== null && typeof v === 'object' && #partner in v,
      entangle: (a, b) => { a.#partner = b; b.#partner = a; },
      detach: (p) => {
        const s = { partner: p.#partner, queue: p.#queue, started: p.#started };
        p.#partner = null;
        p.#queue = [];
        p.#closed = true;
        return s;
      },
      adopt: (p, s) => {
        p.#partner = s.partner;
        if (s.partner !== null) s.partner.#partner = p;
        p.#queue = s.queue;
      },
      closed: (p) => p.#closed,
    };
  }
}
defineEventHandler(MessagePort.prototype, 'message', null, (port: any) => port.start());
defineEventHandler(MessagePort.prototype, 'messageerror');

export class MessageChannel {
  get [Symbol.toStringTag](): string { return 'MessageChannel'; }
  #port1: MessagePort;
  #port2: MessagePort;
  constructor() {
    this.#port1 = new MessagePort(ILLEGAL);
    this.#port2 = new MessagePort(ILLEGAL);
    portInternals.entangle(this.#port1, this.#port2);
  }
  get port1(): MessagePort { return this.#port1; }
  get port2(): MessagePort { return this.#port2; }
}

export function isMessagePort(v: any): boolean {
  return portInternals.is(v);
}

hooks.isMessagePort = isMessagePort;

registerTransferable({
  test: isMessagePort,
  check: (p) => (portInternals.closed(p) ? 'A closed or already transferred MessagePort' : null),
  transfer: (p) => portInternals.detach(p),
  receive: (s) => {
    const port = new MessagePort(ILLEGAL);
    portInternals.adopt(port, s);
    return port;
  },
});
