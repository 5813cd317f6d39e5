// Shared helpers for the code evaluated inside the isolate: Web IDL conversions, brand helpers and
// the one channel to the host. Nothing here touches the host at module evaluation time.

/** The host bridge, set once by install(). `sync(op, a, b, c)` is an ivm.Callback (arguments are copied). */
export const host: {
  sync: (op: string, a?: any, b?: any, c?: any) => any;
  /** isolate-side ExternalCopy class: the only way to detach (transfer) an ArrayBuffer in V8 11. */
  EC: any;
  /** performance.timeOrigin (ms since the epoch). */
  timeOrigin: number;
} = { sync: null as any, EC: null, timeOrigin: 0 };

export function hostCall(op: string, a?: any, b?: any, c?: any): any {
  return host.sync(op, a, b, c);
}

const defineProperty = Object.defineProperty;

/** Web IDL class string ([Symbol.toStringTag] on the interface prototype object). */
export function tag(C: any, name: string): void {
  defineProperty(C.prototype, Symbol.toStringTag, { value: name, configurable: true });
  if (C.name !== name) defineProperty(C, 'name', { value: name, configurable: true });
}

/** Sets a function's `name` (the bundler may have renamed it to avoid a clash). */
export function named<T extends (...a: any[]) => any>(fn: T, name: string): T {
  if (fn.name !== name) defineProperty(fn, 'name', { value: name, configurable: true });
  return fn;
}

export function requireArgs(given: number, needed: number, what: string): void {
  if (given < needed) {
    throw new TypeError(`Failed to execute ${what}: ${needed} argument${needed > 1 ? 's' : ''} required, but only ${given} present.`);
  }
}

/** Web IDL DOMString: ToString, which throws on symbols (String(symbol) would not). */
export function toStr(v: any): string {
  return typeof v === 'string' ? v : `${v}`;
}

/** Web IDL USVString: lone surrogates become U+FFFD. */
export function toUSV(v: any): string {
  const s = typeof v === 'string' ? v : `${v}`;
  return (s as any).isWellFormed() ? s : (s as any).toWellFormed();
}

/** Web IDL ByteString. */
export function toByteString(v: any, what = 'value'): string {
  const s = typeof v === 'string' ? v : `${v}`;
  // eslint-disable-next-line no-control-regex
  if (/[^\x00-\xff]/.test(s)) throw new TypeError(`${what} is not a valid ByteString`);
  return s;
}

export function isObject(v: any): boolean {
  return (typeof v === 'object' && v !== null) || typeof v === 'function';
}

/** A dictionary argument: undefined/null become {}, other non-objects throw. */
export function dict(v: any, what: string): any {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' && typeof v !== 'function') throw new TypeError(`${what} is not an object`);
  return v;
}

const abByteLength = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'byteLength')!.get!;
const sabByteLength = typeof SharedArrayBuffer === 'function'
  ? Object.getOwnPropertyDescriptor(SharedArrayBuffer.prototype, 'byteLength')!.get!
  : null;

export function isArrayBuffer(v: any): v is ArrayBuffer {
  if (typeof v !== 'object' || v === null) return false;
  try {
    abByteLength.call(v);
    return true;
  } catch {
    return false;
  }
}

export function isSharedArrayBuffer(v: any): boolean {
  if (!sabByteLength || typeof v !== 'object' || v === null) return false;
  try {
    sabByteLength.call(v);
    return true;
  } catch {
    return false;
  }
}

/** The bytes of a BufferSource as a Uint8Array view (no copy), or null when `v` is not one. */
export function viewOf(v: any): Uint8Array | null {
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (isArrayBuffer(v)) return new Uint8Array(v);
  return null;
}

/** ArrayBuffer holding exactly `bytes` (copying only when the view does not cover its whole buffer). */
export function exactBuffer(bytes: Uint8Array): ArrayBuffer {
  const b = bytes.buffer as ArrayBuffer;
  if (bytes.byteOffset === 0 && bytes.byteLength === b.byteLength) return b;
  return b.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}

/** Detaches `buf` and returns a new ArrayBuffer with its contents (ArrayBuffer.prototype.transfer). */
export function transferBuffer(buf: ArrayBuffer): ArrayBuffer {
  return new host.EC(buf, { transferOut: true }).copy({ transferIn: true });
}

