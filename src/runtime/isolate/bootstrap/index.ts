// The web platform inside a Cairn isolate (WinterTC Minimum Common API). This script is evaluated
// once per context; its completion value is `install(hostSync, externalCopySample, options)`,
// which the host calls with its bridges. Nothing of the host is reachable afterwards: the bridges
// are captured in module scope, and every value crossing the boundary is a copy.
import { AbortController, AbortSignal } from './abort.ts';
import { atob, btoa } from './base64.ts';
import { Blob, File, blobBytes, isBlob, isFile, makeBlob, makeFile } from './blob.ts';
import { CompressionStream, DecompressionStream } from './compression.ts';
import { inspect, inspectHooks, makeConsole, setInspectInit } from './console.ts';
import { Crypto, CryptoKey, SubtleCrypto, newCrypto, settleCrypto } from './crypto.ts';
import { DOMException, isDOMException } from './domexception.ts';
import { TextDecoder, TextEncoder } from './encoding.ts';
import { TextDecoderStream, TextEncoderStream } from './encoding-streams.ts';
import {
  CustomEvent, ErrorEvent, Event, EventTarget, MessageEvent, PromiseRejectionEvent, defineEventHandler, fire, hooks,
  initEventTarget,
} from './events.ts';
import { Request, Response, isResponse, makeRequest, responseParts } from './fetch-api.ts';
import { fetch, settleFetch } from './fetch.ts';
import { FormData } from './formdata.ts';
import { Headers } from './headers.ts';
import { MessageChannel, MessagePort } from './messaging.ts';
import { Performance } from './performance.ts';
import {
  ByteLengthQueuingStrategy, CountQueuingStrategy, ReadableByteStreamController, ReadableStream,
  ReadableStreamBYOBReader, ReadableStreamBYOBRequest, ReadableStreamDefaultController,
  ReadableStreamDefaultReader, TransformStream, TransformStreamDefaultController, WritableStream,
  WritableStreamDefaultController, WritableStreamDefaultWriter,
} from './streams.ts';
import { registerPlatformPrototypes, registerSerializable, setStructuredCloneInit, structuredClone } from './structured-clone.ts';
import { clearInterval, clearTimeout, fireTimer, queueMicrotask, setInterval, setTimeout } from './timers.ts';
import { URL, URLSearchParams } from './url.ts';
import { URLPattern } from './urlpattern.ts';
import { ILLEGAL, host, requireArgs } from './util.ts';
import { installWasmStreaming } from './wasm.ts';

const g: any = globalThis;

const INTERFACES: Record<string, any> = {
  AbortController, AbortSignal, Event, EventTarget, CustomEvent,
  ErrorEvent, PromiseRejectionEvent, MessageChannel, MessageEvent, MessagePort,
  DOMException, Headers, Request, Response, FormData, Blob, File,
  CompressionStream, DecompressionStream,
  ReadableStream, ReadableStreamDefaultReader, ReadableStreamBYOBReader, ReadableStreamBYOBRequest,
  ReadableStreamDefaultController, ReadableByteStreamController, WritableStream, WritableStreamDefaultWriter,
  WritableStreamDefaultController, TransformStream, TransformStreamDefaultController,
  ByteLengthQueuingStrategy, CountQueuingStrategy,
  TextEncoder, TextDecoder, TextEncoderStream, TextDecoderStream,
  URL, URLSearchParams, URLPattern, Crypto, CryptoKey, SubtleCrypto, Performance,
};

/** Serializes an uncaught value for the host's log. */
function describe(e: any): string {
  if (e instanceof Error || isDOMException(e)) {
    const stack = typeof e.stack === 'string' && e.stack ? e.stack : `${e.name}: ${e.message}`;
    return stack;
  }
  return inspect(e);
}

let reporting = false;

/** HTML "report an exception": an ErrorEvent at the global object; if nobody cancels it, the host. */
function reportException(e: any): void {
  if (reporting) {
    host.sync('uncaught', describe(e));
    return;
  }
  reporting = true;
  let notCanceled: boolean;
  try {
    const message = e instanceof Error || isDOMException(e) ? `Uncaught ${e.name}: ${e.message}` : `Uncaught ${describe(e)}`;
    const ev = new ErrorEvent('error', { message, error: e, cancelable: true });
    notCanceled = fire(g, ev);
  } catch {
    notCanceled = true;
  } finally {
    reporting = false;
  }
  if (notCanceled) host.sync('uncaught', describe(e));
}

function reportError(e: any): void {
  requireArgs(arguments.length, 1, "'reportError'");
  reportException(e);
}

/** A rejection nobody handled (found by the host at the end of a task). */
function reportRejection(reason: any): void {
  let notCanceled: boolean;
  try {
    const promise = Promise.reject(reason);
    promise.catch(() => {});
    notCanceled = fire(g, new PromiseRejectionEvent('unhandledrejection', { promise, reason, cancelable: true }));
  } catch {
    notCanceled = true;
  }
  if (notCanceled) host.sync('uncaught', `(in promise) ${describe(reason)}`);
}

class Navigator {
  constructor(key: any = undefined) {
    if (key !== ILLEGAL) throw new TypeError('Illegal constructor');
  }
  get userAgent(): string { return 'Cairn/0.1'; }
  get hardwareConcurrency(): number { return 1; }
  get language(): string { return 'en-US'; }
  get languages(): string[] { return ['en-US']; }
}
Object.defineProperty(Navigator.prototype, Symbol.toStringTag, { value: 'Navigator', configurable: true });

