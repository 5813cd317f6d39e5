// HTML §2.7 structured serialization: StructuredSerializeWithTransfer into an intermediate record
// graph, then transfer, then StructuredDeserialize — so that nothing is detached when serialization
// fails, as the standard requires. Platform objects register how they serialize/transfer.
import { DOMException } from './domexception.ts';
import { isArrayBuffer, isDetached, isSharedArrayBuffer, requireArgs, toSequence, transferBuffer } from './util.ts';

export interface SerializableHook {
  test: (v: any) => boolean;
  serialize: (v: any) => any;
  deserialize: (data: any) => any;
}
export interface TransferableHook {
  test: (v: any) => boolean;
  /** DataCloneError message when `v` cannot be transferred now (detached, closed...), else null. */
  check: (v: any) => string | null;
  transfer: (v: any) => any;
  receive: (data: any) => any;
}

const serializables: SerializableHook[] = [];
const transferables: TransferableHook[] = [];
const platformPrototypes = new Set<object>();

let init: (() => void) | null = null;
/** Registrations that can wait until the first clone (they cost startup time otherwise). */
export function setStructuredCloneInit(fn: () => void): void { init = fn; }
function ensureInit(): void {
  if (init !== null) {
    const f = init;
    init = null;
    f();
  }
}

export function registerSerializable(h: SerializableHook): void { serializables.push(h); }
export function registerTransferable(h: TransferableHook): void { transferables.push(h); }
/** Prototypes of platform objects that are neither serializable nor transferable. */
export function registerPlatformPrototypes(protos: object[]): void { for (const p of protos) platformPrototypes.add(p); }

const cloneError = (what: string) => new DOMException(`${what} could not be cloned.`, 'DataCloneError');

const getProto = Object.getPrototypeOf;
const getter = (proto: any, key: PropertyKey) => Object.getOwnPropertyDescriptor(proto, key)!.get!;

/** Brand-checking functions, looked up on the first clone (not in every cold start). */
let B: {
  booleanValueOf: any; numberValueOf: any; stringValueOf: any; bigintValueOf: any; symbolValueOf: any;
  dateGetTime: any; regexpSource: any; regexpFlags: any; mapSize: any; setSize: any;
  weakMapHas: any; weakSetHas: any; weakRefDeref: any; typedArrayTag: any;
} | null = null;
function brands() {
  return (B ??= {
    booleanValueOf: Boolean.prototype.valueOf,
    numberValueOf: Number.prototype.valueOf,
    stringValueOf: String.prototype.valueOf,
    bigintValueOf: BigInt.prototype.valueOf,
    symbolValueOf: Symbol.prototype.valueOf,
    dateGetTime: Date.prototype.getTime,
    regexpSource: getter(RegExp.prototype, 'source'),
    regexpFlags: getter(RegExp.prototype, 'flags'),
    mapSize: getter(Map.prototype, 'size'),
    setSize: getter(Set.prototype, 'size'),
    weakMapHas: WeakMap.prototype.has,
    weakSetHas: WeakSet.prototype.has,
    weakRefDeref: WeakRef.prototype.deref,
    typedArrayTag: getter(getProto(Uint8Array.prototype), Symbol.toStringTag),
  });
}

function has(fn: any, v: any, arg?: any): boolean {
  try {
    fn.call(v, arg);
    return true;
  } catch {
    return false;
  }
}

const ERROR_CTORS: Record<string, ErrorConstructor> = {
  Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError,
};

const VIEW_CTORS: Record<string, any> = {
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array, DataView,
};

// Record kinds
type Rec = { k: string; [x: string]: any };

function isPlatformObject(v: any): boolean {
  let p = getProto(v);
  while (p !== null) {
    if (platformPrototypes.has(p)) return true;
    p = getProto(p);
  }
  return false;
}