const nativeDetached = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'detached')?.get;

export function isDetached(buf: ArrayBuffer): boolean {
  if (nativeDetached) return nativeDetached.call(buf);
  if (buf.byteLength !== 0) return false;
  try {
    new Uint8Array(buf);
    return false;
  } catch {
    return true;
  }
}

/** Web IDL [EnforceRange] unsigned long long. */
export function enforceRangeULL(v: any, what: string): number {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new TypeError(`${what} is not a finite number`);
  const t = Math.trunc(n);
  if (t < 0 || t > Number.MAX_SAFE_INTEGER) throw new TypeError(`${what} is outside the accepted range`);
  return t === 0 ? 0 : t;
}

/** Web IDL `long long` (no [EnforceRange]): modulo 2^64 for huge values, truncation otherwise. */
export function toLongLong(v: any): number {
  const n = Number(v);
  if (!Number.isFinite(n)) return 0;
  const t = Math.trunc(n);
  return t === 0 ? 0 : t;
}

/** Web IDL `unsigned short`. */
export function toUnsignedShort(v: any): number {
  const n = Number(v);
  if (!Number.isFinite(n)) return 0;
  let t = Math.trunc(n) % 65536;
  if (t < 0) t += 65536;
  return t;
}

/** Web IDL sequence<T> from an iterable object; TypeError for primitives and non-iterables. */
export function toSequence(v: any, what: string): any[] {
  if (!isObject(v)) throw new TypeError(`${what} is not an iterable object`);
  const it = v[Symbol.iterator];
  if (typeof it !== 'function') throw new TypeError(`${what} is not iterable`);
  return Array.from({ [Symbol.iterator]: () => it.call(v) } as Iterable<any>);
}

/** Makes a class non-callable-looking constructor that always throws "Illegal constructor" unless given the key. */
export const ILLEGAL = Symbol('illegal constructor key');

/** Iterator prototype object (%IteratorPrototype%). */
const IteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()));

const iteratorProtos = new Map<string, object>();
const iteratorState = new WeakMap<object, { get: () => Array<[any, any]>; kind: 0 | 1 | 2; i: number }>();

function iteratorProto(className: string): object {
  let proto = iteratorProtos.get(className);
  if (proto === undefined) {
    proto = Object.create(IteratorPrototype) as object;
    defineProperty(proto, 'next', {
      value: function next(this: any) {
        const s = iteratorState.get(this);
        if (!s) throw new TypeError(`next method called on incompatible ${className} Iterator`);
        const pairs = s.get();
        if (s.i >= pairs.length) return { value: undefined, done: true };
        const p = pairs[s.i++]!;
        return { value: s.kind === 0 ? p[0] : s.kind === 1 ? p[1] : [p[0], p[1]], done: false };
      },
      writable: true, enumerable: true, configurable: true,
    });
    defineProperty(proto, Symbol.toStringTag, { value: `${className} Iterator`, configurable: true });
    iteratorProtos.set(className, proto);
  }
  return proto;
}

/**
 * Web IDL pair iterator (Headers, FormData, URLSearchParams): `get()` is re-evaluated on every
 * next() and iteration continues at the stored index. kind: 0 keys, 1 values, 2 entries.
 */
export function pairIterator(className: string, get: () => Array<[any, any]>, kind: 0 | 1 | 2): any {
  const it = Object.create(iteratorProto(className));
  iteratorState.set(it, { get, kind, i: 0 });
  return it;
}

/** Web IDL forEach over a pair iterable. */
export function pairForEach(self: any, className: string, get: () => Array<[any, any]>, callback: any, thisArg: any): void {
  if (typeof callback !== 'function') throw new TypeError(`${className}.forEach: callback is not a function`);
  for (let i = 0; ; i++) {
    const pairs = get();
    if (i >= pairs.length) break;
    const p = pairs[i]!;
    callback.call(thisArg, p[1], p[0], self);
  }
}

/** @@iterator is the same function as entries(). */
export function iteratorIsEntries(C: any): void {
  defineProperty(C.prototype, Symbol.iterator, { value: C.prototype.entries, writable: true, configurable: true });
}

/** Timestamp for Event.timeStamp and friends without a host call (ms since timeOrigin). */
export function coarseNow(): number {
  const t = Date.now() - host.timeOrigin;
  return t > 0 ? t : 0;
}
