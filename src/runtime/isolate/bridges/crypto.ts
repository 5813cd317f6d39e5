// Host half of SubtleCrypto: runs each operation in Node's WebCrypto. Keys never leave the host;
// the isolate refers to them by handle. Arguments arrive as copies (buffers as Uint8Array, keys as
// { __cairnCryptoKey: handle }) and results go back as copies.
import { webcrypto } from 'node:crypto';

const KEY_MARK = '__cairnCryptoKey';
const subtle = webcrypto.subtle as any;

export interface CryptoFailure { name: string; message: string; dom: boolean }

// WebCrypto "normalize usages": the recognized order.
const USAGE_ORDER = ['encrypt', 'decrypt', 'sign', 'verify', 'deriveKey', 'deriveBits', 'wrapKey', 'unwrapKey'];

const NodeCryptoKey: any = (globalThis as any).CryptoKey ?? (webcrypto as any).CryptoKey;

function isCryptoKey(v: unknown): v is webcrypto.CryptoKey {
  if (typeof NodeCryptoKey === 'function') return v instanceof NodeCryptoKey;
  return !!v && typeof v === 'object' && 'algorithm' in v && 'usages' in v && 'type' in v && 'extractable' in v;
}

export class CryptoBridge {
  readonly #keys = new Map<number, webcrypto.CryptoKey>();
  #next = 1;

  /** Number of keys held for this context. */
  get size(): number {
    return this.#keys.size;
  }

  release(): void {
    this.#keys.clear();
  }

  /** The isolate no longer refers to `handle`. */
  drop(handle: number): void {
    this.#keys.delete(handle);
  }

  #decode(v: unknown): unknown {
    if (v === null || typeof v !== 'object') return v;
    if (v instanceof Uint8Array) return v;
    if (Array.isArray(v)) return v.map((x) => this.#decode(x));
    const o = v as Record<string, unknown>;
    if (KEY_MARK in o) {
      const key = this.#keys.get(Number(o[KEY_MARK]));
      if (!key) throw new TypeError('The CryptoKey is not valid in this context');
      return key;
    }
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o)) out[k] = this.#decode(o[k]);
    return out;
  }

  #keyInfo(key: webcrypto.CryptoKey): Record<string, unknown> {
    const handle = this.#next++;
    this.#keys.set(handle, key);
    return {
      handle,
      type: key.type,
      extractable: key.extractable,
      algorithm: structuredClone(key.algorithm),
      usages: [...key.usages].sort((a, b) => USAGE_ORDER.indexOf(a) - USAGE_ORDER.indexOf(b)),
    };
  }

  #encode(result: unknown): unknown {
    if (result instanceof ArrayBuffer) return new Uint8Array(result);
    if (typeof result === 'boolean') return result;
    if (isCryptoKey(result)) return this.#keyInfo(result);
    if (result && typeof result === 'object' && 'publicKey' in result && 'privateKey' in result) {
      const pair = result as webcrypto.CryptoKeyPair;
      return { publicKey: this.#keyInfo(pair.publicKey), privateKey: this.#keyInfo(pair.privateKey) };
    }
    if (result && typeof result === 'object') return JSON.parse(JSON.stringify(result));
    return result;
  }

  /** Runs `op`; resolves with a copyable result or rejects with a CryptoFailure. */
  async run(op: string, rawArgs: unknown[]): Promise<unknown> {
    try {
      const args = (Array.isArray(rawArgs) ? rawArgs : []).map((a) => this.#decode(a));
      let result: unknown;
      switch (op) {
        case 'encrypt': case 'decrypt': case 'sign': case 'verify': case 'digest':
        case 'generateKey': case 'deriveKey': case 'importKey': case 'exportKey':
        case 'wrapKey': case 'unwrapKey':
          result = await subtle[op](...args);
          break;
        case 'deriveBits':
          result = await subtle.deriveBits(args[0], args[1], args[2] ?? null);
          break;
        default:
          throw new TypeError(`Unknown SubtleCrypto operation ${op}`);
      }
      return this.#encode(result);
    } catch (err) {
      const e = err as Error;
      let name = typeof e?.name === 'string' ? e.name : 'OperationError';
      // Node 20 names a few DOMExceptions "...Exception" (e.g. InvalidAccessException).
      if (name.endsWith('Exception') && name !== 'DOMException') name = name.slice(0, -'Exception'.length) + 'Error';
      const failure: CryptoFailure = {
        name,
        message: typeof e?.message === 'string' ? e.message : 'The operation failed',
        dom: typeof DOMException === 'function' && err instanceof DOMException,
      };
      throw failure;
    }
  }
}
