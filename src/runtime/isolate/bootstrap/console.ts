// Console Standard namespace with Node-style formatting (printf-style specifiers and an
// util.inspect-lite for objects). Output goes to the host as one string per call.
import { hostCall } from './util.ts';

type Level = 'debug' | 'log' | 'info' | 'warn' | 'error';

/** Extra views for platform objects (Headers, Request, ...), registered by index.ts. */
export const inspectHooks = new Map<object, (v: any) => Record<string, any> | Map<any, any>>();
let inspectInit: (() => void) | null = null;
export function setInspectInit(fn: () => void): void {
  inspectInit = fn;
}

const objToString = Object.prototype.toString;
const fnToString = Function.prototype.toString;
const getProto = Object.getPrototypeOf;
const MAX_ITEMS = 100;
const MAX_STRING = 10000;
const BREAK = 72;

function quote(s: string): string {
  if (s.length > MAX_STRING) s = s.slice(0, MAX_STRING) + `... ${s.length - MAX_STRING} more characters`;
  const q = s.includes("'") ? (s.includes('"') ? (s.includes('`') ? "'" : '`') : '"') : "'";
  return q + s.replace(/[\\\n\r\t\b\f\v]/g, (c) => ({ '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f', '\v': '\\v' })[c]!)
    .split(q).join('\\' + q) + q;
}

function keyName(k: string | symbol): string {
  if (typeof k === 'symbol') return `[${k.toString()}]`;
  return /^[A-Za-z_$][\w$]*$/.test(k) ? k : quote(k);
}

function brand(v: any, fn: () => void): boolean {
  try {
    fn.call(v);
    return true;
  } catch {
    return false;
  }
}

const dateGetTime = Date.prototype.getTime;
const mapSize = Object.getOwnPropertyDescriptor(Map.prototype, 'size')!.get!;
const setSize = Object.getOwnPropertyDescriptor(Set.prototype, 'size')!.get!;
const regexpSource = Object.getOwnPropertyDescriptor(RegExp.prototype, 'source')!.get!;
const typedArrayTag = Object.getOwnPropertyDescriptor(getProto(Uint8Array.prototype), Symbol.toStringTag)!.get!;

function constructorName(v: any): string | null {
  let p = v;
  while (p !== null) {
    const d = Object.getOwnPropertyDescriptor(p, 'constructor');
    if (d && typeof d.value === 'function' && d.value.name) return d.value.name;
    p = getProto(p);
  }
  return null;
}

function wrap(open: string, items: string[], close: string, indent: string): string {
  if (items.length === 0) return open.trimEnd() + close.trimStart();
  const oneLine = `${open}${items.join(', ')}${close}`;
  if (oneLine.length + indent.length <= BREAK && !oneLine.includes('\n')) return oneLine;
  const pad = indent + '  ';
  return `${open.trimEnd()}\n${pad}${items.join(`,\n${pad}`)}\n${indent}${close.trimStart()}`;
}

export function inspect(v: any, depth = 2, seen: any[] = [], indent = ''): string {
  switch (typeof v) {
    case 'string': return quote(v);
    case 'number': return Object.is(v, -0) ? '-0' : `${v}`;
    case 'bigint': return `${v}n`;
    case 'boolean': return `${v}`;
    case 'undefined': return 'undefined';
    case 'symbol': return v.toString();
    case 'function': {
      const src = (() => { try { return fnToString.call(v); } catch { return ''; } })();
      if (src.startsWith('class')) return `[class ${v.name || '(anonymous)'}]`;
      return v.name ? `[Function: ${v.name}]` : '[Function (anonymous)]';
    }
  }
  if (v === null) return 'null';
  if (seen.includes(v)) return '[Circular *1]';
  try {
    return inspectObject(v, depth, seen, indent);
  } catch {
    return `[${objToString.call(v).slice(8, -1)}]`;
  }
}

