// Fetch §5.2 Headers: header list (lowercase names, insertion order), name/value validation and
// normalization, guards (none/request/response/immutable), sort-and-combine iteration, getSetCookie.
import { pairForEach, pairIterator, iteratorIsEntries, isObject, requireArgs, toByteString } from './util.ts';

export type Guard = 'none' | 'request' | 'response' | 'immutable';

// RFC 9110 token
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const INVALID_VALUE = /[\0\r\n]/;
const TRIM = /^[\t\n\r ]+|[\t\n\r ]+$/g;

export function isToken(s: string): boolean {
  return TOKEN.test(s);
}

function checkName(name: any, what: string): string {
  const s = toByteString(name, 'header name');
  if (!TOKEN.test(s)) throw new TypeError(`Failed to execute '${what}' on 'Headers': Invalid name`);
  return s.toLowerCase();
}

function normalizeValue(value: any): string {
  const s = toByteString(value, 'header value');
  const t = s.length > 0 && (s.charCodeAt(0) <= 32 || s.charCodeAt(s.length - 1) <= 32) ? s.replace(TRIM, '') : s;
  if (INVALID_VALUE.test(t)) throw new TypeError('Invalid header value');
  return t;
}

let internals: {
  list: (h: Headers) => string[];
  guard: (h: Headers) => Guard;
  setGuard: (h: Headers, g: Guard) => void;
  setList: (h: Headers, l: string[]) => void;
  push: (h: Headers, n: string, v: string) => void;
  is: (v: any) => boolean;
};

/** Sorted-and-combined pairs, cached until the list changes. */
function sortAndCombine(list: string[]): Array<[string, string]> {
  const names: string[] = [];
  const values = new Map<string, string>();
  const out: Array<[string, string]> = [];
  const cookies: string[] = [];
  for (let i = 0; i < list.length; i += 2) {
    const n = list[i]!, v = list[i + 1]!;
    if (n === 'set-cookie') {
      cookies.push(v);
      continue;
    }
    const prev = values.get(n);
    if (prev === undefined) {
      names.push(n);
      values.set(n, v);
    } else {
      values.set(n, prev + ', ' + v);
    }
  }
  if (cookies.length) names.push('set-cookie');
  names.sort();
  for (const n of names) {
    if (n === 'set-cookie') for (const c of cookies) out.push([n, c]);
    else out.push([n, values.get(n)!]);
  }
  return out;
}

export class Headers {
  get [Symbol.toStringTag](): string { return 'Headers'; }
  /** Flat [name, value, name, value, ...], names lowercased. */
  #list: string[] = [];
  #guard: Guard = 'none';
  #sorted: Array<[string, string]> | null = null;

  constructor(init: any = undefined) {
    if (init !== undefined) fill(this, init);
  }

  append(name: any, value: any): void {
    requireArgs(arguments.length, 2, "'append' on 'Headers'");
    const n = checkName(name, 'append');
    const v = normalizeValue(value);
    this.#checkGuard();
    this.#list.push(n, v);
    this.#sorted = null;
  }

  delete(name: any): void {
    requireArgs(arguments.length, 1, "'delete' on 'Headers'");
    const n = checkName(name, 'delete');
    this.#checkGuard();
    const l = this.#list;
    let found = false;
    for (let i = 0; i < l.length; i += 2) if (l[i] === n) { found = true; break; }
    if (!found) return;
    const out: string[] = [];
    for (let i = 0; i < l.length; i += 2) if (l[i] !== n) out.push(l[i]!, l[i + 1]!);
    this.#list = out;
    this.#sorted = null;
  }

