// Web Cryptography API: Crypto (getRandomValues, randomUUID), SubtleCrypto and CryptoKey.
// Every SubtleCrypto operation runs in the host's WebCrypto; keys stay on the host and a
// CryptoKey here only carries a handle plus its (cached) attributes.
import { DOMException } from './domexception.ts';
import { registerSerializable } from './structured-clone.ts';
import { ILLEGAL, hostCall, isObject, toSequence, viewOf } from './util.ts';

interface KeyInfo { handle: number; type: string; extractable: boolean; algorithm: any; usages: string[] }

let keyInternals: { make: (info: KeyInfo) => CryptoKey; handle: (k: any) => number; is: (v: any) => boolean; info: (k: any) => KeyInfo };

export class CryptoKey {
  get [Symbol.toStringTag](): string { return 'CryptoKey'; }
  #info: KeyInfo;
  constructor(key: any = undefined, info: any = undefined) {
    if (key !== ILLEGAL) throw new TypeError('Illegal constructor');
    this.#info = info;
  }
  get type(): string { return this.#info.type; }
  get extractable(): boolean { return this.#info.extractable; }
  get algorithm(): any { return this.#info.algorithm; }
  get usages(): string[] { return this.#info.usages; }
  static {
    keyInternals = {
      make: (info) => newKey(info),
      handle: (k) => k.#info.handle,
      is: (v) => v !== null && typeof v === 'object' && #info in v,
      info: (k) => k.#info,
    };
  }
}

// (Outside the class body, so that the bundler keeps the class name.)
function newKey(info: KeyInfo): CryptoKey {
  return new CryptoKey(ILLEGAL, info);
}

export function isCryptoKey(v: any): boolean {
  return keyInternals.is(v);
}

// The host keeps each key until no CryptoKey here refers to its handle any more (a handle can be
// shared by structured clones), so long-lived isolates that import keys per request do not leak.
const refs = new Map<number, number>();
let registry: FinalizationRegistry<number> | null = null;
function track(key: CryptoKey, handle: number): CryptoKey {
  registry ??= new FinalizationRegistry((h: number) => {
    const n = (refs.get(h) ?? 1) - 1;
    if (n > 0) {
      refs.set(h, n);
      return;
    }
    refs.delete(h);
    try { hostCall('cryptoRelease', h); } catch { /* the context is gone */ }
  });
  refs.set(handle, (refs.get(handle) ?? 0) + 1);
  registry.register(key, handle);
  return key;
}

function makeKey(info: KeyInfo): CryptoKey {
  return track(keyInternals.make(info), info.handle);
}

function keyFromHost(info: any): CryptoKey {
  return makeKey({
    handle: info.handle,
    type: info.type,
    extractable: info.extractable,
    algorithm: info.algorithm,
    usages: info.usages,
  });
}

registerSerializable({
  test: isCryptoKey,
  serialize: (k) => keyInternals.info(k),
  deserialize: (info) => makeKey({ ...info }),
});

// ---------------------------------------------------------------------------------------------
// Async operations

const pending = new Map<number, { resolve: (v: any) => void; reject: (e: any) => void; kind: string }>();
let nextId = 1;

const KEY_MARK = '__cairnCryptoKey';

/** Copies an argument into a host-transferable form: buffers copied, CryptoKeys as handles. */
function encode(v: any, depth = 0): any {
  if (v === null || typeof v !== 'object') return typeof v === 'function' || typeof v === 'symbol' ? undefined : v;
  if (depth > 8) return undefined;
  const view = viewOf(v);
  if (view !== null) return view.slice();
  if (isCryptoKey(v)) return { [KEY_MARK]: keyInternals.handle(v) };
  if (Array.isArray(v)) return v.map((x) => encode(x, depth + 1));
  const out: any = {};
  for (const k in v) {
    const x = encode(v[k], depth + 1);
    if (x !== undefined) out[k] = x;
  }
  return out;
}

function bufferArg(v: any, what: string): Uint8Array {
  const view = viewOf(v);
  if (view === null) throw new TypeError(`Failed to execute '${what}' on 'SubtleCrypto': The provided value is not of type '(ArrayBuffer or ArrayBufferView)'.`);
  return view.slice();
}

function keyArg(v: any, what: string): any {
  if (!isCryptoKey(v)) throw new TypeError(`Failed to execute '${what}' on 'SubtleCrypto': parameter is not of type 'CryptoKey'.`);
  return { [KEY_MARK]: keyInternals.handle(v) };
}

function algorithmArg(v: any): any {
  if (typeof v === 'string') return v;
  if (!isObject(v)) return `${v}`;
  return encode(v);
}

function usagesArg(v: any): string[] {
  return toSequence(v, 'keyUsages').map((u) => `${u}`);
}

function run(kind: string, op: string, build: () => any[]): Promise<any> {
  let args: any[];
  try {
    args = build();
  } catch (e) {
    return Promise.reject(e);
  }
  return new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject, kind });
    try {
      hostCall('crypto', id, op, args);
    } catch (e) {
      pending.delete(id);
      reject(e);
    }
  });
}

