// Cold start of a function context: new Isolate (128 MB) + createContext() + installWebApis(),
// the path src/runtime/isolate/context.ts takes for every new instance. Prints p50/p99 over N runs
// (after one warm-up run that builds the per-process code cache) and the idle heap per isolate.
//
//   node scripts/build.mjs && node --import tsx bench/isolate-coldstart.mjs [runs]
import ivm from 'isolated-vm';
import { installWebApis } from '../src/runtime/isolate/webapi.ts';

const runs = Number(process.argv[2] ?? 200);
const host = { log() {}, async fetch() { throw new Error('no network'); }, uncaught() {} };

async function once(measureHeap) {
  const t0 = performance.now();
  const isolate = new ivm.Isolate({ memoryLimit: 128 });
  const context = await isolate.createContext();
  const t1 = performance.now();
  const handle = await installWebApis(isolate, context, host);
  const t2 = performance.now();
  let heap = null;
  if (measureHeap) heap = isolate.getHeapStatisticsSync();
  handle.release();
  context.release();
  isolate.dispose();
  return { total: t2 - t0, isolate: t1 - t0, install: t2 - t1, heap };
}

function pct(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

const warm = await once(true);
const total = [], iso = [], inst = [];
for (let i = 0; i < runs; i++) {
  const r = await once(false);
  total.push(r.total); iso.push(r.isolate); inst.push(r.install);
}
// Bare isolate + context for comparison (the floor nothing here can go below).
const bare = [];
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const isolate = new ivm.Isolate({ memoryLimit: 128 });
  await isolate.createContext();
  bare.push(performance.now() - t0);
  isolate.dispose();
}
const f = (x) => x.toFixed(2).padStart(6) + ' ms';
console.log(`cold start over ${runs} runs (first run, which builds the code cache: ${warm.total.toFixed(1)} ms)`);
console.log(`  isolate + createContext + installWebApis  p50 ${f(pct(total, 0.5))}  p99 ${f(pct(total, 0.99))}`);
console.log(`    of which new Isolate + createContext     p50 ${f(pct(iso, 0.5))}  p99 ${f(pct(iso, 0.99))}`);
console.log(`    of which installWebApis                  p50 ${f(pct(inst, 0.5))}  p99 ${f(pct(inst, 0.99))}`);
console.log(`  bare isolate + createContext (floor)      p50 ${f(pct(bare, 0.5))}  p99 ${f(pct(bare, 0.99))}`);
const h = warm.heap;
console.log(`idle isolate after install: used heap ${(h.used_heap_size / 1024).toFixed(0)} KiB, total heap ${(h.total_heap_size / 1024).toFixed(0)} KiB, physical ${(h.total_physical_size / 1024).toFixed(0)} KiB, malloced ${(h.malloced_memory / 1024).toFixed(0)} KiB`);
