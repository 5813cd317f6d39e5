// Lazily loaded script: the compression engines behind CompressionStream/DecompressionStream.
// fflate does the DEFLATE work; the zlib/gzip framing, checksums and the single-member and
// trailing-data rules (Compression Standard §3) are checked here. Its completion value is its exports.
import { Deflate, Gzip, Inflate, Zlib } from 'fflate';

export interface Engine {
  push(chunk: Uint8Array): void;
  finish(): void;
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

class Decompressor implements Engine {
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
        this.inflater.push(data.slice(), false); // fflate may keep the chunk as pending input
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


/** A compressor for `format` that hands every non-empty output chunk to `emit`. */
export function compressor(format: string, emit: (b: Uint8Array) => void): Engine {
  const onData = (data: Uint8Array) => {
    if (data.length) emit(data);
  };
  const engine = format === 'gzip' ? new Gzip({ level: 6 }, onData) : format === 'deflate' ? new Zlib({ level: 6 }, onData) : new Deflate({ level: 6 }, onData);
  return {
    push: (chunk) => engine.push(chunk.slice(), false),
    finish: () => engine.push(new Uint8Array(0), true),
  };
}

/** A decompressor for `format` that hands every output chunk to `emit`; errors are TypeErrors. */
export function decompressor(format: string, emit: (b: Uint8Array) => void): Engine {
  return new Decompressor(format, emit);
}
