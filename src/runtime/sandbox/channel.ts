// A message channel over a byte stream (the pipe between the node and a sandbox process).
// Frames are a 4-byte length and a V8-serialised message (so Uint8Array bodies cross without
// base64). Writes made during one turn of the event loop leave in one write() call: under load
// many invocations share a syscall, which is most of what makes the process hop cheap.
import { serialize, deserialize } from 'node:v8';
import type { Duplex } from 'node:stream';

export class Channel<In, Out> {
  readonly #stream: Duplex;
  #pending: Buffer[] = [];
  #scheduled = false;
  #buffer: Buffer = Buffer.alloc(0);
  #onMessage: (msg: In) => void = () => {};
  #closed = false;

  constructor(stream: Duplex) {
    this.#stream = stream;
    stream.on('data', (data: Buffer) => this.#read(data));
    stream.on('close', () => this.#close());
    stream.on('error', () => this.#close());
  }

  #onClose: Array<() => void> = [];

  #close(): void {
    if (this.#closed && this.#onClose.length === 0) return;
    this.#closed = true;
    const fns = this.#onClose;
    this.#onClose = [];
    for (const fn of fns) fn();
  }

  onClose(fn: () => void): void {
    if (this.#closed) fn();
    else this.#onClose.push(fn);
  }

  onMessage(fn: (msg: In) => void): void {
    this.#onMessage = fn;
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(msg: Out): void {
    if (this.#closed) return;
    const body = serialize(msg);
    const head = Buffer.allocUnsafe(4);
    head.writeUInt32LE(body.length, 0);
    this.#pending.push(head, body);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  #flush(): void {
    this.#scheduled = false;
    const parts = this.#pending;
    this.#pending = [];
    if (!this.#closed && parts.length) this.#stream.write(Buffer.concat(parts));
  }

  #read(data: Buffer): void {
    const buf = this.#buffer.length ? Buffer.concat([this.#buffer, data]) : data;
    let offset = 0;
    while (buf.length - offset >= 4) {
      const len = buf.readUInt32LE(offset);
      if (buf.length - offset - 4 < len) break;
      const msg = deserialize(buf.subarray(offset + 4, offset + 4 + len)) as In;
      offset += 4 + len;
      this.#onMessage(msg);
    }
    this.#buffer = offset === buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(offset));
  }

  end(): void {
    this.#flush();
    this.#closed = true;
    this.#stream.end();
  }
}
