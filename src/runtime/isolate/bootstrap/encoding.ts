// Encoding Standard: UTF-8 encoder/decoder (§9.1), UTF-16LE/BE decoders (§14), windows-1252
// (single-byte, §10), labels (§4.2), TextEncoder (§7.4) and TextDecoder (§7.2).
import { dict, requireArgs, toUSV, viewOf } from './util.ts';

// ---------------------------------------------------------------------------------------------
// UTF-8 encoding

/** UTF-8 bytes of a string (lone surrogates become U+FFFD), in a buffer of exactly that size. */
export function utf8Encode(s: string): Uint8Array {
  const n = s.length;
  let i = 0;
  const ascii = new Uint8Array(n);
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) break;
    ascii[i] = c;
  }
  if (i === n) return ascii;
  const out = new Uint8Array(i + (n - i) * 3);
  out.set(ascii.subarray(0, i));
  let p = i;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      out[p++] = c;
    } else if (c < 0x800) {
      out[p++] = 0xc0 | (c >> 6);
      out[p++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      if (c <= 0xdbff && i + 1 < n) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          out[p++] = 0xf0 | (cp >> 18);
          out[p++] = 0x80 | ((cp >> 12) & 0x3f);
          out[p++] = 0x80 | ((cp >> 6) & 0x3f);
          out[p++] = 0x80 | (cp & 0x3f);
          i++;
          continue;
        }
      }
      out[p++] = 0xef;
      out[p++] = 0xbf;
      out[p++] = 0xbd;
    } else {
      out[p++] = 0xe0 | (c >> 12);
      out[p++] = 0x80 | ((c >> 6) & 0x3f);
      out[p++] = 0x80 | (c & 0x3f);
    }
  }
  return p === out.length ? out : out.slice(0, p);
}

/** TextEncoder.encodeInto: never splits a character; read counts UTF-16 code units. */
function encodeInto(s: string, dest: Uint8Array): { read: number; written: number } {
  const n = s.length, cap = dest.length;
  let i = 0, p = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (p >= cap) break;
      dest[p++] = c;
      i++;
    } else if (c < 0x800) {
      if (p + 2 > cap) break;
      dest[p++] = 0xc0 | (c >> 6);
      dest[p++] = 0x80 | (c & 0x3f);
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      if (c <= 0xdbff && i + 1 < n) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          if (p + 4 > cap) break;
          const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          dest[p++] = 0xf0 | (cp >> 18);
          dest[p++] = 0x80 | ((cp >> 12) & 0x3f);
          dest[p++] = 0x80 | ((cp >> 6) & 0x3f);
          dest[p++] = 0x80 | (cp & 0x3f);
          i += 2;
          continue;
        }
      }
      if (p + 3 > cap) break;
      dest[p++] = 0xef;
      dest[p++] = 0xbf;
      dest[p++] = 0xbd;
      i++;
    } else {
      if (p + 3 > cap) break;
      dest[p++] = 0xe0 | (c >> 12);
      dest[p++] = 0x80 | ((c >> 6) & 0x3f);
      dest[p++] = 0x80 | (c & 0x3f);
      i++;
    }
  }
  return { read: i, written: p };
}

// ---------------------------------------------------------------------------------------------
// Decoders

const fromCharCode = String.fromCharCode;
const CHUNK = 8192;

/** Collects UTF-16 code units and turns them into a string in bounded chunks. */
class Sink {
  parts: string[] = [];
  buf: number[] = [];
  push(cu: number): void {
    this.buf.push(cu);
    if (this.buf.length >= CHUNK) this.flushBuf();
  }
  pushCodePoint(cp: number): void {
    if (cp > 0xffff) {
      cp -= 0x10000;
      this.push(0xd800 + (cp >> 10));
      this.push(0xdc00 + (cp & 0x3ff));
    } else {
      this.push(cp);
    }
  }
  pushBytesAsLatin1(bytes: Uint8Array, start: number, end: number): void {
    if (this.buf.length) this.flushBuf();
    for (let i = start; i < end; i += CHUNK) {
      // eslint-disable-next-line prefer-spread -- apply() takes the typed array as is (no iterator)
      this.parts.push(fromCharCode.apply(null, bytes.subarray(i, Math.min(end, i + CHUNK)) as unknown as number[]));
    }
  }
  flushBuf(): void {
    if (this.buf.length) {
      // eslint-disable-next-line prefer-spread -- bounded chunks, no spread copy
      this.parts.push(fromCharCode.apply(null, this.buf));
      this.buf = [];
    }
  }
  result(): string {
    this.flushBuf();
    return this.parts.length === 1 ? this.parts[0]! : this.parts.join('');
  }
}