  get(name: any): string | null {
    requireArgs(arguments.length, 1, "'get' on 'Headers'");
    const n = checkName(name, 'get');
    return getCombined(this.#list, n);
  }

  getSetCookie(): string[] {
    const l = this.#list;
    const out: string[] = [];
    for (let i = 0; i < l.length; i += 2) if (l[i] === 'set-cookie') out.push(l[i + 1]!);
    return out;
  }

  has(name: any): boolean {
    requireArgs(arguments.length, 1, "'has' on 'Headers'");
    const n = checkName(name, 'has');
    const l = this.#list;
    for (let i = 0; i < l.length; i += 2) if (l[i] === n) return true;
    return false;
  }

  set(name: any, value: any): void {
    requireArgs(arguments.length, 2, "'set' on 'Headers'");
    const n = checkName(name, 'set');
    const v = normalizeValue(value);
    this.#checkGuard();
    const l = this.#list;
    const out: string[] = [];
    let done = false;
    for (let i = 0; i < l.length; i += 2) {
      if (l[i] === n) {
        if (!done) { out.push(n, v); done = true; }
      } else {
        out.push(l[i]!, l[i + 1]!);
      }
    }
    if (!done) out.push(n, v);
    this.#list = out;
    this.#sorted = null;
  }

  #checkGuard(): void {
    if (this.#guard === 'immutable') throw new TypeError('Headers are immutable');
  }

  entries(): any { const get = () => (this.#sorted ??= sortAndCombine(this.#list)); get(); return pairIterator('Headers', get, 2); }
  keys(): any { const get = () => (this.#sorted ??= sortAndCombine(this.#list)); get(); return pairIterator('Headers', get, 0); }
  values(): any { const get = () => (this.#sorted ??= sortAndCombine(this.#list)); get(); return pairIterator('Headers', get, 1); }
  forEach(callback: any, thisArg: any = undefined): void { pairForEach(this, 'Headers', () => (this.#sorted ??= sortAndCombine(this.#list)), callback, thisArg); }

  static {
    internals = {
      list: (h) => h.#list,
      guard: (h) => h.#guard,
      setGuard: (h, g) => { h.#guard = g; },
      setList: (h, l) => { h.#list = l; h.#sorted = null; },
      push: (h, n, v) => { h.#list.push(n, v); h.#sorted = null; },
      is: (v) => v !== null && typeof v === 'object' && #list in v,
    };
  }
}
iteratorIsEntries(Headers);

function getCombined(l: string[], n: string): string | null {
  let out: string | null = null;
  for (let i = 0; i < l.length; i += 2) {
    if (l[i] === n) out = out === null ? l[i + 1]! : out + ', ' + l[i + 1]!;
  }
  return out;
}

/** Fetch "fill" from HeadersInit (sequence of pairs or record). */
function fill(h: Headers, init: any): void {
  if (!isObject(init)) throw new TypeError("Failed to construct 'Headers': The provided value is not of type 'HeadersInit'.");
  if (internals.is(init)) {
    const src = internals.list(init);
    for (let i = 0; i < src.length; i += 2) h.append(src[i], src[i + 1]);
    return;
  }
  const iter = init[Symbol.iterator];
  if (iter !== undefined && iter !== null) {
    if (typeof iter !== 'function') throw new TypeError("Failed to construct 'Headers': The provided value is not iterable.");
    const pairs: any[] = [];
    for (const pair of { [Symbol.iterator]: () => iter.call(init) } as Iterable<any>) {
      if (!isObject(pair)) throw new TypeError("Failed to construct 'Headers': The provided value cannot be converted to a sequence.");
      const p = Array.from(pair as Iterable<any>);
      if (p.length !== 2) throw new TypeError("Failed to construct 'Headers': Invalid value: a header pair must have exactly two items.");
      pairs.push(toByteString(p[0], 'header name'), toByteString(p[1], 'header value'));
    }
    for (let i = 0; i < pairs.length; i += 2) h.append(pairs[i], pairs[i + 1]);
    return;
  }
  // record<ByteString, ByteString>: own enumerable keys (symbols throw in the conversion)
  const keys = Reflect.ownKeys(init);
  const entries: string[] = [];
  for (const k of keys) {
    const desc = Reflect.getOwnPropertyDescriptor(init, k);
    if (desc === undefined || !desc.enumerable) continue;
    if (typeof k === 'symbol') throw new TypeError("Failed to construct 'Headers': Cannot convert a Symbol to a ByteString.");
    entries.push(toByteString(k, 'header name'), toByteString(init[k], 'header value'));
  }
  for (let i = 0; i < entries.length; i += 2) h.append(entries[i], entries[i + 1]);
}

export function fillHeaders(h: Headers, init: any): void {
  fill(h, init);
}
export function isHeaders(v: any): boolean {
  return internals.is(v);
}
export function headerList(h: Headers): string[] {
  return internals.list(h);
}
export function setHeaderList(h: Headers, l: string[]): void {
  internals.setList(h, l);
}
export function setGuard(h: Headers, g: Guard): void {
  internals.setGuard(h, g);
}
export function getGuard(h: Headers): Guard {
  return internals.guard(h);
}
export function getHeader(h: Headers, name: string): string | null {
  return getCombined(internals.list(h), name);
}
/** Appends without validation or guard checks (trusted input such as the platform's request). */
export function appendTrusted(h: Headers, name: string, value: string): void {
  internals.push(h, name, value);
}
/** Headers over a trusted flat list (names lowercased here). */
export function headersFromFlat(flat: string[], guard: Guard): Headers {
  const h = new Headers();
  const l: string[] = new Array(flat.length);
  for (let i = 0; i < flat.length; i += 2) {
    l[i] = `${flat[i]}`.toLowerCase();
    l[i + 1] = `${flat[i + 1]}`;
  }
  internals.setList(h, l);
  internals.setGuard(h, guard);
  return h;
}
export function copyHeaders(src: Headers, guard: Guard): Headers {
  const h = new Headers();
  internals.setList(h, internals.list(src).slice());
  internals.setGuard(h, guard);
  return h;
}
