// Issue 3: "CPU-bound functions use both cores: a CPU-heavy function whose throughput with 2
// instances is ≥ 1.7× that with 1". A function that does a fixed amount of pure computation per
// request (calibrated here to ~20 ms on this machine) is deployed twice on one node — maxInstances 1
// and maxInstances 2, both concurrency 1 — and loaded by a few concurrent clients (more clients than
// instances, so the pool is always saturated and the extra requests wait in its queue).
//
// Run:  node bench/scaling.mjs [--duration 8] [--warmup 2] [--connections 4] [--work-ms 20] [--json out.json]
//
// Sandboxed (default `--sandboxes 2`): each tenant has 2 sandbox processes and an instance is placed
// on the least-loaded one; a sandbox process enters its isolates synchronously, so 2 instances only
// run in parallel when they sit in 2 different processes. The bench checks that from /proc: the
// node's child processes running dist/sandbox.js, and the CPU each of them used while the
// 2-instance function was under load. In-process (`--sandboxes 0`) is measured the same way.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as L from './lib.mjs';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '4' },
    'work-ms': { type: 'string', default: '20' },
    json: { type: 'string' },
  },
});
const durationS = Number(args.duration);
const warmupS = Number(args.warmup);
const connections = Number(args.connections);
const workMs = Number(args['work-ms']);

// The work: an integer LCG/xorshift mix, no allocation, no I/O. The same source runs here (to
// calibrate the iteration count) and in the isolate (the same V8).
const WORK_SRC = `function work(n) {
  let x = 0x9e3779b9 | 0, acc = 0;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    acc = (acc + (x & 0xffff) * 31 + i) | 0;
  }
  return acc;
}`;
const work = new Function(`${WORK_SRC}; return work;`)();

function calibrate(targetMs) {
  let n = 100_000;
  work(n); // warm up the JIT
  for (let round = 0; round < 20; round++) {
    const t0 = performance.now();
    work(n);
    const ms = performance.now() - t0;
    if (ms > 5) {
      // Take the best of 5 at this size (the machine is shared), then scale.
      let best = ms;
      for (let k = 0; k < 5; k++) { const t = performance.now(); work(n); best = Math.min(best, performance.now() - t); }
      return Math.round((n * targetMs) / best);
    }
    n *= 2;
  }
  return n;
}

const ITER = calibrate(workMs);
const FN_CODE = `${WORK_SRC}
const ITER = ${ITER};
export default {
  async fetch(request) {
    const t0 = Date.now();
    const r = work(ITER);
    return new Response(String(r) + ' ' + (Date.now() - t0));
  },
};
`;
const config = (maxInstances) => ({
  limits: { cpuMs: Math.max(500, workMs * 25), timeoutMs: 30_000 },
  scaling: { maxInstances, concurrency: 1, minInstances: 0, keepAliveMs: 10 * 60 * 1000 },
});

const SANDBOX_RE = /sandbox\.js/;

/** The node's sandbox processes (its children whose command line runs dist/sandbox.js). */
function sandboxPids(nodePid) {
  return L.treePids(nodePid).filter((p) => p !== nodePid && SANDBOX_RE.test(L.cmdOf(p)));
}

