// XHR §5 FormData, HTML "create an entry", and the multipart/form-data encoding (HTML §4.10.21.8)
// and parsing (RFC 7578) used by Body.
import { File, isBlob, isFile, blobBytes, makeFile } from './blob.ts';
import { utf8DecodeNoBOM, utf8Encode } from './encoding.ts';
import { pairForEach, pairIterator, iteratorIsEntries, requireArgs, toUSV } from './util.ts';

type Entry = [string, string | File];

let internals: { entries: (f: FormData) => Entry[]; is: (v: any) => boolean };

function createEntry(name: any, value: any, filename: any, hasFilename: boolean): Entry {
  const n = toUSV(name);
  if (isBlob(value)) {
    const blob: any = value;
    if (!isFile(blob) || hasFilename) {
      const fname = hasFilename ? toUSV(filename) : isFile(blob) ? blob.name : 'blob';
      const lastModified = isFile(blob) ? blob.lastModified : Date.now();
      return [n, makeFile(blobBytes(blob), blob.type, fname, lastModified)];
    }
    return [n, blob];
  }
  return [n, toUSV(value)];
}

export class FormData {
  get [Symbol.toStringTag](): string { return 'FormData'; }
  #entries: Entry[] = [];

  constructor(form: any = undefined, submitter: any = undefined) {
    if (form !== undefined) throw new TypeError("Failed to construct 'FormData': parameter 1 is not of type 'HTMLFormElement'.");
    void submitter;
  }

  append(name: any, value: any, filename: any = undefined): void {
    requireArgs(arguments.length, 2, "'append' on 'FormData'");
    if (arguments.length > 2 && !isBlob(value)) throw new TypeError("Failed to execute 'append' on 'FormData': parameter 2 is not of type 'Blob'.");
    this.#entries.push(createEntry(name, value, filename, arguments.length > 2));
  }

  delete(name: any): void {
    requireArgs(arguments.length, 1, "'delete' on 'FormData'");
    const n = toUSV(name);
    this.#entries = this.#entries.filter((e) => e[0] !== n);
  }

