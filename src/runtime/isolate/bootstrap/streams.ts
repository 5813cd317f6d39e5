// WHATWG Streams: the classes come from web-streams-polyfill (a port of the reference
// implementation); this module adds what the rest of the bootstrap needs from them.
import {
  ByteLengthQueuingStrategy, CountQueuingStrategy, ReadableByteStreamController, ReadableStream,
  ReadableStreamBYOBReader, ReadableStreamBYOBRequest, ReadableStreamDefaultController,
  ReadableStreamDefaultReader, TransformStream, TransformStreamDefaultController, WritableStream,
  WritableStreamDefaultController, WritableStreamDefaultWriter,
} from 'web-streams-polyfill';

export {
  ByteLengthQueuingStrategy, CountQueuingStrategy, ReadableByteStreamController, ReadableStream,
  ReadableStreamBYOBReader, ReadableStreamBYOBRequest, ReadableStreamDefaultController,
  ReadableStreamDefaultReader, TransformStream, TransformStreamDefaultController, WritableStream,
  WritableStreamDefaultController, WritableStreamDefaultWriter,
};

const hasOwn = Object.prototype.hasOwnProperty;

// The polyfill's stream async iterators inherit from Object.prototype; the standard says
// %AsyncIteratorPrototype%. Fixed on first use (making a stream here would slow every cold start).
{
  const values = ReadableStream.prototype.values;
  let fixed = false;
  const patched = {
    values(this: any, options: any = undefined) {
      const it = values.call(this, options);
      if (!fixed) {
        fixed = true;
        const asyncIteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf(async function* () {}).prototype);
        const proto = Object.getPrototypeOf(it);
        if (Object.getPrototypeOf(proto) !== asyncIteratorPrototype) Object.setPrototypeOf(proto, asyncIteratorPrototype);
      }
      return it;
    },
  }.values;
  Object.defineProperty(ReadableStream.prototype, 'values', { value: patched, writable: true, enumerable: true, configurable: true });
  Object.defineProperty(ReadableStream.prototype, Symbol.asyncIterator, { value: patched, writable: true, enumerable: false, configurable: true });
}

export function isReadableStream(v: any): boolean {
  return v !== null && typeof v === 'object' && hasOwn.call(v, '_readableStreamController') && v instanceof ReadableStream;
}

/** Streams "is disturbed" (the reference implementation keeps it in `_disturbed`). */
export function isDisturbed(s: any): boolean {
  return s._disturbed === true;
}

export function isErrored(s: any): boolean {
  return s._state === 'errored';
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
  } as any);
}

/** A closed, disturbed byte stream: the body stream of a body that was consumed without streams. */
export function newUsedStream(): ReadableStream {
  const s: any = new ReadableStream({ type: 'bytes', start(c: any) { c.close(); } } as any);
  s._disturbed = true;
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
