// The web platform inside an isolate: globals, isolation from the host, the dispatcher's internal
// hook, console formatting, timers, error reporting and the lazily loaded modules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prepareWebApis } from '../../../src/runtime/isolate/webapi.ts';
import { setup } from './harness.ts';

const MIN_COMMON_INTERFACES = [
  'AbortController', 'AbortSignal', 'Event', 'EventTarget', 'CustomEvent', 'ErrorEvent', 'PromiseRejectionEvent',
  'MessageChannel', 'MessageEvent', 'MessagePort', 'DOMException', 'Headers', 'Request', 'Response', 'FormData',
  'Blob', 'File', 'CompressionStream', 'DecompressionStream', 'ReadableStream', 'ReadableStreamDefaultReader',
  'ReadableStreamBYOBReader', 'ReadableStreamBYOBRequest', 'ReadableStreamDefaultController',
  'ReadableByteStreamController', 'WritableStream', 'WritableStreamDefaultWriter', 'WritableStreamDefaultController',
  'TransformStream', 'TransformStreamDefaultController', 'ByteLengthQueuingStrategy', 'CountQueuingStrategy',
  'TextEncoder', 'TextDecoder', 'TextEncoderStream', 'TextDecoderStream', 'URL', 'URLSearchParams', 'URLPattern',
  'Crypto', 'CryptoKey', 'SubtleCrypto', 'Performance',
];

test('the WinterTC interfaces are data properties of the global, and the global is an EventTarget', async () => {
  prepareWebApis();
  prepareWebApis();
  const t = await setup();
  try {
    const r = await t.run<string>(`JSON.stringify(${JSON.stringify(MIN_COMMON_INTERFACES)}.filter((n) => {
      const d = Object.getOwnPropertyDescriptor(globalThis, n);
      return !d || typeof d.value !== 'function' || d.enumerable || !d.writable || !d.configurable || d.value.name !== n;
    }))`);
    assert.deepEqual(JSON.parse(r), []);
    const misc = await t.run<string>(`JSON.stringify([
      typeof atob, typeof btoa, typeof setTimeout, typeof clearTimeout, typeof setInterval, typeof clearInterval,
      typeof queueMicrotask, typeof structuredClone, typeof reportError, typeof fetch, typeof console.log,
      typeof crypto.subtle, typeof performance.now, navigator.userAgent, self === globalThis,
      globalThis instanceof EventTarget, onerror, typeof WebAssembly.instantiateStreaming,
    ])`);
    assert.deepEqual(JSON.parse(misc), [
      'function', 'function', 'function', 'function', 'function', 'function', 'function', 'function', 'function',
      'function', 'function', 'object', 'function', 'Cairn/0.1', true, true, null, 'function',
    ]);
  } finally {
    t.close();
  }
});

test('nothing of the host is reachable: no process/require/Buffer, no helper globals, Function gives the isolate global', async () => {
  const t = await setup();
  try {
    const r = await t.run<string>(`JSON.stringify({
      types: [typeof process, typeof require, typeof Buffer, typeof global, typeof setImmediate, typeof module],
      functionGlobal: ({}).constructor.constructor('return this')() === globalThis,
      helperNames: Object.getOwnPropertyNames(globalThis).filter((n) => n.startsWith('__') || /cairn/i.test(n)),
      symbols: Object.getOwnPropertySymbols(globalThis).map(String),
      hook: (() => {
        const d = Object.getOwnPropertyDescriptor(globalThis, Symbol.for('cairn.internal'));
        return d && [d.enumerable, d.configurable, Object.keys(d.value).sort().join()];
      })(),
      // Every function reachable from the globals is a plain isolate function.
      foreign: Object.getOwnPropertyNames(globalThis).filter((n) => {
        const v = globalThis[n];
        return typeof v === 'function' && Object.getPrototypeOf(v) !== Function.prototype && Object.getPrototypeOf(v) !== Object.getPrototypeOf(function* () {})
          && !(Object.getPrototypeOf(v) && Object.getPrototypeOf(Object.getPrototypeOf(v)) === Function.prototype);
      }),
    })`);
    const o = JSON.parse(r);
    assert.deepEqual(o.types, ['undefined', 'undefined', 'undefined', 'undefined', 'undefined', 'undefined']);
    assert.equal(o.functionGlobal, true);
    assert.deepEqual(o.helperNames, []);
    assert.deepEqual(o.symbols, ['Symbol(cairn.internal)']);
    assert.deepEqual(o.hook, [false, true, 'isResponse,makeRequest,responseParts']);
    assert.deepEqual(o.foreign, []);
  } finally {
    t.close();
  }
});