function inspectObject(v: any, depth: number, seen: any[], indent: string): string {
  if (inspectInit !== null) {
    const init = inspectInit;
    inspectInit = null;
    init();
  }
  if (v instanceof Error || (typeof v.stack === 'string' && typeof v.message === 'string' && 'name' in v)) {
    const stack = typeof v.stack === 'string' && v.stack ? v.stack : `${v.name}: ${v.message}`;
    return indent ? stack.split('\n').join('\n' + indent) : stack;
  }
  if (brand(v, dateGetTime)) {
    const t = dateGetTime.call(v);
    return Number.isNaN(t) ? 'Invalid Date' : new Date(t).toISOString();
  }
  if (brand(v, regexpSource)) return RegExp.prototype.toString.call(v);
  const next = seen.concat([v]);
  const inner = indent + '  ';
  if (ArrayBuffer.isView(v)) {
    const name = typedArrayTag.call(v);
    if (name) {
      const arr = v as any;
      const items: string[] = [];
      const n = Math.min(arr.length, MAX_ITEMS);
      for (let i = 0; i < n; i++) items.push(inspect(arr[i], depth - 1, next, inner));
      if (arr.length > n) items.push(`... ${arr.length - n} more items`);
      return wrap(`${name}(${arr.length}) [ `, items, ' ]', indent);
    }
    return `DataView { byteLength: ${v.byteLength}, byteOffset: ${v.byteOffset} }`;
  }
  if (v instanceof ArrayBuffer) {
    const bytes = new Uint8Array(v, 0, Math.min(v.byteLength, 50));
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
    return `ArrayBuffer { [Uint8Contents]: <${hex}${v.byteLength > 50 ? ` ... ${v.byteLength - 50} more bytes` : ''}>, byteLength: ${v.byteLength} }`;
  }
  if (brand(v, mapSize)) {
    if (depth < 0) return '[Map]';
    const items: string[] = [];
    for (const [k, val] of Map.prototype.entries.call(v)) {
      if (items.length >= MAX_ITEMS) { items.push(`... ${mapSize.call(v) - MAX_ITEMS} more items`); break; }
      items.push(`${inspect(k, depth - 1, next, inner)} => ${inspect(val, depth - 1, next, inner)}`);
    }
    return wrap(`Map(${mapSize.call(v)}) { `, items, ' }', indent);
  }
  if (brand(v, setSize)) {
    if (depth < 0) return '[Set]';
    const items: string[] = [];
    for (const val of Set.prototype.values.call(v)) {
      if (items.length >= MAX_ITEMS) { items.push(`... ${setSize.call(v) - MAX_ITEMS} more items`); break; }
      items.push(inspect(val, depth - 1, next, inner));
    }
    return wrap(`Set(${setSize.call(v)}) { `, items, ' }', indent);
  }
  if (v instanceof Promise) return 'Promise { <unknown> }';
  if (v instanceof WeakMap) return 'WeakMap { <items unknown> }';
  if (v instanceof WeakSet) return 'WeakSet { <items unknown> }';
  if (Array.isArray(v)) {
    if (depth < 0) return '[Array]';
    const items: string[] = [];
    let holes = 0;
    const n = Math.min(v.length, MAX_ITEMS);
    for (let i = 0; i < n; i++) {
      if (!(i in v)) { holes++; continue; }
      if (holes) { items.push(`<${holes} empty item${holes > 1 ? 's' : ''}>`); holes = 0; }
      items.push(inspect(v[i], depth - 1, next, inner));
    }
    if (holes) items.push(`<${holes} empty item${holes > 1 ? 's' : ''}>`);
    if (v.length > n) items.push(`... ${v.length - n} more items`);
    for (const k of Object.keys(v)) {
      if (/^\d+$/.test(k)) continue;
      items.push(`${keyName(k)}: ${inspect(v[k], depth - 1, next, inner)}`);
    }
    return wrap('[ ', items, ' ]', indent);
  }
  // Platform objects with a registered view
  let p = getProto(v);
  while (p !== null) {
    const hook = inspectHooks.get(p);
    if (hook) {
      const name = constructorName(v) ?? 'Object';
      if (depth < 0) return `[${name}]`;
      const view = hook(v);
      const items: string[] = [];
      if (view instanceof Map) {
        for (const [k, val] of view) items.push(`${inspect(k, depth - 1, next, inner)} => ${inspect(val, depth - 1, next, inner)}`);
      } else {
        for (const k of Object.keys(view)) items.push(`${keyName(k)}: ${inspect(view[k], depth - 1, next, inner)}`);
      }
      return wrap(`${name} { `, items, ' }', indent);
    }
    p = getProto(p);
  }
  const proto = getProto(v);
  let prefix = '';
  if (proto === null) prefix = '[Object: null prototype] ';
  else if (proto !== Object.prototype) {
    const name = constructorName(v);
    const tag = v[Symbol.toStringTag];
    prefix = name && name !== 'Object' ? `${name} ` : '';
    if (typeof tag === 'string' && tag !== name) prefix += `[${tag}] `;
  }
  if (depth < 0) return `[${prefix.trim() || 'Object'}]`;
  const items: string[] = [];
  const keys = Reflect.ownKeys(v);
  for (const k of keys) {
    const d = Object.getOwnPropertyDescriptor(v, k);
    if (!d || !d.enumerable) continue;
    if (items.length >= MAX_ITEMS) { items.push('...'); break; }
    let val: string;
    if ('value' in d) val = inspect(d.value, depth - 1, next, inner);
    else val = d.get && d.set ? '[Getter/Setter]' : d.get ? '[Getter]' : '[Setter]';
    items.push(`${keyName(k)}: ${val}`);
  }
  return wrap(`${prefix}{ `, items, ' }', indent);
}

