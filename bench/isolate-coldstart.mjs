// Cold start of a function context: new Isolate (128 MB) + createContext + installWebApis(), the
// path src/runtime/isolate/context.ts takes for every new instance. Prints p50/p99 over N runs
// (after a warm-up run that builds the per-process code caches) for the context made with
// isolate.createContext() (as context.ts does) and with createContextSync(), each next to the
// bare isolate + context floor measured interleaved with it (so machine load affects both alike),
// then the cost of a first request through the dispatcher's hook in a fresh context and the idle
// heap of an isolate.
//
//   node scripts/build.mjs && node --import tsx bench/isolate-coldstart.mjs [runs]
import ivm from 'isolated-vm';
import { installWebApis } from '../src/runtime/isolate/webapi.ts';

const runs = Number(process.argv[2] ?? 200);
const host = { log() {}, async fetch() { throw new Error('no network'); }, uncaught() {} };

const FIRST_REQUEST = `(() => {
  const h = globalThis[Symbol.for('cairn.internal')];
  const req = h.makeRequest('GET', 'https://example.com/hello?name=cairn', ['accept', 'text/plain'], null);
  const url = new URL(req.url);
  const res = new Response('hello ' + url.searchParams.get('name'), { headers: { 'content-type': 'text/plain' } });
  return h.responseParts(res).status;
})()`;

async function full(sync, measure) {
  const t0 = performance.now();
  const isolate = new ivm.Isolate({ memoryLimit: 128 });
  const context = sync ? isolate.createContextSync() : await isolate.createContext();
  const t1 = performance.now();
  const handle = await installWebApis(isolate, context, host);
  const t2 = performance.now();
  let heap = null, first = 0;
  if (measure) {
    heap = isolate.getHeapStatisticsSync();
    const t3 = performance.now();
    context.evalSync(FIRST_REQUEST);
    first = performance.now() - t3;
  }
  handle.release();
  context.release();
  isolate.dispose();
  return { total: t2 - t0, isolate: t1 - t0, install: t2 - t1, heap, first };
}

async function bare(sync) {
  const t0 = performance.now();
  const isolate = new ivm.Isolate({ memoryLimit: 128 });
  const context = sync ? isolate.createContextSync() : await isolate.createContext();
  const t = performance.now() - t0;
  context.release();
  isolate.dispose();
  return t;
}

function pct(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

const warm = await full(false, true);
const series = { async: { total: [], iso: [], inst: [], floor: [] }, sync: { total: [], iso: [], inst: [], floor: [] } };
const first = [];
for (let i = 0; i < runs; i++) {
  for (const mode of ['async', 'sync']) {
    const s = series[mode];
    s.floor.push(await bare(mode === 'sync'));
    const r = await full(mode === 'sync', mode === 'async' && i % 10 === 0);
    s.total.push(r.total); s.iso.push(r.isolate); s.inst.push(r.install);
    if (r.first) first.push(r.first);
  }
}
const f = (x) => x.toFixed(2).padStart(6) + ' ms';
const line = (label, xs) => console.log(`  ${label.padEnd(46)} p50 ${f(pct(xs, 0.5))}  p99 ${f(pct(xs, 0.99))}`);
console.log(`cold start over ${runs} runs each (the first run, which also makes the per-process code caches: ${warm.total.toFixed(1)} ms)`);
for (const mode of ['async', 'sync']) {
  const s = series[mode];
  console.log(mode === 'async' ? 'with await isolate.createContext() (as context.ts does):' : 'with isolate.createContextSync():');
  line('new Isolate + createContext + installWebApis', s.total);
  line('  of which new Isolate + createContext', s.iso);
  line('  of which installWebApis', s.inst);
  line('bare new Isolate + createContext (the floor)', s.floor);
}
console.log(`first request in a fresh context (makeRequest + URL + Response + responseParts): p50 ${f(pct(first, 0.5))} (${first.length} samples)`);
const h = warm.heap;
console.log(`idle isolate after installWebApis: used heap ${(h.used_heap_size / 1024).toFixed(0)} KiB, `
  + `total heap ${(h.total_heap_size / 1024).toFixed(0)} KiB, physical ${(h.total_physical_size / 1024).toFixed(0)} KiB, `
  + `malloced ${(h.malloced_memory / 1024).toFixed(0)} KiB, external ${(h.externally_allocated_size / 1024).toFixed(0)} KiB`);
