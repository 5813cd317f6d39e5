// Section 1: hello-world throughput and latency at 64 connections, each target beside raw
// node:http measured in the same run. The load generator (autocannon) runs in this process.
import * as L from './lib.mjs';

const TUNED = { scaling: { maxInstances: 4, concurrency: 16 } };

export async function runThroughput({ durationS = 10, warmupS = 2, connections = 64 } = {}) {
  const rows = [];
  const opts = { durationS, warmupS, connections };

  const measure = async (label, kind, start) => {
    L.log(`  throughput: ${label} ...`);
    let target = null;
    let row = { label, kind };
    try {
      target = await start();
      const body = await L.hit(target.url, undefined, target.node ?? null);
      if (body !== L.HELLO_TEXT) throw new Error(`${label} answered ${JSON.stringify(body.slice(0, 100))}, expected ${JSON.stringify(L.HELLO_TEXT)}`);
      const quiet = await L.waitForQuiet();
      if (!quiet.quiet) L.log(`  throughput: the machine is busy (${L.fmt(quiet.otherCores)} cores used by others); measuring anyway`);
      const r = await L.loadTest(target.url, { ...opts, serverPid: target.pid });
      r.quietBefore = quiet;
      // autocannon has just dropped 64 connections with requests in flight: still serving?
      const healthAfter = await L.healthAfterLoad(target.url);
      const extra = target.after ? await target.after() : {};
      row = { label, kind, ...r, healthAfter, ...extra };
    } catch (err) {
      L.log(`  throughput: ${label} FAILED: ${err.message}`);
      row = { label, kind, error: String(err.message ?? err) };
    } finally {
      const stop = await target?.stop();
      if (stop) row.stop = stop;
      rows.push(row);
    }
  };

  await measure('raw node:http', 'baseline', L.startNodeHttp);
  await measure('workerd', 'workerd', () => L.startWorkerd());
  for (const [label, sandboxes, config] of [
    ['Cairn sandboxed, maxInstances 4 × concurrency 16', null, TUNED],
    ['Cairn sandboxed, default scaling', null, undefined],
    ['Cairn in-process (--sandboxes 0), maxInstances 4 × concurrency 16', 0, TUNED],
    ['Cairn in-process (--sandboxes 0), default scaling', 0, undefined],
  ]) {
    await measure(label, sandboxes === 0 ? 'cairn-inprocess' : 'cairn-sandboxed', async () => {
      const node = await L.startCairn({ sandboxes });
      try {
        await L.deploy(node, 'hello', L.HELLO_MODULE, config);
      } catch (err) {
        await node.stop();
        throw err;
      }
      return {
        node,
        pid: node.pid,
        url: `${node.dataUrl}/hello/`,
        stop: () => node.stop(),
        after: async () => {
          const m = await L.cairnMetrics(node);
          return {
            config: config ?? 'defaults',
            coldStarts: L.sumMetric(m, /^cairn_cold_starts_total\b/),
            instances: m?.filter((l) => l.startsWith('cairn_instances')) ?? null,
            invocationsByStatus: m?.filter((l) => l.startsWith('cairn_invocations_total')) ?? null,
            logProblems: node.handle.problems(),
            stderrTail: node.handle.stderr().split('\n').filter((l) => l && !/^\s*(cairn node ready|data plane|control plane|data dir|admin token|\(generated|stop with)/.test(l)).slice(-20),
            sandboxProcesses: L.treePids(node.pid).length - 1,
          };
        },
      };
    });
  }

  // The baseline again at the end: the machine is shared, and one noisy baseline would flatter
  // every ratio. Ratios use the better of the two baseline runs.
  await measure('raw node:http (again, after the others)', 'baseline', L.startNodeHttp);

  const bases = rows.filter((r) => r.kind === 'baseline' && !r.error);
  const base = bases.length ? bases.reduce((a, b) => (b.reqPerSec > a.reqPerSec ? b : a)) : null;
  for (const r of rows) r.ratio = base && !r.error ? r.reqPerSec / base.reqPerSec : null;
  return { connections, durationS, warmupS, baselineReqPerSec: base?.reqPerSec ?? null, rows };
}

export function printThroughput(res) {
  const headers = ['target', 'req/s', '× node:http', 'p50 ms', 'p99 ms', 'max ms', 'non-2xx', 'errors', 'server CPU µs/req', 'server cores', 'loadgen cores', 'other cores'];
  const rows = res.rows.map((r) => r.error
    ? [r.label, 'FAILED', '—', '—', '—', '—', '—', '—', '—', '—', '—', '—']
    : [r.label, L.fmt(r.reqPerSec, 0), L.fmt(r.ratio) + '×', L.fmt(r.p50), L.fmt(r.p99), L.fmt(r.max, 1), String(r.non2xx), String(r.errors + r.timeouts), L.fmt(r.serverCpuUsPerReq, 1), L.fmt(r.serverCores), L.fmt(r.loadGenCores), L.fmt(r.otherCores)]);
  let out = `Hello-world throughput: ${res.connections} connections, ${res.warmupS} s warm-up + ${res.durationS} s measured each, autocannon in the bench process\n`;
  out += L.table(headers, rows) + '\n';
  out += `ratios are to the better raw node:http run (${L.fmt(res.baselineReqPerSec, 0)} req/s); latency percentiles are exact (every 2xx response); cores = CPU time / wall time\n`;
  const noisy = res.rows.filter((r) => !r.error && r.otherCores > 0.25);
  if (noisy.length) out += `NOISE: other work on this machine used > 0.25 cores during: ${noisy.map((r) => `${r.label} (${L.fmt(r.otherCores)})`).join('; ')}\n`;
  out += 'targets: Cairn ≥ 0.5× raw node:http, p99 ≤ 10 ms at 64 connections\n';
  for (const r of res.rows.filter((x) => x.kind.startsWith('cairn') && !x.error)) {
    out += `  ${r.label}: ${r.ratio >= 0.5 ? 'MEETS' : 'MISSES'} 0.5× (${L.fmt(r.ratio)}×), ${r.p99 <= 10 ? 'MEETS' : 'MISSES'} p99 ≤ 10 ms (${L.fmt(r.p99)} ms)` +
      `${r.non2xx ? `, ${r.non2xx} non-2xx ${JSON.stringify(r.statusCodes)}` : ''}${r.errors ? `, ${r.errors} socket errors` : ''}${r.logProblems?.count ? `, ${r.logProblems.count} warn/error log lines` : ''}\n`;
  }
  for (const r of res.rows.filter((x) => !x.error && !x.healthAfter?.ok)) {
    out += `  ${r.label}: DID NOT ANSWER after the load generator disconnected — ${r.healthAfter.error ?? `HTTP ${r.healthAfter.status}`}\n`;
  }
  for (const r of res.rows.filter((x) => x.stop?.killed)) {
    out += `  ${r.label}: did not exit within 5 s of SIGTERM after the load; killed\n`;
  }
  for (const r of res.rows.filter((x) => x.error)) out += `  ${r.label}: FAILED — ${r.error.split('\n')[0]}\n`;
  return out;
}