function decodeResult(kind: string, v: any): any {
  switch (kind) {
    case 'buffer': {
      const u8 = v as Uint8Array;
      return u8.byteOffset === 0 && u8.byteLength === u8.buffer.byteLength ? u8.buffer : u8.slice().buffer;
    }
    case 'key': return keyFromHost(v);
    case 'keyOrPair':
      if (v && v.publicKey) return { publicKey: keyFromHost(v.publicKey), privateKey: keyFromHost(v.privateKey) };
      return keyFromHost(v);
    case 'export':
      if (v instanceof Uint8Array) return decodeResult('buffer', v);
      return v;
    default: return v;
  }
}

/** Host → isolate: the outcome of crypto operation `id`. */
export function settleCrypto(id: number, ok: boolean, value: any): void {
  const p = pending.get(id);
  if (!p) return;
  pending.delete(id);
  if (ok) {
    try {
      p.resolve(decodeResult(p.kind, value));
    } catch (e) {
      p.reject(e);
    }
    return;
  }
  const name = value && value.name ? `${value.name}` : 'OperationError';
  const message = value && value.message ? `${value.message}` : 'The operation failed';
  if (name === 'TypeError') p.reject(new TypeError(message));
  else if (name === 'RangeError') p.reject(new RangeError(message));
  else if (name === 'SyntaxError' && !value.dom) p.reject(new SyntaxError(message));
  else p.reject(new DOMException(message, name === 'Error' ? 'OperationError' : name));
}

function need(n: number, min: number, what: string): void {
  if (n < min) throw new TypeError(`Failed to execute '${what}' on 'SubtleCrypto': ${min} arguments required, but only ${n} present.`);
}