test('internal hook: makeRequest, responseParts (bytes without streams, or the stream), isResponse', async () => {
  const t = await setup();
  try {
    const r = await t.run<string>(`(async () => {
      const h = globalThis[Symbol.for('cairn.internal')];
      const req = h.makeRequest('POST', 'https://example.com/a?b=1', ['Content-Type', 'text/plain', 'X-Trace', 'abc'], new TextEncoder().encode('body!'));
      const reqInfo = [req instanceof Request, req.method, req.url, req.headers.get('content-type'), req.headers.get('x-trace'), await req.text()];
      const get = h.makeRequest('GET', 'https://example.com/', [], null);
      const parts = (res) => { const p = h.responseParts(res); return [p.status, p.statusText, p.headers, p.bytes && new TextDecoder().decode(p.bytes), p.stream instanceof ReadableStream]; };
      const touched = new Response('touched');
      void touched.body;
      const fd = new FormData(); fd.append('a', 'b');
      let notResponse = null;
      try { h.responseParts({ status: 200 }); } catch (e) { notResponse = e.name; }
      return JSON.stringify({
        reqInfo, getBody: get.body, getUsed: get.bodyUsed,
        text: parts(new Response('hi', { status: 201, statusText: 'Created', headers: { 'x-a': '1' } })),
        json: parts(Response.json({ a: 1 })),
        buffer: parts(new Response(new Uint8Array([104, 105]).buffer)),
        blob: parts(new Response(new Blob(['blob']))),
        params: parts(new Response(new URLSearchParams('a=1&b=2'))),
        form: h.responseParts(new Response(fd)).bytes !== null,
        none: parts(new Response(null, { status: 204 })),
        stream: parts(new Response(new ReadableStream({ start(c) { c.enqueue(new Uint8Array([1])); c.close(); } }))),
        touched: parts(touched),
        notResponse,
        isResponse: [h.isResponse(new Response()), h.isResponse({}), h.isResponse(null)],
      });
    })()`);
    const o = JSON.parse(r);
    assert.deepEqual(o.reqInfo, [true, 'POST', 'https://example.com/a?b=1', 'text/plain', 'abc', 'body!']);
    assert.equal(o.getBody, null);
    assert.equal(o.getUsed, false);
    assert.deepEqual(o.text, [201, 'Created', ['x-a', '1', 'content-type', 'text/plain;charset=UTF-8'], 'hi', false]);
    assert.deepEqual(o.json, [200, '', ['content-type', 'application/json'], '{"a":1}', false]);
    assert.deepEqual(o.buffer, [200, '', [], 'hi', false]);
    assert.deepEqual(o.blob, [200, '', [], 'blob', false]);
    assert.deepEqual(o.params, [200, '', ['content-type', 'application/x-www-form-urlencoded;charset=UTF-8'], 'a=1&b=2', false]);
    assert.equal(o.form, true);
    assert.deepEqual(o.none, [204, '', [], null, false]);
    assert.deepEqual(o.stream, [200, '', [], null, true]);
    assert.deepEqual(o.touched, [200, '', ['content-type', 'text/plain;charset=UTF-8'], 'touched', false]);
    assert.equal(o.notResponse, 'TypeError');
    assert.deepEqual(o.isResponse, [true, false, false]);
  } finally {
    t.close();
  }
});

