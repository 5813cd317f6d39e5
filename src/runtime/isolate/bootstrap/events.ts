// DOM §2 events: Event, CustomEvent, EventTarget (listener options capture/once/passive/signal,
// the dispatch algorithm for a target without parents), and the HTML event interfaces
// ErrorEvent, PromiseRejectionEvent and MessageEvent. Event handler IDL attributes (onabort, ...).
import { DOMException } from './domexception.ts';
import { coarseNow, dict, requireArgs, toStr } from './util.ts';

const NONE = 0, CAPTURING_PHASE = 1, AT_TARGET = 2, BUBBLING_PHASE = 3;

/** Set by global.ts: "report an exception" (listener errors go to the global's error event). */
export const hooks: {
  reportException: (e: any) => void;
  isMessagePort: (v: any) => boolean;
  isAbortSignal: (v: any) => boolean;
  addAbortAlgorithm: (signal: any, fn: () => void) => void;
} = {
  reportException: () => {},
  isMessagePort: () => false,
  isAbortSignal: () => false,
  addAbortAlgorithm: () => {},
};

function isTrustedGetter(this: any): boolean {
  return eventInternals.trusted(this);
}

let eventInternals: {
  trusted: (e: any) => boolean;
  setTrusted: (e: any) => void;
  check: (e: any) => boolean;
  begin: (e: any, target: any) => boolean;
  phase: (e: any, p: number) => void;
  end: (e: any) => boolean;
  stopped: (e: any) => boolean;
  stoppedImmediate: (e: any) => boolean;
  passive: (e: any, on: boolean) => void;
  type: (e: any) => string;
  dispatching: (e: any) => boolean;
};

export class Event {
  get [Symbol.toStringTag](): string { return 'Event'; }
  #type: string;
  #bubbles = false;
  #cancelable = false;
  #composed = false;
  #target: any = null;
  #currentTarget: any = null;
  #phase = NONE;
  #stop = false;
  #stopImmediate = false;
  #canceled = false;
  #inPassive = false;
  #dispatching = false;
  #trusted = false;
  #timeStamp: number;

  constructor(type: any, eventInitDict: any = undefined) {
    requireArgs(arguments.length, 1, "'Event' constructor");
    this.#type = toStr(type);
    const init = dict(eventInitDict, 'EventInit');
    this.#bubbles = !!init.bubbles;
    this.#cancelable = !!init.cancelable;
    this.#composed = !!init.composed;
    this.#timeStamp = coarseNow();
    Object.defineProperty(this, 'isTrusted', { get: isTrustedGetter, enumerable: true, configurable: false });
  }