async function measureNode(sandboxes) {
  const mode = sandboxes === 0 ? 'in-process (--sandboxes 0)' : `sandboxed (--sandboxes ${sandboxes})`;
  const node = await L.startCairn({ sandboxes });
  const rows = [];
  try {
    await L.deploy(node, 'cpu1', FN_CODE, config(1));
    await L.deploy(node, 'cpu2', FN_CODE, config(2));
    for (const [fn, max] of [['cpu1', 1], ['cpu2', 2]]) {
      const url = `${node.dataUrl}/${fn}/`;
      // One request alone: the isolate's own view of the work (ms of wall time inside fetch()).
      await L.hit(url, undefined, node);
      const inside = [];
      for (let i = 0; i < 5; i++) inside.push(Number((await L.hit(url, undefined, node)).split(' ')[1]));
      const quiet = await L.waitForQuiet({ maxWaitS: 20 });
      if (!quiet.quiet) L.log(`  scaling: the machine is busy (${L.fmt(quiet.otherCores)} cores used by others); measuring anyway`);
      const sbBefore = new Map(sandboxPids(node.pid).map((p) => [p, L.cpuMsOf(p)]));
      const nodeBefore = L.cpuMsOf(node.pid);
      const t0 = performance.now();
      L.log(`  scaling: ${mode}, ${fn} (maxInstances ${max}), ${connections} connections, ${warmupS}+${durationS} s ...`);
      const r = await L.loadTest(url, { connections, durationS, warmupS, serverPid: node.pid });
      const wallMs = performance.now() - t0;
      // CPU per sandbox process over the whole run (warm-up included): which processes did the work.
      const perSandbox = sandboxPids(node.pid).map((p) => ({ pid: p, cores: (L.cpuMsOf(p) - (sbBefore.get(p) ?? 0)) / wallMs }));
      const nodeCores = (L.cpuMsOf(node.pid) - nodeBefore) / wallMs;
      rows.push({
        mode, sandboxes, function: fn, maxInstances: max, reqPerSec: r.reqPerSec, p50: r.p50, p99: r.p99, ok2xx: r.ok2xx, non2xx: r.non2xx,
        errors: r.errors, timeouts: r.timeouts, serverCores: r.serverCores, otherCores: r.otherCores, loadGenCores: r.loadGenCores,
        nodeProcessCores: nodeCores, perSandbox, workMsAlone: Math.min(...inside), quietBefore: quiet,
      });
    }
  } finally {
    const m = await L.cairnMetrics(node, ['cairn_instances']);
    if (rows.length) rows[rows.length - 1].instancesMetric = m;
    await node.stop();
  }
  return rows;
}

L.log(`scaling: ${ITER.toLocaleString('en-US')} iterations ≈ ${workMs} ms of computation per request (calibrated in this process)`);
const all = [];
for (const sandboxes of [2, 0]) all.push(...(await measureNode(sandboxes)));

const byMode = new Map();
for (const r of all) { if (!byMode.has(r.mode)) byMode.set(r.mode, {}); byMode.get(r.mode)[r.maxInstances] = r; }

console.log(`\nCPU-heavy function (${ITER.toLocaleString('en-US')} iterations ≈ ${workMs} ms/request), concurrency 1, ${connections} connections, ${durationS} s measured after ${warmupS} s warm-up\n`);
console.log(L.table(
  ['mode', 'maxInstances', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'server cores', 'others\' cores', 'CPU per sandbox process (cores)'],
  all.map((r) => [r.mode, r.maxInstances, L.fmt(r.reqPerSec, 1), L.fmt(r.p50, 1), L.fmt(r.p99, 1), r.non2xx + r.errors + r.timeouts, L.fmt(r.serverCores), L.fmt(r.otherCores),
    r.perSandbox.length ? r.perSandbox.map((s) => `${s.pid}: ${s.cores.toFixed(2)}`).join(', ') : '— (no sandbox processes)']),
));
console.log('');
const summary = [];
for (const [mode, m] of byMode) {
  if (!m[1] || !m[2]) continue;
  const ratio = m[2].reqPerSec / m[1].reqPerSec;
  summary.push({ mode, one: m[1].reqPerSec, two: m[2].reqPerSec, ratio });
  console.log(`${mode}: 1 instance ${L.fmt(m[1].reqPerSec, 1)} req/s, 2 instances ${L.fmt(m[2].reqPerSec, 1)} req/s: ${ratio.toFixed(2)}× (target ≥ 1.7×: ${ratio >= 1.7 ? 'met' : 'NOT met'})`);
  if (m[2].sandboxes > 0) {
    const busy = m[2].perSandbox.filter((s) => s.cores >= 0.3);
    console.log(`  2-instance run: ${m[2].perSandbox.length} sandbox processes under the node (pid ${m[2].perSandbox.map((s) => s.pid).join(', ')}); ` +
      `${busy.length} of them each used ≥ 0.3 cores → the 2 instances ${busy.length >= 2 ? 'ran in 2 different processes' : 'did NOT run in 2 processes'}`);
  }
}
if (args.json) writeFileSync(args.json, JSON.stringify({ iterations: ITER, workMs, connections, durationS, warmupS, rows: all, summary }, null, 2));