test('console.* formats like util.inspect and reports the level', async () => {
  const t = await setup();
  try {
    await t.run(`
      console.log('plain', 1, true, null, undefined, 10n, Symbol('s'));
      console.info({ a: 1, b: 'two', c: [1, 2, { d: 3 }], 'x-y': null });
      console.warn('%s is %d years and %o', 'Ada', 36.5, { k: [1] });
      console.error(new Map([['k', { v: 1 }]]), new Set([1, 'a']), [1, , 3]);
      console.debug(new Uint8Array([1, 2, 3]), new Date(0), /re/g, function named() {}, class K {});
      const cyc = { name: 'cyc' }; cyc.self = cyc;
      console.log(cyc, { deep: { a: { b: { c: {} } } } });
      console.log(new Headers({ 'X-A': '1' }), new URL('https://example.com/p?q=1').searchParams);
      console.assert(1 === 2, 'math is broken');
      console.count(); console.count();
      console.group('g'); console.log('inside'); console.groupEnd(); console.log('outside');
    `);
    const lines = t.logs.map(([level, m]) => `${level}: ${m}`);
    assert.deepEqual(lines, [
      "log: plain 1 true null undefined 10n Symbol(s)",
      "info: { a: 1, b: 'two', c: [ 1, 2, { d: 3 } ], 'x-y': null }",
      "warn: Ada is 36.5 years and { k: [ 1, [length]: 1 ] }".replace(', [length]: 1', ''),
      "error: Map(1) { 'k' => { v: 1 } } Set(2) { 1, 'a' } [ 1, <1 empty item>, 3 ]",
      "debug: Uint8Array(3) [ 1, 2, 3 ] 1970-01-01T00:00:00.000Z /re/g [Function: named] [class K]",
      "log: { name: 'cyc', self: [Circular *1] } { deep: { a: { b: [Object] } } }",
      "log: Headers { 'x-a' => '1' } URLSearchParams { 'q' => '1' }",
      'error: Assertion failed: math is broken',
      'info: default: 1',
      'info: default: 2',
      'log: g',
      'log:   inside',
      'log: outside',
    ]);
    t.logs.length = 0;
    await t.run(`console.error(new TypeError('bad thing'))`);
    assert.match(t.logs[0]![1], /^TypeError: bad thing\n {4}at /);
  } finally {
    t.close();
  }
});

test('timers fire in order, can be cleared, and release() drops the host timers', async () => {
  const t = await setup();
  try {
    const order = await t.run<string>(`new Promise((resolve) => {
      const out = [];
      const push = (x) => { out.push(x); if (out.includes('a') && out.includes('b') && out.includes('i3')) resolve(JSON.stringify(out)); };
      setTimeout(() => push('b'), 5);
      setTimeout(() => push('a'), 0);
      const gone = setTimeout(() => push('cleared'), 1);
      clearTimeout(gone);
      let n = 0;
      const i = setInterval(() => { n++; if (n === 3) clearInterval(i); push('i' + n); }, 1);
    })`);
    const out = JSON.parse(order) as string[];
    assert.deepEqual(out.filter((x) => !x.startsWith('i')), ['a', 'b']);
    assert.deepEqual(out.filter((x) => x.startsWith('i')), ['i1', 'i2', 'i3']);
    assert.equal(t.handle.stats().timers, 0);
    await t.run(`setTimeout(() => {}, 60000); setInterval(() => {}, 60000); AbortSignal.timeout(60000); 1`);
    assert.equal(t.handle.stats().timers, 3);
    const limit = await t.run<string>(`(() => {
      try { for (let i = 0; i < 20000; i++) setTimeout(() => {}, 60000); return 'no limit'; } catch (e) { return e.name; }
    })()`);
    assert.equal(limit, 'RangeError');
    assert.equal(t.handle.stats().timers, 10000);
    t.handle.release();
    assert.deepEqual(t.handle.stats(), { timers: 0, fetches: 0, cryptoKeys: 0, released: true });
  } finally {
    t.close();
  }
});