/** Node's util.format: printf-style specifiers in a leading string, then the rest joined by spaces. */
export function format(args: any[]): string {
  let out = '';
  let i = 0;
  if (typeof args[0] === 'string' && args.length > 1 && args[0].includes('%')) {
    const f = args[0];
    i = 1;
    let last = 0;
    for (let j = 0; j < f.length - 1; j++) {
      if (f.charCodeAt(j) !== 37) continue;
      const c = f[j + 1];
      let rep: string | null = null;
      if (c === '%') {
        out += f.slice(last, j) + '%';
        last = j + 2;
        j++;
        continue;
      }
      if (i >= args.length) continue;
      const a = args[i];
      switch (c) {
        case 's': rep = typeof a === 'string' ? a : typeof a === 'bigint' ? `${a}n` : typeof a === 'symbol' ? a.toString() : typeof a === 'object' && a !== null ? inspect(a, 1) : `${a}`; break;
        case 'd': case 'i': rep = typeof a === 'bigint' ? `${a}n` : typeof a === 'symbol' ? 'NaN' : `${c === 'i' ? parseInt(a) : Number(a)}`; break;
        case 'f': rep = typeof a === 'symbol' ? 'NaN' : `${parseFloat(a)}`; break;
        case 'j': try { rep = JSON.stringify(a); } catch { rep = '[Circular]'; } break;
        case 'o': case 'O': rep = inspect(a, c === 'o' ? 4 : 2); break;
        case 'c': rep = ''; break;
      }
      if (rep === null) continue;
      out += f.slice(last, j) + rep;
      last = j + 2;
      j++;
      i++;
    }
    out += f.slice(last);
  } else if (args.length > 0) {
    const a = args[0];
    out = typeof a === 'string' ? a : inspect(a);
    i = 1;
  }
  for (; i < args.length; i++) {
    const a = args[i];
    out += ' ' + (typeof a === 'string' ? a : inspect(a));
  }
  return out;
}

let groupIndent = '';
const counts = new Map<string, number>();
const timers = new Map<string, number>();

function emit(level: Level, message: string): void {
  if (groupIndent) message = groupIndent + message.split('\n').join('\n' + groupIndent);
  hostCall('log', level, message);
}

function now(): number {
  return hostCall('now');
}

function label(l: any): string {
  return l === undefined ? 'default' : `${l}`;
}