/** How platform objects are cloned (registered on the first structuredClone). */
function registerCloneable(): void {
  registerSerializable({
    test: isDOMException,
    serialize: (e) => ({ name: e.name, message: e.message }),
    deserialize: (d) => new DOMException(d.message, d.name),
  });
  registerSerializable({
    test: (v) => isFile(v),
    serialize: (f) => ({ bytes: blobBytes(f), type: f.type, name: f.name, lastModified: f.lastModified }),
    deserialize: (d) => makeFile(d.bytes, d.type, d.name, d.lastModified),
  });
  registerSerializable({
    test: (v) => isBlob(v),
    serialize: (b) => ({ bytes: blobBytes(b), type: b.type }),
    deserialize: (d) => makeBlob(d.bytes, d.type),
  });
  registerPlatformPrototypes([
    Event.prototype, EventTarget.prototype, AbortController.prototype, Headers.prototype, Request.prototype,
    Response.prototype, FormData.prototype, URL.prototype, URLSearchParams.prototype, URLPattern.prototype,
    TextEncoder.prototype, TextDecoder.prototype, TextEncoderStream.prototype, TextDecoderStream.prototype,
    CompressionStream.prototype, DecompressionStream.prototype, MessageChannel.prototype, Crypto.prototype,
    SubtleCrypto.prototype, ReadableStream.prototype, WritableStream.prototype, TransformStream.prototype,
    ReadableStreamDefaultReader.prototype, ReadableStreamBYOBReader.prototype, WritableStreamDefaultWriter.prototype,
    ByteLengthQueuingStrategy.prototype, CountQueuingStrategy.prototype, Navigator.prototype,
  ]);
}

/** How platform objects are shown by console.* (registered on first use). */
function registerInspectViews(): void {
  inspectHooks.set(Headers.prototype, (h: any) => new Map(h));
  inspectHooks.set(URL.prototype, (u: any) => ({ href: u.href, origin: u.origin, protocol: u.protocol, username: u.username, password: u.password, host: u.host, hostname: u.hostname, port: u.port, pathname: u.pathname, search: u.search, hash: u.hash }));
  inspectHooks.set(URLSearchParams.prototype, (p: any) => new Map(p));
  inspectHooks.set(Request.prototype, (r: any) => ({ method: r.method, url: r.url, headers: r.headers, bodyUsed: r.bodyUsed }));
  inspectHooks.set(Response.prototype, (r: any) => ({ status: r.status, statusText: r.statusText, ok: r.ok, headers: r.headers, bodyUsed: r.bodyUsed, url: r.url }));
  inspectHooks.set(Blob.prototype, (b: any) => (isFile(b) ? { name: b.name, size: b.size, type: b.type, lastModified: b.lastModified } : { size: b.size, type: b.type }));
  inspectHooks.set(Event.prototype, (e: any) => ({ type: e.type, defaultPrevented: e.defaultPrevented, cancelable: e.cancelable, timeStamp: e.timeStamp }));
  inspectHooks.set(AbortSignal.prototype, (s: any) => ({ aborted: s.aborted }));
  inspectHooks.set(CryptoKey.prototype, (k: any) => ({ type: k.type, extractable: k.extractable, algorithm: k.algorithm, usages: k.usages }));
}

/** Host → isolate messages (timers, fetch and crypto completions, unhandled rejections). */
function dispatch(kind: string, a: any, b: any, c: any): void {
  switch (kind) {
    case 'timer': fireTimer(a); return;
    case 'fetch': settleFetch(a, b, c); return;
    case 'crypto': settleCrypto(a, b, c); return;
    case 'rejection': reportRejection(a); return;
  }
}

export function install(hostSync: (op: string, a?: any, b?: any, c?: any) => any, externalCopy: any, timeOrigin: number): typeof dispatch {
  host.sync = hostSync;
  host.EC = externalCopy.constructor;
  host.timeOrigin = timeOrigin;
  hooks.reportException = reportException;

  const define = Object.defineProperty;
  for (const name of Object.keys(INTERFACES)) define(g, name, { value: INTERFACES[name], writable: true, enumerable: false, configurable: true });
  const functions: Record<string, any> = {
    atob, btoa, setTimeout, clearTimeout, setInterval, clearInterval, queueMicrotask, structuredClone, reportError, fetch,
  };
  for (const name of Object.keys(functions)) define(g, name, { value: functions[name], writable: true, enumerable: true, configurable: true });
  define(g, 'console', { value: makeConsole(), writable: true, enumerable: false, configurable: true });
  define(g, 'crypto', { value: newCrypto(), writable: true, enumerable: true, configurable: true });
  define(g, 'performance', { value: new Performance(ILLEGAL), writable: true, enumerable: true, configurable: true });
  define(g, 'navigator', { value: new Navigator(ILLEGAL), writable: true, enumerable: true, configurable: true });
  define(g, 'self', { value: g, writable: true, enumerable: true, configurable: true });

  // The global object is an EventTarget with the error-event handler attributes.
  Object.setPrototypeOf(g, EventTarget.prototype);
  initEventTarget(g);
  defineEventHandler(g, 'error', 'error');
  defineEventHandler(g, 'unhandledrejection');
  defineEventHandler(g, 'rejectionhandled');

  installWasmStreaming(g.WebAssembly);

  setStructuredCloneInit(registerCloneable);
  setInspectInit(registerInspectViews);

  Object.defineProperty(g, Symbol.for('cairn.internal'), {
    value: Object.freeze({ makeRequest, responseParts, isResponse }),
    writable: false, enumerable: false, configurable: true,
  });

  return dispatch;
}