test('errors thrown by timer callbacks go to host.uncaught unless an error listener cancels them', async () => {
  const t = await setup();
  try {
    await t.run(`
      addEventListener('error', (e) => { if (e.error && e.error.message === 'handled') e.preventDefault(); });
      setTimeout(() => { throw new Error('handled'); }, 0);
      setTimeout(() => { throw new RangeError('from a timer'); }, 1);
    `);
    await t.uncaughtCount(1);
    assert.equal(t.uncaught.length, 1);
    assert.match(t.uncaught[0]!, /^RangeError: from a timer/);
    const ev = await t.run<string>(`new Promise((resolve) => {
      onerror = (message, source, lineno, colno, error) => { resolve(JSON.stringify([typeof message, error.message])); return true; };
      reportError(new Error('reported'));
    })`);
    assert.deepEqual(JSON.parse(ev), ['string', 'reported']);
    assert.equal(t.uncaught.length, 1, 'onerror returning true cancels');
  } finally {
    t.close();
  }
});

test('unhandled rejections fire unhandledrejection, then reach host.uncaught', async () => {
  const t = await setup();
  try {
    await t.run(`
      globalThis.seen = [];
      addEventListener('unhandledrejection', (e) => { seen.push(String(e.reason && e.reason.message)); if (e.reason.message === 'quiet') e.preventDefault(); });
      setTimeout(() => { Promise.reject(new Error('quiet')); }, 0);
      setTimeout(() => { Promise.reject(new Error('loud')); }, 2);
    `);
    await t.uncaughtCount(1);
    assert.match(t.uncaught[0]!, /loud/);
    assert.equal(await t.run<string>('JSON.stringify(seen)'), '["quiet","loud"]');
  } finally {
    t.close();
  }
});

test('web APIs: encoding, base64, structuredClone, URL, URLPattern (lazy), IDNA (lazy), compression (lazy)', async () => {
  const t = await setup();
  try {
    const r = await t.run<string>(`(async () => {
      const bytes = new TextEncoder().encode('h\\u00e9llo \\u{1F600}');
      const clone = structuredClone({ d: new Date(5), m: new Map([[1, new Uint8Array([7])]]), b: new Blob(['x']) });
      const u = new URL('/p/../q?x=1#h', 'https://User@EXAMPLE.com:443');
      const pattern = new URLPattern({ pathname: '/books/:id' });
      const gz = new Blob(['hello '.repeat(100)]).stream().pipeThrough(new CompressionStream('gzip'));
      const back = await new Response(gz.pipeThrough(new DecompressionStream('gzip'))).text();
      return JSON.stringify([
        Array.from(bytes), new TextDecoder().decode(bytes), new TextDecoder('windows-1252').decode(new Uint8Array([0x80])),
        btoa('hi'), atob('aGk='),
        clone.d.getTime(), clone.m.get(1)[0], clone.b instanceof Blob,
        u.href, u.origin, u.searchParams.get('x'),
        pattern.exec('https://x.test/books/42').pathname.groups.id,
        new URL('https://b\\u00fccher.example/').hostname,
        back.length,
      ]);
    })()`);
    assert.deepEqual(JSON.parse(r), [
      [104, 195, 169, 108, 108, 111, 32, 240, 159, 152, 128], 'h\u00e9llo \u{1F600}', '\u20ac',
      'aGk=', 'hi',
      5, 7, true,
      'https://User@example.com/q?x=1#h', 'https://example.com', '1',
      '42',
      'xn--bcher-kva.example',
      600,
    ]);
  } finally {
    t.close();
  }
});

test('isolates run in UTC', async () => {
  const t = await setup();
  try {
    const r = await t.run<string>(`JSON.stringify([new Date(0).getTimezoneOffset(), new Date(0).getHours(), Intl.DateTimeFormat().resolvedOptions().timeZone])`);
    assert.deepEqual(JSON.parse(r), [0, 0, 'UTC']);
  } finally {
    t.close();
  }
});

test('performance.now() is monotonic and timeOrigin + now() tracks Date.now()', async () => {
  const t = await setup();
  try {
    const r = await t.run<string>(`(() => {
      let prev = performance.now(), mono = true;
      for (let i = 0; i < 100; i++) { const n = performance.now(); if (n < prev) mono = false; prev = n; }
      return JSON.stringify([mono, Math.abs(performance.timeOrigin + performance.now() - Date.now()) < 1000, performance instanceof Performance]);
    })()`);
    assert.deepEqual(JSON.parse(r), [true, true, true]);
  } finally {
    t.close();
  }
});
