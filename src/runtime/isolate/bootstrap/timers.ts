// HTML §8.6 timers (one map of active timers shared by timeouts and intervals, host clock) and
// §8.5 queueMicrotask. The host owns the real timers; the isolate keeps the callbacks.
import { hooks } from './events.ts';
import { hostCall, requireArgs } from './util.ts';

interface Timer { fn: (...a: any[]) => void; args: any[]; repeat: number }

const active = new Map<number, Timer>();
const internal = new Map<number, () => void>();
let nextId = 1;
const MAX_DELAY = 2147483647;
/** Each active timer is a host timer: a function instance may hold this many at once. */
export const MAX_TIMERS = 10000;

function checkCapacity(): void {
  if (active.size + internal.size >= MAX_TIMERS) {
    throw new RangeError(`Too many active timers: a function instance may have at most ${MAX_TIMERS}`);
  }
}

function delayOf(timeout: any): number {
  let ms = Number(timeout);
  if (!(ms > 0)) ms = 0;
  if (ms > MAX_DELAY) ms = MAX_DELAY;
  return Math.trunc(ms);
}

function callbackOf(handler: any, what: string): (...a: any[]) => void {
  if (typeof handler === 'function') return handler;
  throw new TypeError(`Failed to execute '${what}': parameter 1 is not a function (string handlers are not supported).`);
}

export function setTimeout(handler: any, timeout: any = 0, ...args: any[]): number {
  const fn = callbackOf(handler, 'setTimeout');
  checkCapacity();
  const id = nextId++;
  active.set(id, { fn, args, repeat: -1 });
  hostCall('timer', id, delayOf(timeout));
  return id;
}

export function setInterval(handler: any, timeout: any = 0, ...args: any[]): number {
  const fn = callbackOf(handler, 'setInterval');
  checkCapacity();
  const id = nextId++;
  const ms = delayOf(timeout);
  active.set(id, { fn, args, repeat: ms });
  hostCall('timer', id, ms);
  return id;
}

export function clearTimeout(id: any = undefined): void {
  const n = Number(id);
  if (active.delete(n)) hostCall('clear', n);
}

export function clearInterval(id: any = undefined): void {
  clearTimeout(id);
}

/** A timer for platform internals (AbortSignal.timeout): user code cannot clear it by id. */
export function internalSetTimeout(fn: () => void, ms: number): number {
  checkCapacity();
  const id = nextId++;
  internal.set(id, fn);
  hostCall('timer', id, delayOf(ms));
  return id;
}

export function internalClearTimeout(id: number): void {
  if (internal.delete(id)) hostCall('clear', id);
}

/** Called by the host when timer `id` is due. */
export function fireTimer(id: number): void {
  const t = active.get(id);
  if (t === undefined) {
    const f = internal.get(id);
    if (f !== undefined) {
      internal.delete(id);
      try { f(); } catch (e) { hooks.reportException(e); }
    }
    return;
  }
  if (t.repeat >= 0) hostCall('timer', id, t.repeat);
  else active.delete(id);
  try {
    t.fn.apply(globalThis, t.args);
  } catch (e) {
    hooks.reportException(e);
  }
}

const then = Promise.prototype.then;
const resolved = Promise.resolve();

export function queueMicrotask(callback: any): void {
  requireArgs(arguments.length, 1, "'queueMicrotask'");
  if (typeof callback !== 'function') throw new TypeError("Failed to execute 'queueMicrotask': parameter 1 is not of type 'Function'.");
  then.call(resolved, () => {
    try {
      callback();
    } catch (e) {
      hooks.reportException(e);
    }
  });
}

/** Number of active user timers (for tests and diagnostics). */
export function activeTimerCount(): number {
  return active.size + internal.size;
}
