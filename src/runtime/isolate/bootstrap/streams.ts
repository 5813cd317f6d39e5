// WHATWG Streams. The interface objects below are Cairn's own small classes; the algorithms come
// from web-streams-polyfill (a port of the reference implementation), which is a separate script
// loaded on the first stream construction. Every public object wraps one polyfill object, and
// underlying sources, sinks and transformers are given the public controllers, so user code only
// ever sees these classes. This keeps the globals plain data properties without paying for the
// whole streams implementation in every cold start.
import { hostCall, requireArgs } from './util.ts';

let I: any = null;
function impl(): any {
  return (I ??= hostCall('load', 'streams'));
}

const WRAP = Symbol('wrap');
/** polyfill object → public object */
const pub = new WeakMap<object, any>();

function illegal(): never {
  throw new TypeError('Illegal constructor');
}

function checkFn(v: any, what: string): void {
  if (typeof v !== 'function') throw new TypeError(`${what} is not a function.`);
}

function strategyOf(s: any, what: string): any {
  if (s === undefined || s === null) return s;
  if (typeof s !== 'object' && typeof s !== 'function') throw new TypeError(`${what} is not an object.`);
  const highWaterMark = s.highWaterMark;
  const size = s.size;
  if (size !== undefined) checkFn(size, `${what} has member 'size' that`);
  const out: any = {};
  if (highWaterMark !== undefined) out.highWaterMark = highWaterMark;
  if (size !== undefined) out.size = (chunk: any) => size(chunk);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Wrapping

let unwrapRS: (v: any) => any;
let unwrapWS: (v: any) => any;
let peekRS: (v: any) => any;

export function wrap(o: any): any {
  if (o === null || o === undefined) return o;
  const p = pub.get(o);
  if (p !== undefined) return p;
  const L = impl();
  let C: any;
  if (o instanceof L.ReadableStream) C = ReadableStream;
  else if (o instanceof L.WritableStream) C = WritableStream;
  else if (o instanceof L.ReadableStreamDefaultReader) C = ReadableStreamDefaultReader;
  else if (o instanceof L.ReadableStreamBYOBReader) C = ReadableStreamBYOBReader;
  else if (o instanceof L.WritableStreamDefaultWriter) C = WritableStreamDefaultWriter;
  else if (o instanceof L.ReadableStreamDefaultController) C = ReadableStreamDefaultController;
  else if (o instanceof L.ReadableByteStreamController) C = ReadableByteStreamController;
  else if (o instanceof L.ReadableStreamBYOBRequest) C = ReadableStreamBYOBRequest;
  else if (o instanceof L.WritableStreamDefaultController) C = WritableStreamDefaultController;
  else if (o instanceof L.TransformStreamDefaultController) C = TransformStreamDefaultController;
  else if (o instanceof L.TransformStream) C = TransformStream;
  else return o;
  return new C(WRAP, o);
}

function rejectIllegal(what: string): Promise<never> {
  return Promise.reject(new TypeError(`Illegal invocation: ${what}`));
}

// ---------------------------------------------------------------------------------------------
// ReadableStream

export class ReadableStream {
  #i: any;
  constructor(underlyingSource: any = undefined, strategy: any = undefined) {
    if (underlyingSource === WRAP) {
      this.#i = strategy;
      pub.set(strategy, this);
      return;
    }
    const L = impl();
    const strat = strategyOf(strategy, 'Second parameter');
    let source = underlyingSource;
    if (source !== undefined && source !== null && (typeof source === 'object' || typeof source === 'function')) {
      const src = source;
      const autoAllocateChunkSize = src.autoAllocateChunkSize;
      const cancel = src.cancel, pull = src.pull, start = src.start, type = src.type;
      source = {};
      if (autoAllocateChunkSize !== undefined) source.autoAllocateChunkSize = autoAllocateChunkSize;
      if (cancel !== undefined) {
        checkFn(cancel, "First parameter has member 'cancel' that");
        source.cancel = (reason: any) => cancel.call(src, reason);
      }
      if (pull !== undefined) {
        checkFn(pull, "First parameter has member 'pull' that");
        source.pull = (c: any) => pull.call(src, wrap(c));
      }
      if (start !== undefined) {
        checkFn(start, "First parameter has member 'start' that");
        source.start = (c: any) => start.call(src, wrap(c));
      }
      if (type !== undefined) source.type = type;
    }
    const r = new L.ReadableStream(source, strat);
    this.#i = r;
    pub.set(r, this);
  }

  static from(asyncIterable: any): ReadableStream {
    return wrap(impl().ReadableStream.from(asyncIterable));
  }

  get [Symbol.toStringTag](): string { return 'ReadableStream'; }
  get locked(): boolean { return this.#i.locked; }
  cancel(reason: any = undefined): Promise<void> {
    const i = peekRS(this);
    return i === null ? rejectIllegal('ReadableStream.prototype.cancel') : i.cancel(reason);
  }
  getReader(options: any = undefined): any {
    return wrap(this.#i.getReader(options));
  }
  pipeThrough(transform: any, options: any = undefined): ReadableStream {
    const self = this.#i;
    requireArgs(arguments.length, 1, "'pipeThrough' on 'ReadableStream'");
    if (transform === null || (typeof transform !== 'object' && typeof transform !== 'function')) {
      throw new TypeError('First parameter is not an object.');
    }
    const readable = transform.readable;
    if (readable === undefined) throw new TypeError("readable is required in 'ReadableWritablePair'.");
    const ir = unwrapRS(readable);
    const writable = transform.writable;
    if (writable === undefined) throw new TypeError("writable is required in 'ReadableWritablePair'.");
    const iw = unwrapWS(writable);
    self.pipeThrough({ readable: ir, writable: iw }, options);
    return readable;
  }
  pipeTo(destination: any, options: any = undefined): Promise<void> {
    const self = peekRS(this);
    if (self === null) return rejectIllegal('ReadableStream.prototype.pipeTo');
    if (destination === undefined) return Promise.reject(new TypeError("Parameter 1 is required in 'pipeTo'."));
    let dest;
    try {
      dest = unwrapWS(destination);
    } catch (e) {
      return Promise.reject(e);
    }
    return self.pipeTo(dest, options);
  }
  tee(): [ReadableStream, ReadableStream] {
    const [a, b] = this.#i.tee();
    return [wrap(a), wrap(b)];
  }
  values(options: any = undefined): any {
    return this.#i.values(options);
  }

  static {
    unwrapRS = (v) => {
      if (v === null || typeof v !== 'object' || !(#i in v)) throw new TypeError('The value is not a ReadableStream.');
      return v.#i;
    };
    peekRS = (v) => (v !== null && typeof v === 'object' && #i in v ? v.#i : null);
  }
}
Object.defineProperty(ReadableStream.prototype, Symbol.asyncIterator, {
  value: ReadableStream.prototype.values, writable: true, enumerable: false, configurable: true,
});

export class ReadableStreamDefaultReader {
  #i: any;
  constructor(stream: any, inner: any = undefined) {
    if (stream === WRAP) {
      this.#i = inner;
    } else {
      requireArgs(arguments.length, 1, "'ReadableStreamDefaultReader' constructor");
      this.#i = new (impl().ReadableStreamDefaultReader)(unwrapRS(stream));
    }
    pub.set(this.#i, this);
  }
  get [Symbol.toStringTag](): string { return 'ReadableStreamDefaultReader'; }
  get closed(): Promise<void> { return this.#i.closed; }
  cancel(reason: any = undefined): Promise<void> { return this.#i.cancel(reason); }
  read(): Promise<any> { return this.#i.read(); }
  releaseLock(): void { this.#i.releaseLock(); }
}

export class ReadableStreamBYOBReader {
  #i: any;
  constructor(stream: any, inner: any = undefined) {
    if (stream === WRAP) {
      this.#i = inner;
    } else {
      requireArgs(arguments.length, 1, "'ReadableStreamBYOBReader' constructor");
      this.#i = new (impl().ReadableStreamBYOBReader)(unwrapRS(stream));
    }
    pub.set(this.#i, this);
  }
  get [Symbol.toStringTag](): string { return 'ReadableStreamBYOBReader'; }
  get closed(): Promise<void> { return this.#i.closed; }
  cancel(reason: any = undefined): Promise<void> { return this.#i.cancel(reason); }
  read(view: any, options: any = undefined): Promise<any> { return this.#i.read(view, options); }
  releaseLock(): void { this.#i.releaseLock(); }
}

export class ReadableStreamDefaultController {
  #i: any;
  constructor(key: any = undefined, inner: any = undefined) {
    if (key !== WRAP) illegal();
    this.#i = inner;
    pub.set(inner, this);
  }
  get [Symbol.toStringTag](): string { return 'ReadableStreamDefaultController'; }
  get desiredSize(): number | null { return this.#i.desiredSize; }
  close(): void { this.#i.close(); }
  enqueue(chunk: any = undefined): void { this.#i.enqueue(chunk); }
  error(e: any = undefined): void { this.#i.error(e); }
}

export class ReadableByteStreamController {
  #i: any;
  constructor(key: any = undefined, inner: any = undefined) {
    if (key !== WRAP) illegal();
    this.#i = inner;
    pub.set(inner, this);
  }
  get [Symbol.toStringTag](): string { return 'ReadableByteStreamController'; }
  get byobRequest(): any { return wrap(this.#i.byobRequest); }
  get desiredSize(): number | null { return this.#i.desiredSize; }
  close(): void { this.#i.close(); }
  enqueue(chunk: any): void {
    requireArgs(arguments.length, 1, "'enqueue' on 'ReadableByteStreamController'");
    this.#i.enqueue(chunk);
  }
  error(e: any = undefined): void { this.#i.error(e); }
}

export class ReadableStreamBYOBRequest {
  #i: any;
  constructor(key: any = undefined, inner: any = undefined) {
    if (key !== WRAP) illegal();
    this.#i = inner;
    pub.set(inner, this);
  }
  get [Symbol.toStringTag](): string { return 'ReadableStreamBYOBRequest'; }
  get view(): any { return this.#i.view; }
  respond(bytesWritten: any): void {
    requireArgs(arguments.length, 1, "'respond' on 'ReadableStreamBYOBRequest'");
    this.#i.respond(bytesWritten);
  }
  respondWithNewView(view: any): void {
    requireArgs(arguments.length, 1, "'respondWithNewView' on 'ReadableStreamBYOBRequest'");
    this.#i.respondWithNewView(view);
  }
}

// ---------------------------------------------------------------------------------------------
// WritableStream

export class WritableStream {
  #i: any;
  constructor(underlyingSink: any = undefined, strategy: any = undefined) {
    if (underlyingSink === WRAP) {
      this.#i = strategy;
      pub.set(strategy, this);
      return;
    }
    const L = impl();
    const strat = strategyOf(strategy, 'Second parameter');
    let sink = underlyingSink;
    if (sink !== undefined && sink !== null && (typeof sink === 'object' || typeof sink === 'function')) {
      const s = sink;
      const abort = s.abort, close = s.close, start = s.start, type = s.type, write = s.write;
      sink = {};
      if (abort !== undefined) {
        checkFn(abort, "First parameter has member 'abort' that");
        sink.abort = (reason: any) => abort.call(s, reason);
      }
      if (close !== undefined) {
        checkFn(close, "First parameter has member 'close' that");
        sink.close = () => close.call(s);
      }
      if (start !== undefined) {
        checkFn(start, "First parameter has member 'start' that");
        sink.start = (c: any) => start.call(s, wrap(c));
      }
      if (write !== undefined) {
        checkFn(write, "First parameter has member 'write' that");
        sink.write = (chunk: any, c: any) => write.call(s, chunk, wrap(c));
      }
      if (type !== undefined) sink.type = type;
    }
    const w = new L.WritableStream(sink, strat);
    this.#i = w;
    pub.set(w, this);
  }
  get [Symbol.toStringTag](): string { return 'WritableStream'; }
  get locked(): boolean { return this.#i.locked; }
  abort(reason: any = undefined): Promise<void> { return this.#i.abort(reason); }
  close(): Promise<void> { return this.#i.close(); }
  getWriter(): any { return wrap(this.#i.getWriter()); }
  static {
    unwrapWS = (v) => {
      if (v === null || typeof v !== 'object' || !(#i in v)) throw new TypeError('The value is not a WritableStream.');
      return v.#i;
    };
  }
}

export class WritableStreamDefaultWriter {
  #i: any;
  constructor(stream: any, inner: any = undefined) {
    if (stream === WRAP) {
      this.#i = inner;
    } else {
      requireArgs(arguments.length, 1, "'WritableStreamDefaultWriter' constructor");
      this.#i = new (impl().WritableStreamDefaultWriter)(unwrapWS(stream));
    }
    pub.set(this.#i, this);
  }
  get [Symbol.toStringTag](): string { return 'WritableStreamDefaultWriter'; }
  get closed(): Promise<void> { return this.#i.closed; }
  get desiredSize(): number | null { return this.#i.desiredSize; }
  get ready(): Promise<void> { return this.#i.ready; }
  abort(reason: any = undefined): Promise<void> { return this.#i.abort(reason); }
  close(): Promise<void> { return this.#i.close(); }
  releaseLock(): void { this.#i.releaseLock(); }
  write(chunk: any = undefined): Promise<void> { return this.#i.write(chunk); }
}

export class WritableStreamDefaultController {
  #i: any;
  constructor(key: any = undefined, inner: any = undefined) {
    if (key !== WRAP) illegal();
    this.#i = inner;
    pub.set(inner, this);
  }
  get [Symbol.toStringTag](): string { return 'WritableStreamDefaultController'; }
  get signal(): any { return this.#i.signal; }
  error(e: any = undefined): void { this.#i.error(e); }
}

// ---------------------------------------------------------------------------------------------
// TransformStream

export class TransformStream {
  #i: any;
  constructor(transformer: any = undefined, writableStrategy: any = undefined, readableStrategy: any = undefined) {
    if (transformer === WRAP) {
      this.#i = writableStrategy;
      pub.set(writableStrategy, this);
      return;
    }
    const L = impl();
    const ws = strategyOf(writableStrategy, 'Second parameter');
    const rs = strategyOf(readableStrategy, 'Third parameter');
    let t = transformer;
    if (t !== undefined && t !== null && (typeof t === 'object' || typeof t === 'function')) {
      const src = t;
      const cancel = src.cancel, flush = src.flush, readableType = src.readableType, start = src.start, transform = src.transform, writableType = src.writableType;
      t = {};
      if (cancel !== undefined) {
        checkFn(cancel, "First parameter has member 'cancel' that");
        t.cancel = (reason: any) => cancel.call(src, reason);
      }
      if (flush !== undefined) {
        checkFn(flush, "First parameter has member 'flush' that");
        t.flush = (c: any) => flush.call(src, wrap(c));
      }
      if (readableType !== undefined) t.readableType = readableType;
      if (start !== undefined) {
        checkFn(start, "First parameter has member 'start' that");
        t.start = (c: any) => start.call(src, wrap(c));
      }
      if (transform !== undefined) {
        checkFn(transform, "First parameter has member 'transform' that");
        t.transform = (chunk: any, c: any) => transform.call(src, chunk, wrap(c));
      }
      if (writableType !== undefined) t.writableType = writableType;
    }
    const ts = new L.TransformStream(t, ws, rs);
    this.#i = ts;
    pub.set(ts, this);
  }
  get [Symbol.toStringTag](): string { return 'TransformStream'; }
  get readable(): ReadableStream { return wrap(this.#i.readable); }
  get writable(): WritableStream { return wrap(this.#i.writable); }
}

export class TransformStreamDefaultController {
  #i: any;
  constructor(key: any = undefined, inner: any = undefined) {
    if (key !== WRAP) illegal();
    this.#i = inner;
    pub.set(inner, this);
  }
  get [Symbol.toStringTag](): string { return 'TransformStreamDefaultController'; }
  get desiredSize(): number | null { return this.#i.desiredSize; }
  enqueue(chunk: any = undefined): void { this.#i.enqueue(chunk); }
  error(reason: any = undefined): void { this.#i.error(reason); }
  terminate(): void { this.#i.terminate(); }
}

// ---------------------------------------------------------------------------------------------
// Queuing strategies (Streams §7)

function highWaterMarkOf(init: any, what: string): number {
  requireArgs(init === undefined ? 0 : 1, 1, `'${what}' constructor`);
  if (init === null || (typeof init !== 'object' && typeof init !== 'function')) throw new TypeError('First parameter is not an object.');
  const hwm = init.highWaterMark;
  if (hwm === undefined) throw new TypeError("highWaterMark is required in 'QueuingStrategyInit'.");
  return Number(hwm);
}

const byteLengthSize = { size(chunk: any): number { return chunk.byteLength; } }.size;
const countSize = { size(): number { return 1; } }.size;

export class ByteLengthQueuingStrategy {
  #hwm: number;
  constructor(init: any) {
    this.#hwm = highWaterMarkOf(arguments.length === 0 ? undefined : init, 'ByteLengthQueuingStrategy');
  }
  get [Symbol.toStringTag](): string { return 'ByteLengthQueuingStrategy'; }
  get highWaterMark(): number { return this.#hwm; }
  get size(): (chunk: any) => number { void this.#hwm; return byteLengthSize; }
}

export class CountQueuingStrategy {
  #hwm: number;
  constructor(init: any) {
    this.#hwm = highWaterMarkOf(arguments.length === 0 ? undefined : init, 'CountQueuingStrategy');
  }
  get [Symbol.toStringTag](): string { return 'CountQueuingStrategy'; }
  get highWaterMark(): number { return this.#hwm; }
  get size(): () => number { void this.#hwm; return countSize; }
}

// ---------------------------------------------------------------------------------------------
// Helpers for the rest of the bootstrap

export function isReadableStream(v: any): boolean {
  return peekRS(v) !== null;
}

/** Streams "is disturbed" (the reference implementation keeps it in `_disturbed`). */
export function isDisturbed(s: any): boolean {
  const i = peekRS(s);
  return i !== null && i._disturbed === true;
}

export function markDisturbed(s: any): void {
  const i = peekRS(s);
  if (i !== null) i._disturbed = true;
}

export function isErrored(s: any): boolean {
  const i = peekRS(s);
  return i !== null && i._state === 'errored';
}

const CHUNK = 65536;

/**
 * A byte stream ("set up with byte reading support") over known bytes. Chunks are copies, since
 * enqueuing transfers (detaches) their buffer.
 */
export function newByteStreamFromBytes(bytes: Uint8Array): ReadableStream {
  let off = 0;
  return new ReadableStream({
    type: 'bytes',
    pull(c: any) {
      if (off >= bytes.byteLength) {
        c.close();
        const req = c.byobRequest;
        if (req) req.respond(0);
        return;
      }
      const end = Math.min(off + CHUNK, bytes.byteLength);
      c.enqueue(bytes.slice(off, end));
      off = end;
      if (off >= bytes.byteLength) c.close();
    },
  });
}

/** A closed, disturbed byte stream: the body stream of a body that was consumed without streams. */
export function newUsedStream(): ReadableStream {
  const s = new ReadableStream({ type: 'bytes', start(c: any) { c.close(); } });
  markDisturbed(s);
  return s;
}

/** Fetch "fully read": every chunk must be a Uint8Array. */
export async function readAllBytes(stream: any): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    if (!(value instanceof Uint8Array)) {
      const err = new TypeError('Received non-Uint8Array chunk');
      reader.cancel(err).catch(() => {});
      throw err;
    }
    chunks.push(value);
    total += value.byteLength;
  }
  if (chunks.length === 1) {
    const c = chunks[0]!;
    return c.byteOffset === 0 && c.byteLength === c.buffer.byteLength ? c : c.slice();
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}
