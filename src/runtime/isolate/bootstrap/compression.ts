// Compression Standard: CompressionStream and DecompressionStream for deflate (RFC 1950),
// deflate-raw (RFC 1951) and gzip (RFC 1952). The engines (fflate plus the framing and checksum
// rules, see lazy/compression.ts) are a separate script loaded on first construction.
import { TransformStream } from './streams.ts';
import { hostCall, requireArgs, viewOf } from './util.ts';

let fflate: any = null;
function lib(): any {
  return (fflate ??= hostCall('load', 'compression'));
}

const FORMATS = new Set(['deflate', 'deflate-raw', 'gzip']);

function checkFormat(format: any, what: string): string {
  const f = `${format}`;
  if (!FORMATS.has(f)) throw new TypeError(`Failed to construct '${what}': Unsupported compression format: '${f}'`);
  return f;
}

function chunkBytes(chunk: any): Uint8Array {
  const v = viewOf(chunk);
  if (v === null) throw new TypeError('The chunk is not an ArrayBuffer or ArrayBufferView');
  return v;
}

/**
 * A TransformStream that pushes each chunk into the engine `make` returns and finishes it on flush;
 * the engine hands its output to `emit`, which enqueues it on the readable side.
 */
function engineTransform(make: (emit: (data: Uint8Array) => void) => any): any {
  let controller: any = null;
  const engine = make((data: Uint8Array) => controller.enqueue(data));
  return new TransformStream({
    start(c: any) { controller = c; },
    transform(chunk: any) { engine.push(chunkBytes(chunk)); },
    flush() { engine.finish(); },
  });
}

export class CompressionStream {
  get [Symbol.toStringTag](): string { return 'CompressionStream'; }
  #transform: any;
  constructor(format: any) {
    requireArgs(arguments.length, 1, "'CompressionStream' constructor");
    const f = checkFormat(format, 'CompressionStream');
    this.#transform = engineTransform((emit) => lib().compressor(f, emit));
  }
  get readable(): any { return this.#transform.readable; }
  get writable(): any { return this.#transform.writable; }
}

export class DecompressionStream {
  get [Symbol.toStringTag](): string { return 'DecompressionStream'; }
  #transform: any;
  constructor(format: any) {
    requireArgs(arguments.length, 1, "'DecompressionStream' constructor");
    const f = checkFormat(format, 'DecompressionStream');
    this.#transform = engineTransform((emit) => lib().decompressor(f, emit));
  }
  get readable(): any { return this.#transform.readable; }
  get writable(): any { return this.#transform.writable; }
}
