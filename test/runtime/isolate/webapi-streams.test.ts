// Streams inside the isolate: the public classes (which load the streams implementation on first
// use), stream bodies, piping, byte streams, tee, and the encoding streams.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup } from './harness.ts';

test('a ReadableStream body is read in order and is the body stream itself', async () => {
  const t = await setup();
  try {
    const r = await t.run<string>(`(async () => {
      let pulls = 0;
      const stream = new ReadableStream({
        pull(c) { pulls++; if (pulls <= 3) c.enqueue(new TextEncoder().encode('x' + pulls)); else c.close(); },
      }, { highWaterMark: 0 });
      const res = new Response(stream);
      const same = res.body === stream;
      return JSON.stringify([same, await res.text(), res.bodyUsed, stream.locked]);
    })()`);
    assert.deepEqual(JSON.parse(r), [true, 'x1x2x3', true, true]);
  } finally {
    t.close();
  }
});

test('pipeThrough, pipeTo a WritableStream, and the controllers handed to user code are the public classes', async () => {
  const t = await setup();
  try {
    const r = await t.run<string>(`(async () => {
      const seen = [];
      const upper = new TransformStream({
        start(c) { seen.push(c instanceof TransformStreamDefaultController); },
        transform(chunk, c) { c.enqueue(chunk.toUpperCase()); },
      });
      const out = [];
      const sink = new WritableStream({
        start(c) { seen.push(c instanceof WritableStreamDefaultController); },
        write(chunk) { out.push(chunk); },
      });
      const src = new ReadableStream({ start(c) { seen.push(c instanceof ReadableStreamDefaultController); c.enqueue('a'); c.enqueue('b'); c.close(); } });
      const piped = src.pipeThrough(upper);
      const samePipe = piped === upper.readable;
      await piped.pipeTo(sink);
      return JSON.stringify([seen, samePipe, out, upper.readable instanceof ReadableStream, Object.getPrototypeOf(upper.writable) === WritableStream.prototype]);
    })()`);
    assert.deepEqual(JSON.parse(r), [[true, true, true], true, ['A', 'B'], true, true]);
  } finally {
    t.close();
  }
});

test('byte streams: BYOB reads of a Response body, tee, and async iteration', async () => {
  const t = await setup();
  try {
    const r = await t.run<string>(`(async () => {
      const reader = new Response('byte stream').body.getReader({ mode: 'byob' });
      const { value } = await reader.read(new Uint8Array(4));
      const [a, b] = new Response('tee').body.tee();
      const both = await Promise.all([new Response(a).text(), new Response(b).text()]);
      const chunks = [];
      for await (const c of new ReadableStream({ start(c) { c.enqueue(1); c.enqueue(2); c.close(); } })) chunks.push(c);
      return JSON.stringify([reader instanceof ReadableStreamBYOBReader, new TextDecoder().decode(value), both, chunks]);
    })()`);
    assert.deepEqual(JSON.parse(r), [true, 'byte', ['tee', 'tee'], [1, 2]]);
  } finally {
    t.close();
  }
});

test('subclassing stream classes works (TextLineStream-style), and errors propagate', async () => {
  const t = await setup();
  try {
    const r = await t.run<string>(`(async () => {
      class LineStream extends TransformStream {
        constructor() {
          let buf = '';
          super({
            transform(chunk, c) { buf += chunk; const parts = buf.split('\\n'); buf = parts.pop(); for (const p of parts) c.enqueue(p); },
            flush(c) { if (buf) c.enqueue(buf); },
          });
        }
      }
      const lines = [];
      const ls = new LineStream();
      const text = new Response('one\\ntwo\\nthree').body.pipeThrough(new TextDecoderStream()).pipeThrough(ls);
      for await (const l of text) lines.push(l);
      const boom = new RangeError('source failed');
      const failing = new ReadableStream({ start(c) { c.error(boom); } });
      const err = await new Response(failing).text().catch((e) => e);
      return JSON.stringify([ls instanceof TransformStream, lines, err === boom]);
    })()`);
    assert.deepEqual(JSON.parse(r), [true, ['one', 'two', 'three'], true]);
  } finally {
    t.close();
  }
});