function serialize(value: any, memory: Map<any, Rec>): any {
  const { booleanValueOf, numberValueOf, stringValueOf, bigintValueOf, symbolValueOf, dateGetTime, regexpSource,
    regexpFlags, mapSize, setSize, weakMapHas, weakSetHas, weakRefDeref, typedArrayTag } = brands();
  const t = typeof value;
  if (t === 'symbol') throw cloneError('Symbol()');
  if (t === 'function') throw cloneError(`function ${value.name || ''}`);
  if (t !== 'object' || value === null) return value;
  const seen = memory.get(value);
  if (seen !== undefined) return seen;

  let rec: Rec;
  if (Array.isArray(value)) {
    rec = { k: 'array', length: value.length, props: [] };
    memory.set(value, rec);
    for (const key of Object.keys(value)) rec.props.push([key, serialize(value[key], memory)]);
    return rec;
  }
  if (ArrayBuffer.isView(value)) {
    const name = typedArrayTag.call(value) ?? 'DataView';
    const buffer = (value as any).buffer;
    rec = { k: 'view', name, buffer: null, byteOffset: value.byteOffset, length: name === 'DataView' ? value.byteLength : (value as any).length };
    memory.set(value, rec);
    if (isDetached(buffer)) throw cloneError('A view on a detached ArrayBuffer');
    rec.buffer = serialize(buffer, memory);
    return rec;
  }
  if (isArrayBuffer(value)) {
    if (isDetached(value)) throw cloneError('A detached ArrayBuffer');
    rec = { k: 'ab', data: value.slice(0) };
    memory.set(value, rec);
    return rec;
  }
  if (isSharedArrayBuffer(value)) {
    rec = { k: 'sab', sab: value };
    memory.set(value, rec);
    return rec;
  }
  if (has(booleanValueOf, value)) rec = { k: 'prim', v: booleanValueOf.call(value) };
  else if (has(numberValueOf, value)) rec = { k: 'prim', v: numberValueOf.call(value) };
  else if (has(stringValueOf, value)) rec = { k: 'prim', v: stringValueOf.call(value) };
  else if (has(bigintValueOf, value)) rec = { k: 'prim', v: bigintValueOf.call(value) };
  else if (has(symbolValueOf, value)) throw cloneError('Symbol object');
  else if (has(dateGetTime, value)) rec = { k: 'date', v: dateGetTime.call(value) };
  else if (has(regexpSource, value) && value !== RegExp.prototype) rec = { k: 'regexp', source: regexpSource.call(value), flags: regexpFlags.call(value) };
  else if (has(mapSize, value)) {
    rec = { k: 'map', entries: [] };
    memory.set(value, rec);
    const entries = [...Map.prototype.entries.call(value)];
    for (const [k, v] of entries) rec.entries.push([serialize(k, memory), serialize(v, memory)]);
    return rec;
  } else if (has(setSize, value)) {
    rec = { k: 'set', values: [] };
    memory.set(value, rec);
    const values = [...Set.prototype.values.call(value)];
    for (const v of values) rec.values.push(serialize(v, memory));
    return rec;
  } else if (has(weakMapHas, value, {}) || has(weakSetHas, value, {}) || has(weakRefDeref, value)) {
    throw cloneError(`#<${value.constructor?.name ?? 'Object'}>`);
  } else if (value instanceof Promise) {
    throw cloneError('#<Promise>');
  } else {
    const hook = serializables.find((h) => h.test(value));
    if (hook) {
      rec = { k: 'platform', hook, data: hook.serialize(value) };
    } else if (transferables.some((h) => h.test(value))) {
      throw cloneError(`#<${value.constructor?.name ?? 'Object'}> (it can only be transferred)`);
    } else if (value instanceof Error) {
      let name = value.name;
      if (!Object.prototype.hasOwnProperty.call(ERROR_CTORS, name)) name = 'Error';
      const desc = Object.getOwnPropertyDescriptor(value, 'message');
      rec = { k: 'error', name, message: desc && 'value' in desc ? `${desc.value}` : undefined, stack: undefined as any };
      const s = (value as any).stack;
      if (typeof s === 'string') rec.stack = s;
    } else if (isPlatformObject(value)) {
      throw cloneError(`#<${value.constructor?.name ?? 'Object'}>`);
    } else {
      rec = { k: 'object', props: [] };
      memory.set(value, rec);
      for (const key of Object.keys(value)) rec.props.push([key, serialize(value[key], memory)]);
      return rec;
    }
  }
  memory.set(value, rec);
  return rec;
}