function table(data: any): string {
  if (data === null || typeof data !== 'object') return format([data]);
  const rows = data instanceof Map ? [...data.entries()].map(([k, v]) => [k, v]) : Object.keys(data).map((k) => [k, data[k]]);
  const cols: string[] = [];
  for (const [, v] of rows) {
    if (v !== null && typeof v === 'object') for (const c of Object.keys(v)) if (!cols.includes(c)) cols.push(c);
  }
  const hasValues = rows.some(([, v]) => v === null || typeof v !== 'object');
  const header = ['(index)', ...cols, ...(hasValues ? ['Values'] : [])];
  const body = rows.map(([k, v]) => [
    `${k}`,
    ...cols.map((c) => (v !== null && typeof v === 'object' && c in v ? inspect(v[c], 0) : '')),
    ...(hasValues ? [v !== null && typeof v === 'object' ? '' : inspect(v, 0)] : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)) + 2);
  const line = (l: string, m: string, r: string) => l + widths.map((w) => '─'.repeat(w)).join(m) + r;
  const row = (cells: string[]) => '│' + cells.map((c, i) => {
    const w = widths[i]!, left = Math.floor((w - c.length) / 2);
    return ' '.repeat(left) + c + ' '.repeat(w - c.length - left);
  }).join('│') + '│';
  return [line('┌', '┬', '┐'), row(header), line('├', '┼', '┤'), ...body.map(row), line('└', '┴', '┘')].join('\n');
}

export function makeConsole(): any {
  const c: any = {
    log: (...a: any[]) => emit('log', format(a)),
    info: (...a: any[]) => emit('info', format(a)),
    debug: (...a: any[]) => emit('debug', format(a)),
    warn: (...a: any[]) => emit('warn', format(a)),
    error: (...a: any[]) => emit('error', format(a)),
    trace: (...a: any[]) => {
      const stack = (new Error().stack ?? '').split('\n').slice(2).join('\n');
      emit('log', `Trace${a.length ? ': ' + format(a) : ''}\n${stack}`);
    },
    dir: (item: any) => emit('log', typeof item === 'string' ? quote(item) : inspect(item)),
    dirxml: (...a: any[]) => emit('log', format(a)),
    table: (data: any) => emit('log', table(data)),
    assert: (condition: any = false, ...a: any[]) => {
      if (condition) return;
      if (typeof a[0] === 'string') a[0] = `Assertion failed: ${a[0]}`;
      else a.unshift('Assertion failed');
      emit('error', format(a));
    },
    clear: () => {},
    count: (l: any = undefined) => {
      const k = label(l);
      const n = (counts.get(k) ?? 0) + 1;
      counts.set(k, n);
      emit('info', `${k}: ${n}`);
    },
    countReset: (l: any = undefined) => {
      const k = label(l);
      if (counts.has(k)) counts.set(k, 0);
      else emit('warn', `Count for '${k}' does not exist`);
    },
    group: (...a: any[]) => {
      if (a.length) emit('log', format(a));
      groupIndent += '  ';
    },
    groupCollapsed: (...a: any[]) => {
      if (a.length) emit('log', format(a));
      groupIndent += '  ';
    },
    groupEnd: () => {
      groupIndent = groupIndent.slice(0, -2);
    },
    time: (l: any = undefined) => {
      const k = label(l);
      if (timers.has(k)) emit('warn', `Timer '${k}' already exists`);
      else timers.set(k, now());
    },
    timeEnd: (l: any = undefined) => {
      const k = label(l);
      const t = timers.get(k);
      if (t === undefined) { emit('warn', `Timer '${k}' does not exist`); return; }
      timers.delete(k);
      emit('log', `${k}: ${(now() - t).toFixed(3)}ms`);
    },
    timeLog: (l: any = undefined, ...a: any[]) => {
      const k = label(l);
      const t = timers.get(k);
      if (t === undefined) { emit('warn', `Timer '${k}' does not exist`); return; }
      emit('log', `${k}: ${(now() - t).toFixed(3)}ms${a.length ? ' ' + format(a) : ''}`);
    },
  };
  Object.defineProperty(c, Symbol.toStringTag, { value: 'console', configurable: true });
  return c;
}