  get(name: any): string | File | null {
    requireArgs(arguments.length, 1, "'get' on 'FormData'");
    const n = toUSV(name);
    for (const e of this.#entries) if (e[0] === n) return e[1];
    return null;
  }

  getAll(name: any): Array<string | File> {
    requireArgs(arguments.length, 1, "'getAll' on 'FormData'");
    const n = toUSV(name);
    return this.#entries.filter((e) => e[0] === n).map((e) => e[1]);
  }

  has(name: any): boolean {
    requireArgs(arguments.length, 1, "'has' on 'FormData'");
    const n = toUSV(name);
    return this.#entries.some((e) => e[0] === n);
  }

  set(name: any, value: any, filename: any = undefined): void {
    requireArgs(arguments.length, 2, "'set' on 'FormData'");
    if (arguments.length > 2 && !isBlob(value)) throw new TypeError("Failed to execute 'set' on 'FormData': parameter 2 is not of type 'Blob'.");
    const entry = createEntry(name, value, filename, arguments.length > 2);
    const out: Entry[] = [];
    let done = false;
    for (const e of this.#entries) {
      if (e[0] === entry[0]) {
        if (!done) { out.push(entry); done = true; }
      } else {
        out.push(e);
      }
    }
    if (!done) out.push(entry);
    this.#entries = out;
  }

  entries(): any { const get = () => this.#entries; get(); return pairIterator('FormData', get, 2); }
  keys(): any { const get = () => this.#entries; get(); return pairIterator('FormData', get, 0); }
  values(): any { const get = () => this.#entries; get(); return pairIterator('FormData', get, 1); }
  forEach(callback: any, thisArg: any = undefined): void { pairForEach(this, 'FormData', () => this.#entries, callback, thisArg); }

  static {
    internals = {
      entries: (f) => f.#entries,
      is: (v) => v !== null && typeof v === 'object' && #entries in v,
    };
  }
}
iteratorIsEntries(FormData);

export function isFormData(v: any): boolean {
  return internals.is(v);
}

export function formDataFromEntries(entries: Entry[]): FormData {
  const f = new FormData();
  internals.entries(f).push(...entries);
  return f;
}

const escapeName = (s: string) => s.replace(/\n/g, '%0A').replace(/\r/g, '%0D').replace(/"/g, '%22');
const normalizeLineBreaks = (s: string) => s.replace(/\r\n|\r|\n/g, '\r\n');

function randomBoundary(): string {
  let s = '';
  for (let i = 0; i < 24; i++) s += Math.floor(Math.random() * 16).toString(16);
  return '----cairn-formdata-' + s;
}

/** multipart/form-data encoding: { bytes, contentType }. */
export function encodeMultipart(fd: FormData): { bytes: Uint8Array; contentType: string } {
  const boundary = randomBoundary();
  const chunks: Uint8Array[] = [];
  let total = 0;
  const push = (b: Uint8Array) => { chunks.push(b); total += b.byteLength; };
  for (const [name, value] of internals.entries(fd)) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${escapeName(normalizeLineBreaks(name))}"`;
    if (typeof value === 'string') {
      push(utf8Encode(head + '\r\n\r\n' + normalizeLineBreaks(value) + '\r\n'));
    } else {
      head += `; filename="${escapeName(value.name)}"\r\nContent-Type: ${value.type || 'application/octet-stream'}\r\n\r\n`;
      push(utf8Encode(head));
      push(blobBytes(value));
      push(utf8Encode('\r\n'));
    }
  }
  push(utf8Encode(`--${boundary}--\r\n`));
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) { out.set(c, off); off += c.byteLength; }
  return { bytes: out, contentType: `multipart/form-data; boundary=${boundary}` };
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
  const n = needle.length;
  const first = needle[0]!;
  const last = hay.length - n;
  outer: for (let i = hay.indexOf(first, from); i >= 0 && i <= last; i = hay.indexOf(first, i + 1)) {
    for (let j = 1; j < n; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192) as unknown as number[]);
  return s;
}

function dispositionParam(header: string, name: string): string | null {
  const re = new RegExp(`;\\s*${name}="((?:[^"\\\\]|\\\\.)*)"|;\\s*${name}=([^;\\s]*)`, 'i');
  const m = re.exec(header);
  if (!m) return null;
  const raw = m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!;
  return raw.replace(/%0A/gi, '\n').replace(/%0D/gi, '\r').replace(/%22/gi, '"');
}

/** RFC 7578 multipart/form-data parsing; throws TypeError when malformed. */
export function parseMultipart(bytes: Uint8Array, boundary: string): FormData {
  const fail = () => new TypeError('Failed to parse body as FormData.');
  const delim = utf8Encode(`--${boundary}`);
  const crlfDelim = utf8Encode(`\r\n--${boundary}`);
  let pos = indexOf(bytes, delim, 0);
  if (pos < 0) throw fail();
  pos += delim.length;
  const entries: Entry[] = [];
  for (;;) {
    if (bytes[pos] === 0x2d && bytes[pos + 1] === 0x2d) break; // closing delimiter
    // transport padding then CRLF
    while (bytes[pos] === 0x20 || bytes[pos] === 0x09) pos++;
    if (bytes[pos] !== 0x0d || bytes[pos + 1] !== 0x0a) throw fail();
    pos += 2;
    const headerEnd = indexOf(bytes, utf8Encode('\r\n\r\n'), pos);
    let headersText: string;
    let bodyStart: number;
    if (headerEnd < 0) throw fail();
    headersText = latin1(bytes.subarray(pos, headerEnd));
    bodyStart = headerEnd + 4;
    if (bytes[pos] === 0x0d && bytes[pos + 1] === 0x0a) {
      headersText = '';
      bodyStart = pos + 2;
    }
    const next = indexOf(bytes, crlfDelim, bodyStart);
    if (next < 0) throw fail();
    const body = bytes.subarray(bodyStart, next);
    let disposition: string | null = null;
    let contentType: string | null = null;
    for (const line of headersText.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-disposition') disposition = value;
      else if (name === 'content-type') contentType = value;
    }
    if (disposition === null || !/^form-data\b/i.test(disposition)) throw fail();
    const fieldName = dispositionParam(disposition, 'name');
    if (fieldName === null) throw fail();
    const filename = dispositionParam(disposition, 'filename');
    const name = utf8DecodeNoBOM(Uint8Array.from(fieldName, (c) => c.charCodeAt(0) & 0xff));
    if (filename !== null) {
      const fname = utf8DecodeNoBOM(Uint8Array.from(filename, (c) => c.charCodeAt(0) & 0xff));
      entries.push([name, makeFile(body.slice(), (contentType ?? 'text/plain').toLowerCase(), fname, Date.now())]);
    } else {
      entries.push([name, utf8DecodeNoBOM(body)]);
    }
    pos = next + crlfDelim.length;
  }
  return formDataFromEntries(entries);
}

export { File };