  get type(): string { return this.#type; }
  get target(): any { return this.#target; }
  get srcElement(): any { return this.#target; }
  get currentTarget(): any { return this.#currentTarget; }
  composedPath(): any[] { return this.#dispatching && this.#currentTarget !== null ? [this.#currentTarget] : []; }
  get eventPhase(): number { return this.#phase; }
  stopPropagation(): void { this.#stop = true; }
  get cancelBubble(): boolean { return this.#stop; }
  set cancelBubble(v: any) { if (v) this.#stop = true; }
  stopImmediatePropagation(): void { this.#stop = true; this.#stopImmediate = true; }
  get bubbles(): boolean { return this.#bubbles; }
  get cancelable(): boolean { return this.#cancelable; }
  get returnValue(): boolean { return !this.#canceled; }
  set returnValue(v: any) { if (!v) this.#cancel(); }
  preventDefault(): void { this.#cancel(); }
  get defaultPrevented(): boolean { return this.#canceled; }
  get composed(): boolean { return this.#composed; }
  get timeStamp(): number { return this.#timeStamp; }
  initEvent(type: any, bubbles: any = false, cancelable: any = false): void {
    requireArgs(arguments.length, 1, "'initEvent' on 'Event'");
    if (this.#dispatching) return;
    this.#type = toStr(type);
    this.#bubbles = !!bubbles;
    this.#cancelable = !!cancelable;
    this.#stop = this.#stopImmediate = this.#canceled = false;
    this.#trusted = false;
    this.#target = null;
  }

  #cancel(): void {
    if (this.#cancelable && !this.#inPassive) this.#canceled = true;
  }

  static {
    eventInternals = {
      trusted: (e) => e.#trusted,
      setTrusted: (e) => { e.#trusted = true; },
      check: (e) => e !== null && typeof e === 'object' && #type in e,
      begin: (e, target) => {
        if (e.#dispatching) return false;
        e.#dispatching = true;
        e.#target = target;
        e.#currentTarget = target;
        return true;
      },
      phase: (e, p) => { e.#phase = p; },
      end: (e) => {
        e.#phase = NONE;
        e.#currentTarget = null;
        e.#dispatching = false;
        e.#stop = false;
        e.#stopImmediate = false;
        return !e.#canceled;
      },
      stopped: (e) => e.#stop,
      stoppedImmediate: (e) => e.#stopImmediate,
      passive: (e, on) => { e.#inPassive = on; },
      type: (e) => e.#type,
      dispatching: (e) => e.#dispatching,
    };
  }
}
{
  const phases: PropertyDescriptorMap = {
    NONE: { value: NONE, enumerable: true }, CAPTURING_PHASE: { value: CAPTURING_PHASE, enumerable: true },
    AT_TARGET: { value: AT_TARGET, enumerable: true }, BUBBLING_PHASE: { value: BUBBLING_PHASE, enumerable: true },
  };
  Object.defineProperties(Event, phases);
  Object.defineProperties(Event.prototype, phases);
}

export function isEvent(v: any): boolean {
  return eventInternals.check(v);
}
export function markTrusted(e: any): any {
  eventInternals.setTrusted(e);
  return e;
}

export class CustomEvent extends Event {
  get [Symbol.toStringTag](): string { return 'CustomEvent'; }
  #detail: any;
  constructor(type: any, eventInitDict: any = undefined) {
    requireArgs(arguments.length, 1, "'CustomEvent' constructor");
    super(type, eventInitDict);
    const init = dict(eventInitDict, 'CustomEventInit');
    this.#detail = init.detail === undefined ? null : init.detail;
  }
  get detail(): any { return this.#detail; }
  initCustomEvent(type: any, bubbles: any = false, cancelable: any = false, detail: any = null): void {
    requireArgs(arguments.length, 1, "'initCustomEvent' on 'CustomEvent'");
    if (eventInternals.dispatching(this)) return;
    this.initEvent(type, bubbles, cancelable);
    this.#detail = detail;
  }
}

export class ErrorEvent extends Event {
  get [Symbol.toStringTag](): string { return 'ErrorEvent'; }
  #message: string;
  #filename: string;
  #lineno: number;
  #colno: number;
  #error: any;
  constructor(type: any, eventInitDict: any = undefined) {
    requireArgs(arguments.length, 1, "'ErrorEvent' constructor");
    super(type, eventInitDict);
    const init = dict(eventInitDict, 'ErrorEventInit');
    this.#colno = init.colno === undefined ? 0 : Number(init.colno) >>> 0;
    this.#error = init.error === undefined ? null : init.error;
    this.#filename = init.filename === undefined ? '' : toStr(init.filename);
    this.#lineno = init.lineno === undefined ? 0 : Number(init.lineno) >>> 0;
    this.#message = init.message === undefined ? '' : toStr(init.message);
  }
  get message(): string { return this.#message; }
  get filename(): string { return this.#filename; }
  get lineno(): number { return this.#lineno; }
  get colno(): number { return this.#colno; }
  get error(): any { return this.#error; }
}

export class PromiseRejectionEvent extends Event {
  get [Symbol.toStringTag](): string { return 'PromiseRejectionEvent'; }
  #promise: any;
  #reason: any;
  constructor(type: any, eventInitDict: any) {
    requireArgs(arguments.length, 2, "'PromiseRejectionEvent' constructor");
    const init = dict(eventInitDict, 'PromiseRejectionEventInit');
    if (init.promise === undefined) throw new TypeError("Failed to construct 'PromiseRejectionEvent': required member promise is undefined.");
    if (init.promise === null || (typeof init.promise !== 'object' && typeof init.promise !== 'function')) {
      throw new TypeError("Failed to construct 'PromiseRejectionEvent': member promise is not an object.");
    }
    super(type, eventInitDict);
    this.#promise = init.promise;
    this.#reason = init.reason;
  }
  get promise(): any { return this.#promise; }
  get reason(): any { return this.#reason; }
}

export class MessageEvent extends Event {
  get [Symbol.toStringTag](): string { return 'MessageEvent'; }
  #data: any;
  #origin: string;
  #lastEventId: string;
  #source: any;
  #ports: readonly any[];
  constructor(type: any, eventInitDict: any = undefined) {
    requireArgs(arguments.length, 1, "'MessageEvent' constructor");
    super(type, eventInitDict);
    const init = dict(eventInitDict, 'MessageEventInit');
    this.#data = init.data === undefined ? null : init.data;
    this.#lastEventId = init.lastEventId === undefined ? '' : toStr(init.lastEventId);
    this.#origin = init.origin === undefined ? '' : toStr(init.origin);
    let ports: any[] = [];
    if (init.ports !== undefined) {
      if (init.ports === null || typeof init.ports !== 'object') throw new TypeError("Failed to construct 'MessageEvent': member ports is not iterable.");
      ports = Array.from(init.ports);
      for (const p of ports) {
        if (!hooks.isMessagePort(p)) throw new TypeError("Failed to construct 'MessageEvent': member ports contains a value that is not a MessagePort.");
      }
    }
    this.#ports = Object.freeze(ports);
    const source = init.source === undefined ? null : init.source;
    if (source !== null && !hooks.isMessagePort(source)) {
      throw new TypeError("Failed to construct 'MessageEvent': member source is not a MessagePort.");
    }
    this.#source = source;
  }
  get data(): any { return this.#data; }
  get origin(): string { return this.#origin; }
  get lastEventId(): string { return this.#lastEventId; }
  get source(): any { return this.#source; }
  get ports(): readonly any[] { return this.#ports; }
}

// ---------------------------------------------------------------------------------------------
// EventTarget

interface Listener {
  callback: any;
  capture: boolean;
  once: boolean;
  passive: boolean;
  removed: boolean;
}

const targets = new WeakMap<object, Map<string, Listener[]>>();

function listenersOf(target: any): Map<string, Listener[]> {
  const m = targets.get(target);
  if (m === undefined) throw new TypeError('Illegal invocation: not an EventTarget');
  return m;
}

/** Makes `obj` an event target without running the EventTarget constructor (the global object). */
export function initEventTarget(obj: object): void {
  if (!targets.has(obj)) targets.set(obj, new Map());
}

function flattenCapture(options: any): boolean {
  if (typeof options === 'boolean') return options;
  if (options === null || options === undefined || (typeof options !== 'object' && typeof options !== 'function')) return !!options;
  return !!options.capture;
}

function removeListener(map: Map<string, Listener[]>, type: string, l: Listener): void {
  l.removed = true;
  const list = map.get(type);
  if (!list) return;
  const i = list.indexOf(l);
  if (i >= 0) list.splice(i, 1);
}

export class EventTarget {
  get [Symbol.toStringTag](): string { return 'EventTarget'; }
  constructor() {
    targets.set(this, new Map());
  }

  addEventListener(type: any, callback: any, options: any = undefined): void {
    requireArgs(arguments.length, 2, "'addEventListener' on 'EventTarget'");
    const map = listenersOf(this ?? globalThis);
    type = toStr(type);
    if (callback !== null && callback !== undefined && typeof callback !== 'object' && typeof callback !== 'function') {
      throw new TypeError("Failed to execute 'addEventListener' on 'EventTarget': parameter 2 is not of type 'EventListener'.");
    }
    let capture: boolean, once = false, passive = false, signal: any = undefined;
    if (typeof options === 'object' && options !== null) {
      capture = !!options.capture;
      once = !!options.once;
      passive = !!options.passive;
      if ('signal' in options) {
        signal = options.signal;
        if (!hooks.isAbortSignal(signal)) throw new TypeError("Failed to execute 'addEventListener' on 'EventTarget': member signal is not of type 'AbortSignal'.");
      }
    } else {
      capture = !!options;
    }
    if (callback === null || callback === undefined) return;
    if (signal !== undefined && signal.aborted) return;
    let list = map.get(type);
    if (list === undefined) map.set(type, (list = []));
    for (const l of list) if (l.callback === callback && l.capture === capture) return;
    const l: Listener = { callback, capture, once, passive, removed: false };
    list.push(l);
    if (signal !== undefined) hooks.addAbortAlgorithm(signal, () => removeListener(map, type, l));
  }

  removeEventListener(type: any, callback: any, options: any = undefined): void {
    requireArgs(arguments.length, 2, "'removeEventListener' on 'EventTarget'");
    const map = listenersOf(this ?? globalThis);
    type = toStr(type);
    if (callback === null || callback === undefined) return;
    const capture = flattenCapture(options);
    const list = map.get(type);
    if (!list) return;
    for (const l of list) {
      if (l.callback === callback && l.capture === capture) {
        removeListener(map, type, l);
        return;
      }
    }
  }

  dispatchEvent(event: any): boolean {
    requireArgs(arguments.length, 1, "'dispatchEvent' on 'EventTarget'");
    const self = this ?? globalThis;
    listenersOf(self);
    if (!isEvent(event)) throw new TypeError("Failed to execute 'dispatchEvent' on 'EventTarget': parameter 1 is not of type 'Event'.");
    return dispatch(self, event, false);
  }
}

function invoke(target: any, map: Map<string, Listener[]>, event: any, capturing: boolean): void {
  if (eventInternals.stopped(event)) return;
  const list = map.get(eventInternals.type(event));
  if (list === undefined || list.length === 0) return;
  const snapshot = list.slice();
  for (const l of snapshot) {
    if (l.removed) continue;
    if (capturing !== l.capture) continue;
    if (l.once) removeListener(map, eventInternals.type(event), l);
    if (l.passive) eventInternals.passive(event, true);
    try {
      const cb = l.callback;
      if (typeof cb === 'function') {
        cb.call(target, event);
      } else {
        const handleEvent = cb.handleEvent;
        if (typeof handleEvent !== 'function') throw new TypeError("The listener's handleEvent is not a function");
        handleEvent.call(cb, event);
      }
    } catch (e) {
      hooks.reportException(e);
    }
    if (l.passive) eventInternals.passive(event, false);
    if (eventInternals.stoppedImmediate(event)) return;
  }
}

/** DOM "dispatch" for a target with no parent. `trusted` marks platform-fired events. */
export function dispatch(target: any, event: any, trusted: boolean): boolean {
  if (!eventInternals.begin(event, target)) {
    throw new DOMException("Failed to execute 'dispatchEvent' on 'EventTarget': The event is already being dispatched.", 'InvalidStateError');
  }
  if (trusted) eventInternals.setTrusted(event);
  const map = targets.get(target)!;
  eventInternals.phase(event, AT_TARGET);
  invoke(target, map, event, true);
  invoke(target, map, event, false);
  return eventInternals.end(event);
}

/** Fires a trusted event (for the platform: abort, message, error...). Returns !defaultPrevented. */
export function fire(target: any, event: any): boolean {
  return dispatch(target, event, true);
}

export function hasListeners(target: any, type: string): boolean {
  const list = targets.get(target)?.get(type);
  return list !== undefined && list.length > 0;
}

// ---------------------------------------------------------------------------------------------
// Event handler IDL attributes

const handlerSlots = new WeakMap<object, Map<string, { value: any; listener: any }>>();

/**
 * Defines `on<type>` on `proto`. `special` is the HTML OnErrorEventHandler for the global onerror
 * (5 arguments, `true` cancels). `onSet` runs after each set (MessagePort starts its queue).
 */
export function defineEventHandler(proto: object, type: string, special: 'error' | null = null, onSet?: (target: any) => void): void {
  Object.defineProperty(proto, 'on' + type, {
    get(this: any) {
      return handlerSlots.get(this ?? globalThis)?.get(type)?.value ?? null;
    },
    set(this: any, value: any) {
      const self = this ?? globalThis;
      listenersOf(self);
      let slots = handlerSlots.get(self);
      if (slots === undefined) handlerSlots.set(self, (slots = new Map()));
      const v = value !== null && (typeof value === 'object' || typeof value === 'function') ? value : null;
      const slot = slots.get(type);
      if (v === null) {
        if (slot) {
          EventTarget.prototype.removeEventListener.call(self, type, slot.listener);
          slots.delete(type);
        }
      } else if (slot) {
        slot.value = v;
      } else {
        const entry = { value: v, listener: null as any };
        entry.listener = function (this: any, event: any) {
          const cb = entry.value;
          if (typeof cb !== 'function') return;
          let ret;
          if (special === 'error' && event instanceof ErrorEvent) {
            ret = cb.call(this, event.message, event.filename, event.lineno, event.colno, event.error);
            if (ret === true) event.preventDefault();
          } else {
            ret = cb.call(this, event);
            if (ret === false) event.preventDefault();
          }
        };
        slots.set(type, entry);
        EventTarget.prototype.addEventListener.call(self, type, entry.listener);
      }
      if (onSet) onSet(self);
    },
    enumerable: true,
    configurable: true,
  });
}