export class SubtleCrypto {
  get [Symbol.toStringTag](): string { return 'SubtleCrypto'; }
  #brand = true;
  constructor(key: any = undefined) {
    if (key !== ILLEGAL) throw new TypeError('Illegal constructor');
  }
  encrypt(algorithm: any, key: any, data: any): Promise<ArrayBuffer> {
    const n = arguments.length;
    return run('buffer', 'encrypt', () => { void this.#brand; need(n, 3, 'encrypt'); return [algorithmArg(algorithm), keyArg(key, 'encrypt'), bufferArg(data, 'encrypt')]; });
  }
  decrypt(algorithm: any, key: any, data: any): Promise<ArrayBuffer> {
    const n = arguments.length;
    return run('buffer', 'decrypt', () => { void this.#brand; need(n, 3, 'decrypt'); return [algorithmArg(algorithm), keyArg(key, 'decrypt'), bufferArg(data, 'decrypt')]; });
  }
  sign(algorithm: any, key: any, data: any): Promise<ArrayBuffer> {
    const n = arguments.length;
    return run('buffer', 'sign', () => { void this.#brand; need(n, 3, 'sign'); return [algorithmArg(algorithm), keyArg(key, 'sign'), bufferArg(data, 'sign')]; });
  }
  verify(algorithm: any, key: any, signature: any, data: any): Promise<boolean> {
    const n = arguments.length;
    return run('value', 'verify', () => {
      void this.#brand;
      need(n, 4, 'verify');
      return [algorithmArg(algorithm), keyArg(key, 'verify'), bufferArg(signature, 'verify'), bufferArg(data, 'verify')];
    });
  }
  digest(algorithm: any, data: any): Promise<ArrayBuffer> {
    const n = arguments.length;
    return run('buffer', 'digest', () => { void this.#brand; need(n, 2, 'digest'); return [algorithmArg(algorithm), bufferArg(data, 'digest')]; });
  }
  generateKey(algorithm: any, extractable: any, keyUsages: any): Promise<any> {
    const n = arguments.length;
    return run('keyOrPair', 'generateKey', () => { void this.#brand; need(n, 3, 'generateKey'); return [algorithmArg(algorithm), !!extractable, usagesArg(keyUsages)]; });
  }
  deriveKey(algorithm: any, baseKey: any, derivedKeyType: any, extractable: any, keyUsages: any): Promise<CryptoKey> {
    const n = arguments.length;
    return run('key', 'deriveKey', () => {
      void this.#brand;
      need(n, 5, 'deriveKey');
      return [algorithmArg(algorithm), keyArg(baseKey, 'deriveKey'), algorithmArg(derivedKeyType), !!extractable, usagesArg(keyUsages)];
    });
  }
  deriveBits(algorithm: any, baseKey: any, length: any = null): Promise<ArrayBuffer> {
    const n = arguments.length;
    return run('buffer', 'deriveBits', () => {
      void this.#brand;
      need(n, 2, 'deriveBits');
      return [algorithmArg(algorithm), keyArg(baseKey, 'deriveBits'), length === null || length === undefined ? null : Number(length) >>> 0];
    });
  }
  importKey(format: any, keyData: any, algorithm: any, extractable: any, keyUsages: any): Promise<CryptoKey> {
    const n = arguments.length;
    return run('key', 'importKey', () => {
      void this.#brand;
      need(n, 5, 'importKey');
      const fmt = `${format}`;
      let data: any;
      if (fmt === 'jwk') {
        if (!isObject(keyData)) throw new TypeError("Failed to execute 'importKey' on 'SubtleCrypto': The provided value is not of type 'JsonWebKey'.");
        data = encode(keyData);
      } else {
        data = bufferArg(keyData, 'importKey');
      }
      return [fmt, data, algorithmArg(algorithm), !!extractable, usagesArg(keyUsages)];
    });
  }
  exportKey(format: any, key: any): Promise<any> {
    const n = arguments.length;
    return run('export', 'exportKey', () => { void this.#brand; need(n, 2, 'exportKey'); return [`${format}`, keyArg(key, 'exportKey')]; });
  }
  wrapKey(format: any, key: any, wrappingKey: any, wrapAlgorithm: any): Promise<ArrayBuffer> {
    const n = arguments.length;
    return run('buffer', 'wrapKey', () => {
      void this.#brand;
      need(n, 4, 'wrapKey');
      return [`${format}`, keyArg(key, 'wrapKey'), keyArg(wrappingKey, 'wrapKey'), algorithmArg(wrapAlgorithm)];
    });
  }
  unwrapKey(format: any, wrappedKey: any, unwrappingKey: any, unwrapAlgorithm: any, unwrappedKeyAlgorithm: any, extractable: any, keyUsages: any): Promise<CryptoKey> {
    const n = arguments.length;
    return run('key', 'unwrapKey', () => {
      void this.#brand;
      need(n, 7, 'unwrapKey');
      return [`${format}`, bufferArg(wrappedKey, 'unwrapKey'), keyArg(unwrappingKey, 'unwrapKey'), algorithmArg(unwrapAlgorithm),
        algorithmArg(unwrappedKeyAlgorithm), !!extractable, usagesArg(keyUsages)];
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Crypto

const INTEGER_ARRAYS = new Set(['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'BigInt64Array', 'BigUint64Array']);
const typedArrayTag = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), Symbol.toStringTag)!.get!;

let pool = new Uint8Array(0);
let poolPos = 0;
const POOL = 4096;

function randomBytesInto(dst: Uint8Array): void {
  const n = dst.length;
  if (n > POOL / 4) {
    dst.set(hostCall('random', n));
    return;
  }
  if (poolPos + n > pool.length) {
    pool = hostCall('random', POOL);
    poolPos = 0;
  }
  dst.set(pool.subarray(poolPos, poolPos + n));
  pool.fill(0, poolPos, poolPos + n);
  poolPos += n;
}

export class Crypto {
  get [Symbol.toStringTag](): string { return 'Crypto'; }
  #subtle: SubtleCrypto;
  constructor(key: any = undefined) {
    if (key !== ILLEGAL) throw new TypeError('Illegal constructor');
    this.#subtle = new SubtleCrypto(ILLEGAL);
  }
  get subtle(): SubtleCrypto { return this.#subtle; }
  getRandomValues<T>(array: T): T {
    void this.#subtle;
    if (arguments.length < 1) throw new TypeError("Failed to execute 'getRandomValues' on 'Crypto': 1 argument required, but only 0 present.");
    if (!ArrayBuffer.isView(array)) throw new TypeError("Failed to execute 'getRandomValues' on 'Crypto': parameter 1 is not of type 'ArrayBufferView'.");
    const name = typedArrayTag.call(array);
    if (!INTEGER_ARRAYS.has(name)) throw new DOMException(`Failed to execute 'getRandomValues' on 'Crypto': The provided ArrayBufferView is of type '${name ?? 'DataView'}', which is not an integer array type.`, 'TypeMismatchError');
    const view = array as unknown as ArrayBufferView;
    if (view.byteLength > 65536) throw new DOMException(`Failed to execute 'getRandomValues' on 'Crypto': The ArrayBufferView's byte length (${view.byteLength}) exceeds the number of bytes of entropy available via this API (65536).`, 'QuotaExceededError');
    if (view.byteLength > 0) randomBytesInto(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
    return array;
  }
  randomUUID(): string {
    void this.#subtle;
    const b = new Uint8Array(16);
    randomBytesInto(b);
    b[6] = (b[6]! & 0x0f) | 0x40;
    b[8] = (b[8]! & 0x3f) | 0x80;
    let h = '';
    for (let i = 0; i < 16; i++) {
      h += (b[i]! < 16 ? '0' : '') + b[i]!.toString(16);
      if (i === 3 || i === 5 || i === 7 || i === 9) h += '-';
    }
    return h;
  }
}

export function newCrypto(): Crypto {
  return new Crypto(ILLEGAL);
}

export function pendingCryptoCount(): number {
  return pending.size;
}
