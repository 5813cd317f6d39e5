// Compression Standard: CompressionStream and DecompressionStream for deflate (RFC 1950),
// deflate-raw (RFC 1951) and gzip (RFC 1952). fflate does the DEFLATE work (loaded on first use);
// the zlib/gzip framing, checksums and the single-member/trailing-data rules are checked here.
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

let CRC_TABLE: Int32Array | null = null;
function crc32(crc: number, data: Uint8Array): number {
  let t = CRC_TABLE;
  if (t === null) {
    t = CRC_TABLE = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      t[n] = c;
    }
  }
  let c = ~crc;
  for (let i = 0; i < data.length; i++) c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

function adler32(adler: number, data: Uint8Array): number {
  let a = adler & 0xffff, b = adler >>> 16;
  for (let i = 0; i < data.length;) {
    const end = Math.min(i + 3800, data.length);
    for (; i < end; i++) {
      a += data[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

const invalid = (why: string) => new TypeError(`DecompressionStream: ${why}`);

function concat2(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Length of a complete gzip header at the start of `b`, 0 if more bytes are needed. Throws if invalid. */
function gzipHeaderLength(b: Uint8Array): number {
  if (b.length >= 1 && b[0] !== 0x1f) throw invalid('not gzip data (bad magic number)');
  if (b.length >= 2 && b[1] !== 0x8b) throw invalid('not gzip data (bad magic number)');
  if (b.length >= 3 && b[2] !== 8) throw invalid('unsupported gzip compression method');
  if (b.length < 10) return 0;
  const flg = b[3]!;
  if (flg & 0xe0) throw invalid('reserved gzip flags are set');
  let p = 10;
  if (flg & 4) {
    if (b.length < p + 2) return 0;
    p += 2 + (b[p]! | (b[p + 1]! << 8));
    if (b.length < p) return 0;
  }
  for (const bit of [8, 16]) {
    if (flg & bit) {
      while (p < b.length && b[p] !== 0) p++;
      if (p >= b.length) return 0;
      p++;
    }
  }
  if (flg & 2) {
    p += 2;
    if (b.length < p) return 0;
  }
  return p;
}

class Decompressor {
  stage = 0; // 0 header, 1 body, 2 trailer, 3 done
  pending: Uint8Array = new Uint8Array(0);
  inflater: any = null;
  check: number;
  size = 0;
  constructor(readonly format: string, readonly emit: (b: Uint8Array) => void) {
    this.check = format === 'deflate' ? 1 : 0;
    if (format === 'deflate-raw') this.startBody();
  }

  startBody(): void {
    const { Inflate } = lib();
    this.inflater = new Inflate((data: Uint8Array) => {
      if (data.length === 0) return;
      if (this.format === 'gzip') this.check = crc32(this.check, data);
      else if (this.format === 'deflate') this.check = adler32(this.check, data);
      this.size = (this.size + data.length) >>> 0;
      this.emit(data);
    });
    this.stage = 1;
  }

  ended(): boolean {
    const s = this.inflater.s;
    return !!s.f && !s.l;
  }

  push(chunk: Uint8Array): void {
    let data = chunk;
    if (this.stage === 0) {
      const b = concat2(this.pending, data);
      let len = 0;
      if (this.format === 'gzip') {
        len = gzipHeaderLength(b);
      } else if (b.length >= 2) {
        const cmf = b[0]!, flg = b[1]!;
        if ((cmf & 0x0f) !== 8 || cmf >> 4 > 7) throw invalid('not zlib data (bad compression method)');
        if (((cmf << 8) | flg) % 31 !== 0) throw invalid('not zlib data (bad header check)');
        if (flg & 0x20) throw invalid('zlib preset dictionaries are not supported');
        len = 2;
      } else if (b.length === 1 && ((b[0]! & 0x0f) !== 8 || b[0]! >> 4 > 7)) {
        throw invalid('not zlib data (bad compression method)');
      }
      if (len === 0) {
        this.pending = b.slice();
        return;
      }
      this.pending = new Uint8Array(0);
      data = b.subarray(len);
      this.startBody();
    }
    if (this.stage === 1) {
      if (data.length === 0) return;
      try {
        this.inflater.push(data, false);
      } catch (e: any) {
        throw invalid(e && e.message ? e.message : 'invalid compressed data');
      }
      if (!this.ended()) return;
      const inf = this.inflater;
      data = inf.p.subarray((inf.s.p + 7) >> 3);
      this.stage = 2;
    }
    if (this.stage === 2) {
      const b = concat2(this.pending, data);
      const need = this.format === 'gzip' ? 8 : this.format === 'deflate' ? 4 : 0;
      if (b.length < need) {
        this.pending = b.slice();
        return;
      }
      if (this.format === 'gzip') {
        const crc = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
        const isize = (b[4]! | (b[5]! << 8) | (b[6]! << 16) | (b[7]! << 24)) >>> 0;
        if (crc !== this.check) throw invalid('gzip CRC32 mismatch');
        if (isize !== this.size) throw invalid('gzip ISIZE mismatch');
      } else if (this.format === 'deflate') {
        const adler = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
        if (adler !== this.check) throw invalid('zlib ADLER32 mismatch');
      }
      this.pending = new Uint8Array(0);
      this.stage = 3;
      if (b.length > need) throw invalid('unexpected data after the end of the compressed stream');
      return;
    }
    if (this.stage === 3 && data.length > 0) throw invalid('unexpected data after the end of the compressed stream');
  }

  finish(): void {
    if (this.stage === 3) return;
    if (this.stage === 1) {
      try {
        this.inflater.push(new Uint8Array(0), true);
      } catch (e: any) {
        throw invalid(e && e.message ? e.message : 'truncated compressed data');
      }
    }
    throw invalid('the compressed data ended early');
  }
}

export class CompressionStream {
  get [Symbol.toStringTag](): string { return 'CompressionStream'; }
  #transform: any;
  constructor(format: any) {
    requireArgs(arguments.length, 1, "'CompressionStream' constructor");
    const f = checkFormat(format, 'CompressionStream');
    const L = lib();
    let controller: any = null;
    const onData = (data: Uint8Array) => {
      if (data.length) controller.enqueue(data);
    };
    const engine = f === 'gzip' ? new L.Gzip({ level: 6 }, onData) : f === 'deflate' ? new L.Zlib({ level: 6 }, onData) : new L.Deflate({ level: 6 }, onData);
    this.#transform = new TransformStream({
      start(c: any) { controller = c; },
      transform(chunk: any) { engine.push(chunkBytes(chunk).slice(), false); },
      flush() { engine.push(new Uint8Array(0), true); },
    });
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
    let controller: any = null;
    const d = new Decompressor(f, (data) => controller.enqueue(data));
    this.#transform = new TransformStream({
      start(c: any) { controller = c; },
      transform(chunk: any) { d.push(chunkBytes(chunk)); },
      flush() { d.finish(); },
    });
  }
  get readable(): any { return this.#transform.readable; }
  get writable(): any { return this.#transform.writable; }
}