function deserialize(v: any, memory: Map<Rec, any>, transferred: Map<Rec, any>): any {
  if (v === null || typeof v !== 'object') return v;
  const rec = v as Rec;
  const done = memory.get(rec);
  if (done !== undefined) return done;
  let out: any;
  switch (rec.k) {
    case 'array':
      out = new Array(rec.length);
      memory.set(rec, out);
      for (const [key, val] of rec.props) out[key] = deserialize(val, memory, transferred);
      return out;
    case 'object':
      out = {};
      memory.set(rec, out);
      for (const [key, val] of rec.props) out[key] = deserialize(val, memory, transferred);
      return out;
    case 'ab':
      out = transferred.has(rec) ? transferred.get(rec) : rec.data;
      break;
    case 'sab':
      out = rec.sab;
      break;
    case 'view': {
      const buffer = deserialize(rec.buffer, memory, transferred);
      out = new VIEW_CTORS[rec.name](buffer, rec.byteOffset, rec.length);
      break;
    }
    case 'prim':
      out = Object(rec.v);
      break;
    case 'date':
      out = new Date(rec.v);
      break;
    case 'regexp':
      out = new RegExp(rec.source, rec.flags);
      break;
    case 'map':
      out = new Map();
      memory.set(rec, out);
      for (const [k, val] of rec.entries) out.set(deserialize(k, memory, transferred), deserialize(val, memory, transferred));
      return out;
    case 'set':
      out = new Set();
      memory.set(rec, out);
      for (const val of rec.values) out.add(deserialize(val, memory, transferred));
      return out;
    case 'error': {
      const C = ERROR_CTORS[rec.name]!;
      out = rec.message === undefined ? new C() : new C(rec.message);
      if (rec.stack !== undefined) Object.defineProperty(out, 'stack', { value: rec.stack, writable: true, configurable: true });
      break;
    }
    case 'platform':
      out = rec.hook.deserialize(rec.data);
      break;
    case 'transfer':
      out = transferred.get(rec);
      break;
    default:
      throw cloneError('value');
  }
  memory.set(rec, out);
  return out;
}

/** StructuredSerializeWithTransfer + StructuredDeserializeWithTransfer in one step. */
export function cloneWithTransfer(value: any, transferList: any[]): any {
  ensureInit();
  const memory = new Map<any, Rec>();
  const transferRecs: Array<[any, Rec, TransferableHook | null]> = [];
  for (const t of transferList) {
    if (memory.has(t)) throw cloneError('A duplicate entry in the transfer list');
    if (isArrayBuffer(t)) {
      if (isDetached(t)) throw cloneError('A detached ArrayBuffer in the transfer list');
      const rec: Rec = { k: 'ab', data: null };
      memory.set(t, rec);
      transferRecs.push([t, rec, null]);
      continue;
    }
    const hook = transferables.find((h) => h.test(t));
    if (!hook) throw cloneError('A value in the transfer list that is not transferable');
    const problem = hook.check(t);
    if (problem !== null) throw cloneError(problem);
    const rec: Rec = { k: 'transfer' };
    memory.set(t, rec);
    transferRecs.push([t, rec, hook]);
  }
  const serialized = serialize(value, memory);
  const transferred = new Map<Rec, any>();
  for (const [t, rec, hook] of transferRecs) {
    if (hook === null) transferred.set(rec, transferBuffer(t));
    else transferred.set(rec, hook.receive(hook.transfer(t)));
  }
  return deserialize(serialized, new Map(), transferred);
}

export function structuredClone(value: any, options: any = undefined): any {
  requireArgs(arguments.length, 1, "'structuredClone'");
  let transfer: any[] = [];
  if (options !== undefined && options !== null) {
    if (typeof options !== 'object' && typeof options !== 'function') throw new TypeError("Failed to execute 'structuredClone': The provided value is not of type 'StructuredSerializeOptions'.");
    if (options.transfer !== undefined) transfer = toSequence(options.transfer, "'structuredClone': member transfer");
  }
  return cloneWithTransfer(value, transfer);
}
