// URL Standard §6: the URL and URLSearchParams classes. The parser (vendored from whatwg-url,
// UTF-8 only) is a separate script loaded on first use; IDNA goes through idna.ts, which loads the
// UTS #46 tables only for non-ASCII hosts.
import { utf8DecodeNoBOM, utf8Encode } from './encoding.ts';
import { toASCII } from './idna.ts';
import { pairForEach, pairIterator, iteratorIsEntries, hostCall, isObject, requireArgs, toUSV } from './util.ts';

interface UrlLib {
  basicURLParse(input: string, options?: any): URLRecord | null;
  serializeURL(url: URLRecord, excludeFragment?: boolean): string;
  serializeURLOrigin(url: URLRecord): string;
  serializeHost(host: any): string;
  serializeInteger(n: number): string;
  serializePath(url: URLRecord): string;
  setTheUsername(url: URLRecord, v: string): void;
  setThePassword(url: URLRecord, v: string): void;
  cannotHaveAUsernamePasswordPort(url: URLRecord): boolean;
  hasAnOpaquePath(url: URLRecord): boolean;
  parseUrlencodedString(input: string): Array<[string, string]>;
  serializeUrlencoded(list: Array<[string, string]>): string;
  percentDecodeString(input: string): Uint8Array;
}

let lib: UrlLib | null = null;
function load(): UrlLib {
  const m = hostCall('load', 'url');
  m.setDeps({ utf8Encode, utf8DecodeWithoutBOM: utf8DecodeNoBOM, toASCII });
  return (lib = m);
}
/** The URL parser library (loaded on first use). */
export function urlLib(): UrlLib {
  return lib ?? load();
}

// ---------------------------------------------------------------------------------------------
// application/x-www-form-urlencoded (URL §5), percent-decoding: small enough to keep here, so that
// URLSearchParams and data: URLs never need the parser script.

const HEX = /^[0-9A-Fa-f]{2}$/;

function percentDecodeBytes(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x25 && i + 2 < bytes.length + 0 && i + 2 <= bytes.length - 1 + 0 && HEX.test(String.fromCharCode(bytes[i + 1]!, bytes[i + 2]!))) {
      out[n++] = parseInt(String.fromCharCode(bytes[i + 1]!, bytes[i + 2]!), 16);
      i += 2;
    } else {
      out[n++] = b;
    }
  }
  return n === out.length ? out : out.slice(0, n);
}

/** URL "percent-decode" of a string (UTF-8 encoded first). */
export function percentDecodeString(input: string): Uint8Array {
  return percentDecodeBytes(utf8Encode(input));
}

function decodeFormComponent(s: string): string {
  if (s.indexOf('+') >= 0) s = s.replace(/\+/g, ' ');
  if (s.indexOf('%') < 0) return s;
  return utf8DecodeNoBOM(percentDecodeString(s));
}

/** application/x-www-form-urlencoded parser over a (scalar value) string. */
export function parseUrlencodedString(input: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (input === '') return out;
  for (const part of input.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq >= 0 ? part.slice(0, eq) : part;
    const value = eq >= 0 ? part.slice(eq + 1) : '';
    out.push([decodeFormComponent(name), decodeFormComponent(value)]);
  }
  return out;
}