export interface Decoder {
  /** Decodes `bytes`; `flush` ends the stream. Returns false on a fatal error. */
  decode(bytes: Uint8Array, sink: Sink, flush: boolean, fatal: boolean): boolean;
}

class Utf8Decoder implements Decoder {
  needed = 0;
  seen = 0;
  cp = 0;
  lower = 0x80;
  upper = 0xbf;
  decode(bytes: Uint8Array, sink: Sink, flush: boolean, fatal: boolean): boolean {
    const n = bytes.length;
    let i = 0;
    while (i < n) {
      const b = bytes[i]!;
      if (this.needed === 0) {
        if (b < 0x80) {
          let j = i + 1;
          while (j < n && bytes[j]! < 0x80) j++;
          sink.pushBytesAsLatin1(bytes, i, j);
          i = j;
          continue;
        }
        i++;
        if (b >= 0xc2 && b <= 0xdf) {
          this.needed = 1;
          this.cp = b & 0x1f;
        } else if (b >= 0xe0 && b <= 0xef) {
          if (b === 0xe0) this.lower = 0xa0;
          if (b === 0xed) this.upper = 0x9f;
          this.needed = 2;
          this.cp = b & 0xf;
        } else if (b >= 0xf0 && b <= 0xf4) {
          if (b === 0xf0) this.lower = 0x90;
          if (b === 0xf4) this.upper = 0x8f;
          this.needed = 3;
          this.cp = b & 0x7;
        } else {
          if (fatal) return false;
          sink.push(0xfffd);
        }
        continue;
      }
      if (b < this.lower || b > this.upper) {
        this.cp = this.needed = this.seen = 0;
        this.lower = 0x80;
        this.upper = 0xbf;
        if (fatal) return false;
        sink.push(0xfffd);
        continue; // reprocess b
      }
      i++;
      this.lower = 0x80;
      this.upper = 0xbf;
      this.cp = (this.cp << 6) | (b & 0x3f);
      if (++this.seen === this.needed) {
        sink.pushCodePoint(this.cp);
        this.cp = this.needed = this.seen = 0;
      }
    }
    if (flush && this.needed !== 0) {
      this.cp = this.needed = this.seen = 0;
      this.lower = 0x80;
      this.upper = 0xbf;
      if (fatal) return false;
      sink.push(0xfffd);
    }
    return true;
  }
}

class Utf16Decoder implements Decoder {
  leadByte = -1;
  leadSurrogate = -1;
  constructor(readonly be: boolean) {}
  decode(bytes: Uint8Array, sink: Sink, flush: boolean, fatal: boolean): boolean {
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (this.leadByte < 0) {
        this.leadByte = b;
        continue;
      }
      const cu = this.be ? (this.leadByte << 8) | b : this.leadByte | (b << 8);
      this.leadByte = -1;
      if (this.leadSurrogate >= 0) {
        const ls = this.leadSurrogate;
        this.leadSurrogate = -1;
        if (cu >= 0xdc00 && cu <= 0xdfff) {
          sink.push(ls);
          sink.push(cu);
          continue;
        }
        if (fatal) return false;
        sink.push(0xfffd);
      }
      if (cu >= 0xd800 && cu <= 0xdbff) {
        this.leadSurrogate = cu;
        continue;
      }
      if (cu >= 0xdc00 && cu <= 0xdfff) {
        if (fatal) return false;
        sink.push(0xfffd);
        continue;
      }
      sink.push(cu);
    }
    if (flush && (this.leadByte >= 0 || this.leadSurrogate >= 0)) {
      this.leadByte = this.leadSurrogate = -1;
      if (fatal) return false;
      sink.push(0xfffd);
    }
    return true;
  }
}

// windows-1252 bytes 0x80..0x9F (the rest map to the same code point).
const W1252 = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

class Windows1252Decoder implements Decoder {
  decode(bytes: Uint8Array, sink: Sink): boolean {
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      sink.push(b >= 0x80 && b <= 0x9f ? W1252[b - 0x80]! : b);
    }
    return true;
  }
}

// ---------------------------------------------------------------------------------------------
// Labels

const LABEL_LIST: Array<[string, string]> = [
  ['utf-8', 'unicode-1-1-utf-8 unicode11utf8 unicode20utf8 utf-8 utf8 x-unicode20utf8'],
  ['utf-16be', 'unicodefffe utf-16be'],
  ['utf-16le', 'csunicode iso-10646-ucs-2 ucs-2 unicode unicodefeff utf-16 utf-16le'],
  ['windows-1252', 'ansi_x3.4-1968 ascii cp1252 cp819 csisolatin1 ibm819 iso-8859-1 iso-ir-100 iso8859-1 iso88591 iso_8859-1 iso_8859-1:1987 l1 latin1 us-ascii windows-1252 x-cp1252'],
];
let LABELS: Map<string, string> | null = null;

