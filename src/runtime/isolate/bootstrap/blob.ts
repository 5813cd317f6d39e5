// File API §3 Blob and §4 File. A Blob holds its bytes in one immutable Uint8Array (slices share
// it); stream() is a byte stream that enqueues copies, so the Blob's memory is never transferred.
import { utf8Decode, utf8Encode } from './encoding.ts';
import { newByteStreamFromBytes } from './streams.ts';
import { dict, exactBuffer, isObject, requireArgs, toLongLong, toSequence, toUSV, viewOf } from './util.ts';

const KEY = Symbol('blob internal');

/** File API: type is lowercased, and any character outside U+0020..U+007E makes it ''. */
export function normalizeType(t: string): string {
  return /[^\x20-\x7e]/.test(t) ? '' : t.toLowerCase();
}

function convertLineEndings(s: string): string {
  return s.replace(/\r\n|\r/g, '\n');
}

let blobInternals: {
  bytes: (b: any) => Uint8Array;
  is: (b: any) => boolean;
};

export class Blob {
  get [Symbol.toStringTag](): string { return 'Blob'; }
  #bytes: Uint8Array;
  #type: string;

  constructor(blobParts: any = undefined, options: any = undefined) {
    if (blobParts === KEY) {
      this.#bytes = options.bytes;
      this.#type = options.type;
      return;
    }
    let parts: any[] = [];
    if (blobParts !== undefined) {
      if (!isObject(blobParts)) throw new TypeError("Failed to construct 'Blob': The provided value cannot be converted to a sequence.");
      parts = toSequence(blobParts, "Failed to construct 'Blob': parameter 1");
    }
    const o = dict(options, 'BlobPropertyBag');
    let endings = 'transparent';
    if (o.endings !== undefined) {
      endings = `${o.endings}`;
      if (endings !== 'transparent' && endings !== 'native') {
        throw new TypeError(`Failed to construct 'Blob': The provided value '${endings}' is not a valid enum value of type EndingType.`);
      }
    }
    const type = o.type === undefined ? '' : normalizeType(`${o.type}`);
    this.#bytes = processParts(parts, endings === 'native');
    this.#type = type;
  }

  get size(): number { return this.#bytes.byteLength; }
  get type(): string { return this.#type; }

  slice(start: any = undefined, end: any = undefined, contentType: any = undefined): Blob {
    const size = this.#bytes.byteLength;
    let from = start === undefined ? 0 : toLongLong(start);
    let to = end === undefined ? size : toLongLong(end);
    from = from < 0 ? Math.max(size + from, 0) : Math.min(from, size);
    to = to < 0 ? Math.max(size + to, 0) : Math.min(to, size);
    const span = Math.max(to - from, 0);
    const type = contentType === undefined ? '' : normalizeType(`${contentType}`);
    return makeBlob(this.#bytes.subarray(from, from + span), type);
  }

  text(): Promise<string> {
    try {
      return Promise.resolve(utf8Decode(this.#bytes));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    try {
      return Promise.resolve(exactBuffer(this.#bytes.slice()));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  bytes(): Promise<Uint8Array> {
    try {
      return Promise.resolve(this.#bytes.slice());
    } catch (e) {
      return Promise.reject(e);
    }
  }

  stream(): any {
    return newByteStreamFromBytes(this.#bytes);
  }

  static {
    blobInternals = {
      bytes: (b) => b.#bytes,
      is: (b) => b !== null && typeof b === 'object' && #bytes in b,
    };
  }
}

function processParts(parts: any[], native: boolean): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (const part of parts) {
    let bytes: Uint8Array;
    const view = viewOf(part);
    if (view !== null) bytes = view.slice();
    else if (blobInternals.is(part)) bytes = blobInternals.bytes(part);
    else {
      let s = toUSV(part);
      if (native) s = convertLineEndings(s);
      bytes = utf8Encode(s);
    }
    chunks.push(bytes);
    total += bytes.byteLength;
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}

export class File extends Blob {
  get [Symbol.toStringTag](): string { return 'File'; }
  #name: string;
  #lastModified: number;
  constructor(fileBits: any, fileName: any, options: any = undefined) {
    if (fileBits === KEY) {
      super(KEY, options);
      this.#name = options.name;
      this.#lastModified = options.lastModified;
      return;
    }
    requireArgs(arguments.length, 2, "'File' constructor");
    super(fileBits, options);
    this.#name = toUSV(fileName);
    const o = dict(options, 'FilePropertyBag');
    this.#lastModified = o.lastModified === undefined ? Date.now() : toLongLong(o.lastModified);
  }
  get name(): string { return this.#name; }
  get lastModified(): number { return this.#lastModified; }
  static isFile(v: any): boolean { return v !== null && typeof v === 'object' && #name in v; }
}
const isFileFn = File.isFile;
delete (File as any).isFile;

export function isBlob(v: any): boolean {
  return blobInternals.is(v);
}
export function isFile(v: any): boolean {
  return isFileFn(v);
}
/** The Blob's bytes (shared, never to be mutated). */
export function blobBytes(b: any): Uint8Array {
  return blobInternals.bytes(b);
}
export function makeBlob(bytes: Uint8Array, type: string): Blob {
  return new Blob(KEY, { bytes, type });
}
export function makeFile(bytes: Uint8Array, type: string, name: string, lastModified: number): File {
  return new (File as any)(KEY, undefined, { bytes, type, name, lastModified });
}