const FORM_EXTRA = /[!'()~]/g;
function encodeFormComponent(s: string): string {
  // encodeURIComponent leaves A-Z a-z 0-9 - _ . ! ~ * ' ( ) alone; the form set also encodes ! ' ( ) ~.
  return encodeURIComponent(s).replace(FORM_EXTRA, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()).replace(/%20/g, '+');
}

/** application/x-www-form-urlencoded serializer (entries are scalar value strings). */
export function serializeUrlencoded(list: Array<[string, string]>): string {
  let out = '';
  for (let i = 0; i < list.length; i++) {
    const t = list[i]!;
    if (i) out += '&';
    out += encodeFormComponent(t[0]) + '=' + encodeFormComponent(t[1]);
  }
  return out;
}

export interface URLRecord {
  scheme: string;
  username: string;
  password: string;
  host: any;
  port: number | null;
  path: string[] | string;
  query: string | null;
  fragment: string | null;
}

// ---------------------------------------------------------------------------------------------
// Fast path: absolute http(s)/ws(s) URLs made only of characters the parser keeps as they are
// (no userinfo, IP address, IDNA label, dot segment, percent sign in the path, tab or newline)
// parse to the same record without the full state machine. Anything else goes to the parser.

const FAST = /^(https?|wss?):\/\/([A-Za-z0-9.-]+)(?::([0-9]{1,5}))?(\/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*)?(?:\?([A-Za-z0-9\-._~!$&()*+,;=:@/?%]*))?(?:#([A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*))?$/;
const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, ws: 80, wss: 443 };

function fastParse(input: string): URLRecord | null {
  const m = FAST.exec(input);
  if (m === null) return null;
  const host = m[2]!.toLowerCase();
  if (host.startsWith('.') || host.includes('..') || /(^|\.)xn--/.test(host)) return null;
  const labels = host.split('.');
  const last = labels[labels.length - 1] === '' ? labels[labels.length - 2] : labels[labels.length - 1];
  if (last === undefined || /^[0-9]/.test(last)) return null; // maybe an IPv4 address
  const scheme = m[1]!.toLowerCase();
  let port: number | null = null;
  if (m[3] !== undefined) {
    port = +m[3];
    if (port > 65535) return null;
    if (port === DEFAULT_PORTS[scheme]) port = null;
  }
  let path: string[] = [''];
  if (m[4] !== undefined) {
    path = m[4].slice(1).split('/');
    for (const seg of path) if (seg === '.' || seg === '..') return null;
  }
  return { scheme, username: '', password: '', host, port, path, query: m[5] ?? null, fragment: m[6] ?? null };
}

/** Basic URL parser; null on failure. */
export function parseURL(input: string, base?: URLRecord | null): URLRecord | null {
  if (base == null) {
    const fast = fastParse(input);
    if (fast !== null) return fast;
  }
  return urlLib().basicURLParse(input, { baseURL: base ?? null });
}

const SPECIAL_ORIGIN = new Set(['ftp', 'http', 'https', 'ws', 'wss']);

function serializeHost(host: any): string {
  return typeof host === 'string' ? host : urlLib().serializeHost(host);
}

function serializePath(url: URLRecord): string {
  const p = url.path;
  if (typeof p === 'string') return p;
  return p.length === 0 ? '' : '/' + p.join('/');
}

function hasAnOpaquePath(url: URLRecord): boolean {
  return typeof url.path === 'string';
}

function cannotHaveAUsernamePasswordPort(url: URLRecord): boolean {
  return url.host === null || url.host === '' || url.scheme === 'file';
}

/** URL serializer (URL §4.5). */
export function serializeURL(url: URLRecord, excludeFragment = false): string {
  let out = `${url.scheme}:`;
  if (url.host !== null) {
    out += '//';
    if (url.username !== '' || url.password !== '') {
      out += url.username;
      if (url.password !== '') out += `:${url.password}`;
      out += '@';
    }
    out += serializeHost(url.host);
    if (url.port !== null) out += `:${url.port}`;
  }
  if (url.host === null && !hasAnOpaquePath(url) && url.path.length > 1 && url.path[0] === '') out += '/.';
  out += serializePath(url);
  if (url.query !== null) out += `?${url.query}`;
  if (!excludeFragment && url.fragment !== null) out += `#${url.fragment}`;
  return out;
}

function serializeOrigin(url: URLRecord): string {
  if (SPECIAL_ORIGIN.has(url.scheme)) {
    return `${url.scheme}://${serializeHost(url.host)}${url.port !== null ? `:${url.port}` : ''}`;
  }
  if (url.scheme === 'blob') return urlLib().serializeURLOrigin(url);
  return 'null';
}

let urlInternals: { record: (u: URL) => URLRecord; is: (v: any) => boolean };
let paramsInternals: {
  create: (list: Array<[string, string]>, url: URL | null) => URLSearchParams;
  setList: (p: URLSearchParams, list: Array<[string, string]>) => void;
  list: (p: URLSearchParams) => Array<[string, string]>;
  is: (v: any) => boolean;
};

export class URL {
  get [Symbol.toStringTag](): string { return 'URL'; }
  #url: URLRecord;
  #query: URLSearchParams | null = null;

  constructor(url: any, base: any = undefined) {
    requireArgs(arguments.length, 1, "'URL' constructor");
    const input = toUSV(url);
    let parsedBase: URLRecord | null = null;
    if (base !== undefined) {
      const b = toUSV(base);
      parsedBase = parseURL(b);
      if (parsedBase === null) throw new TypeError(`Invalid base URL: ${b}`);
    }
    const parsed = parseURL(input, parsedBase);
    if (parsed === null) throw new TypeError(`Invalid URL: ${input}`);
    this.#url = parsed;
  }

  static parse(url: any, base: any = undefined): URL | null {
    requireArgs(arguments.length, 1, "'parse' on 'URL'");
    try {
      return newURL(url, base);
    } catch {
      return null;
    }
  }

  static canParse(url: any, base: any = undefined): boolean {
    requireArgs(arguments.length, 1, "'canParse' on 'URL'");
    const input = toUSV(url);
    let parsedBase: URLRecord | null = null;
    if (base !== undefined) {
      parsedBase = parseURL(toUSV(base));
      if (parsedBase === null) return false;
    }
    return parseURL(input, parsedBase) !== null;
  }

  get href(): string { return serializeURL(this.#url); }
  set href(v: any) {
    const s = toUSV(v);
    const parsed = parseURL(s);
    if (parsed === null) throw new TypeError(`Invalid URL: ${s}`);
    this.#url = parsed;
    this.#syncQuery();
  }

  get origin(): string { return serializeOrigin(this.#url); }

  get protocol(): string { return `${this.#url.scheme}:`; }
  set protocol(v: any) {
    urlLib().basicURLParse(`${toUSV(v)}:`, { url: this.#url, stateOverride: 'scheme start' });
  }

  get username(): string { return this.#url.username; }
  set username(v: any) {
    const s = toUSV(v);
    if (cannotHaveAUsernamePasswordPort(this.#url)) return;
    urlLib().setTheUsername(this.#url, s);
  }

  get password(): string { return this.#url.password; }
  set password(v: any) {
    const s = toUSV(v);
    if (cannotHaveAUsernamePasswordPort(this.#url)) return;
    urlLib().setThePassword(this.#url, s);
  }

  get host(): string {
    const url = this.#url;
    if (url.host === null) return '';
    if (url.port === null) return serializeHost(url.host);
    return `${serializeHost(url.host)}:${String(url.port)}`;
  }
  set host(v: any) {
    const s = toUSV(v);
    if (hasAnOpaquePath(this.#url)) return;
    urlLib().basicURLParse(s, { url: this.#url, stateOverride: 'host' });
  }

  get hostname(): string {
    if (this.#url.host === null) return '';
    return serializeHost(this.#url.host);
  }
  set hostname(v: any) {
    const s = toUSV(v);
    if (hasAnOpaquePath(this.#url)) return;
    urlLib().basicURLParse(s, { url: this.#url, stateOverride: 'hostname' });
  }

  get port(): string {
    if (this.#url.port === null) return '';
    return String(this.#url.port);
  }
  set port(v: any) {
    const s = toUSV(v);
    if (cannotHaveAUsernamePasswordPort(this.#url)) return;
    if (s === '') this.#url.port = null;
    else urlLib().basicURLParse(s, { url: this.#url, stateOverride: 'port' });
  }

  get pathname(): string { return serializePath(this.#url); }
  set pathname(v: any) {
    const s = toUSV(v);
    if (hasAnOpaquePath(this.#url)) return;
    this.#url.path = [];
    urlLib().basicURLParse(s, { url: this.#url, stateOverride: 'path start' });
  }

  get search(): string {
    const q = this.#url.query;
    return q === null || q === '' ? '' : `?${q}`;
  }
  set search(v: any) {
    const s = toUSV(v);
    const url = this.#url;
    if (s === '') {
      url.query = null;
      if (this.#query) paramsInternals.setList(this.#query, []);
      this.#stripTrailingSpacesFromOpaquePath();
      return;
    }
    const input = s[0] === '?' ? s.substring(1) : s;
    url.query = '';
    urlLib().basicURLParse(input, { url, stateOverride: 'query' });
    if (this.#query) paramsInternals.setList(this.#query, parseUrlencodedString(input));
  }

  get searchParams(): URLSearchParams {
    if (this.#query === null) {
      const q = this.#url.query;
      this.#query = paramsInternals.create(q === null ? [] : parseUrlencodedString(q), this);
    }
    return this.#query;
  }

  get hash(): string {
    const f = this.#url.fragment;
    return f === null || f === '' ? '' : `#${f}`;
  }
  set hash(v: any) {
    const s = toUSV(v);
    if (s === '') {
      this.#url.fragment = null;
      this.#stripTrailingSpacesFromOpaquePath();
      return;
    }
    const input = s[0] === '#' ? s.substring(1) : s;
    this.#url.fragment = '';
    urlLib().basicURLParse(input, { url: this.#url, stateOverride: 'fragment' });
  }

  toJSON(): string { return serializeURL(this.#url); }
  toString(): string { return serializeURL(this.#url); }

  #syncQuery(): void {
    if (this.#query === null) return;
    const q = this.#url.query;
    paramsInternals.setList(this.#query, q === null ? [] : parseUrlencodedString(q));
  }

  #stripTrailingSpacesFromOpaquePath(): void {
    const url = this.#url;
    if (!hasAnOpaquePath(url)) return;
    if (url.fragment !== null) return;
    if (url.query !== null) return;
    url.path = (url.path as string).replace(/\u0020+$/u, '');
  }

  static {
    urlInternals = {
      record: (u) => u.#url,
      is: (v) => v !== null && typeof v === 'object' && #url in v,
    };
  }
}
// Web IDL attributes are enumerable (class accessors are not).
{
  const proto = URL.prototype;
  const descriptors: PropertyDescriptorMap = {};
  for (const k of ['href', 'origin', 'protocol', 'username', 'password', 'host', 'hostname', 'port', 'pathname', 'search', 'searchParams', 'hash']) {
    const d = Object.getOwnPropertyDescriptor(proto, k)!;
    d.enumerable = true;
    descriptors[k] = d;
  }
  Object.defineProperties(proto, descriptors);
}

/** The query of `url` as URLSearchParams changed it. */
function updateURLQuery(url: URL, list: Array<[string, string]>): void {
  const rec = urlInternals.record(url);
  const s = serializeUrlencoded(list);
  rec.query = s === '' ? null : s;
  if (rec.query === null && rec.fragment === null && hasAnOpaquePath(rec)) {
    rec.path = (rec.path as string).replace(/\u0020+$/u, '');
  }
}

export class URLSearchParams {
  get [Symbol.toStringTag](): string { return 'URLSearchParams'; }
  #list: Array<[string, string]> = [];
  #url: URL | null = null;

  constructor(init: any = undefined) {
    if (init === undefined) return;
    if (isObject(init)) {
      const iter = init[Symbol.iterator];
      if (iter !== undefined && iter !== null) {
        if (typeof iter !== 'function') throw new TypeError("Failed to construct 'URLSearchParams': The provided value is not iterable.");
        const list: Array<[string, string]> = [];
        for (const pair of { [Symbol.iterator]: () => iter.call(init) } as Iterable<any>) {
          if (!isObject(pair)) throw new TypeError("Failed to construct 'URLSearchParams': The provided value cannot be converted to a sequence.");
          const p = Array.from(pair as Iterable<any>);
          if (p.length !== 2) {
            throw new TypeError("Failed to construct 'URLSearchParams': parameter 1 sequence's element does not contain exactly two elements.");
          }
          list.push([toUSV(p[0]), toUSV(p[1])]);
        }
        this.#list = list;
        return;
      }
      const list: Array<[string, string]> = [];
      for (const k of Reflect.ownKeys(init)) {
        const desc = Reflect.getOwnPropertyDescriptor(init, k);
        if (desc === undefined || !desc.enumerable) continue;
        if (typeof k === 'symbol') throw new TypeError("Failed to construct 'URLSearchParams': Cannot convert a Symbol to a string.");
        list.push([toUSV(k), toUSV(init[k])]);
      }
      this.#list = list;
      return;
    }
    let s = toUSV(init);
    if (s[0] === '?') s = s.slice(1);
    this.#list = parseUrlencodedString(s);
  }

  get size(): number { return this.#list.length; }

  append(name: any, value: any): void {
    requireArgs(arguments.length, 2, "'append' on 'URLSearchParams'");
    this.#list.push([toUSV(name), toUSV(value)]);
    this.#update();
  }

  delete(name: any, value: any = undefined): void {
    requireArgs(arguments.length, 1, "'delete' on 'URLSearchParams'");
    const n = toUSV(name);
    const v = value === undefined ? undefined : toUSV(value);
    this.#list = this.#list.filter((t) => !(t[0] === n && (v === undefined || t[1] === v)));
    this.#update();
  }

  get(name: any): string | null {
    requireArgs(arguments.length, 1, "'get' on 'URLSearchParams'");
    const n = toUSV(name);
    for (const t of this.#list) if (t[0] === n) return t[1];
    return null;
  }

  getAll(name: any): string[] {
    requireArgs(arguments.length, 1, "'getAll' on 'URLSearchParams'");
    const n = toUSV(name);
    const out: string[] = [];
    for (const t of this.#list) if (t[0] === n) out.push(t[1]);
    return out;
  }

  has(name: any, value: any = undefined): boolean {
    requireArgs(arguments.length, 1, "'has' on 'URLSearchParams'");
    const n = toUSV(name);
    const v = value === undefined ? undefined : toUSV(value);
    for (const t of this.#list) if (t[0] === n && (v === undefined || t[1] === v)) return true;
    return false;
  }

  set(name: any, value: any): void {
    requireArgs(arguments.length, 2, "'set' on 'URLSearchParams'");
    const n = toUSV(name), v = toUSV(value);
    const out: Array<[string, string]> = [];
    let found = false;
    for (const t of this.#list) {
      if (t[0] === n) {
        if (!found) { out.push([n, v]); found = true; }
      } else {
        out.push(t);
      }
    }
    if (!found) out.push([n, v]);
    this.#list = out;
    this.#update();
  }

  sort(): void {
    this.#list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    this.#update();
  }

  toString(): string {
    return serializeUrlencoded(this.#list);
  }

  #update(): void {
    if (this.#url !== null) updateURLQuery(this.#url, this.#list);
  }

  entries(): any { const get = () => this.#list; get(); return pairIterator('URLSearchParams', get, 2); }
  keys(): any { const get = () => this.#list; get(); return pairIterator('URLSearchParams', get, 0); }
  values(): any { const get = () => this.#list; get(); return pairIterator('URLSearchParams', get, 1); }
  forEach(callback: any, thisArg: any = undefined): void { pairForEach(this, 'URLSearchParams', () => this.#list, callback, thisArg); }

  static {
    paramsInternals = {
      create: (list, url) => {
        const p = newParams();
        p.#list = list;
        p.#url = url;
        return p;
      },
      setList: (p, list) => { p.#list = list; },
      list: (p) => p.#list,
      is: (v) => v !== null && typeof v === 'object' && #list in v,
    };
  }
}
iteratorIsEntries(URLSearchParams);

// (Outside the class bodies, so that the bundler keeps the class names.)
function newURL(url: any, base: any): URL {
  return base === undefined ? new URL(url) : new URL(url, base);
}
function newParams(): URLSearchParams {
  return new URLSearchParams();
}

export function isURL(v: any): boolean {
  return urlInternals.is(v);
}
export function urlRecord(u: URL): URLRecord {
  return urlInternals.record(u);
}
export function isURLSearchParams(v: any): boolean {
  return paramsInternals.is(v);
}
export function searchParamsList(p: URLSearchParams): Array<[string, string]> {
  return paramsInternals.list(p);
}