/** Encoding "get an encoding": the canonical name, or null for unknown/unsupported labels. */
export function getEncoding(label: string): string | null {
  if (label === 'utf-8') return label;
  if (LABELS === null) {
    LABELS = new Map();
    for (const [name, labels] of LABEL_LIST) for (const l of labels.split(' ')) LABELS.set(l, name);
  }
  const key = label.replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, '').toLowerCase();
  return LABELS.get(key) ?? null;
}

function newDecoder(encoding: string): Decoder {
  switch (encoding) {
    case 'utf-8': return new Utf8Decoder();
    case 'utf-16le': return new Utf16Decoder(false);
    case 'utf-16be': return new Utf16Decoder(true);
    default: return new Windows1252Decoder();
  }
}

/** UTF-8 decode (strips one leading BOM, replaces errors): Body text(), Blob text(). */
export function utf8Decode(bytes: Uint8Array): string {
  let start = 0;
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
  return utf8DecodeNoBOM(start ? bytes.subarray(start) : bytes);
}

/** UTF-8 decode without BOM handling. */
export function utf8DecodeNoBOM(bytes: Uint8Array): string {
  const sink = new Sink();
  new Utf8Decoder().decode(bytes, sink, true, false);
  return sink.result();
}

/** A streaming decoder with the TextDecoder semantics, shared by TextDecoder and TextDecoderStream. */
export class DecoderState {
  decoder: Decoder;
  bomSeen = false;
  doNotFlush = false;
  constructor(readonly encoding: string, readonly fatal: boolean, readonly ignoreBOM: boolean) {
    this.decoder = newDecoder(encoding);
  }
  /** Returns the decoded string; throws TypeError on a fatal error. */
  run(bytes: Uint8Array, flush: boolean): string {
    const sink = new Sink();
    if (!this.decoder.decode(bytes, sink, flush, this.fatal)) {
      this.decoder = newDecoder(this.encoding);
      this.bomSeen = false;
      throw new TypeError(`The encoded data was not valid for encoding ${this.encoding}`);
    }
    let s = sink.result();
    if (!this.ignoreBOM && !this.bomSeen && this.encoding !== 'windows-1252' && s.length > 0) {
      this.bomSeen = true;
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
    }
    if (flush) {
      this.decoder = newDecoder(this.encoding);
      this.bomSeen = false;
    }
    return s;
  }
}

// ---------------------------------------------------------------------------------------------
// TextEncoder / TextDecoder

export class TextEncoder {
  get [Symbol.toStringTag](): string { return 'TextEncoder'; }
  get encoding(): string { return 'utf-8'; }
  encode(input: any = ''): Uint8Array {
    return utf8Encode(toUSV(input));
  }
  encodeInto(source: any, destination: any): { read: number; written: number } {
    requireArgs(arguments.length, 2, "'encodeInto' on 'TextEncoder'");
    const s = `${source}`;
    if (!(destination instanceof Uint8Array)) throw new TypeError("Failed to execute 'encodeInto' on 'TextEncoder': parameter 2 is not of type 'Uint8Array'.");
    return encodeInto(s, destination);
  }
}

export class TextDecoder {
  get [Symbol.toStringTag](): string { return 'TextDecoder'; }
  #state: DecoderState;
  constructor(label: any = 'utf-8', options: any = undefined) {
    const encoding = getEncoding(`${label}`);
    if (encoding === null) throw new RangeError(`Failed to construct 'TextDecoder': The encoding label provided ('${label}') is invalid.`);
    const o = dict(options, 'TextDecoderOptions');
    this.#state = new DecoderState(encoding, !!o.fatal, !!o.ignoreBOM);
  }
  get encoding(): string { return this.#state.encoding; }
  get fatal(): boolean { return this.#state.fatal; }
  get ignoreBOM(): boolean { return this.#state.ignoreBOM; }
  decode(input: any = undefined, options: any = undefined): string {
    const st = this.#state;
    let bytes: Uint8Array;
    if (input === undefined) bytes = new Uint8Array(0);
    else {
      const v = viewOf(input);
      if (v === null) throw new TypeError("Failed to execute 'decode' on 'TextDecoder': The provided value is not of type '(ArrayBuffer or ArrayBufferView)'.");
      bytes = v;
    }
    const stream = !!dict(options, 'TextDecodeOptions').stream;
    if (!st.doNotFlush) {
      st.decoder = newDecoder(st.encoding);
      st.bomSeen = false;
    }
    st.doNotFlush = stream;
    return st.run(bytes, !stream);
  }
}
