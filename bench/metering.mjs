// What metering costs: hello-world throughput of a node that keeps usage records (the default)
// beside the same node started with the hidden --no-metering flag, in the same run.
//   node bench/metering.mjs [--rounds N] [--duration S] [--sandboxes N] [--connections N] [--no-build] [--quick]
// Both nodes run side by side (the idle one costs nothing); rounds alternate on, off, on, off, ...
// so that drift on a shared machine hits both alike. Reported: median req/s of each mode, server
// CPU per request (less sensitive to other load than req/s), and the overhead of metering.
// Standalone (not a section of bench/run.mjs); results go to results/metering-<timestamp>.json.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as L from './lib.mjs';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '4' },
    duration: { type: 'string', default: '6' },
    warmup: { type: 'string', default: '1' },
    sandboxes: { type: 'string' },
    connections: { type: 'string', default: '64' },
    'commit-window-ms': { type: 'string' },
    'no-build': { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write('usage: node bench/metering.mjs [--rounds N] [--duration S] [--warmup S] [--sandboxes N] [--connections N] [--commit-window-ms MS] [--no-build] [--quick]\n');
  process.exit(0);
}
const rounds = values.quick ? 2 : Number(values.rounds);
const durationS = values.quick ? 3 : Number(values.duration);
const warmupS = Number(values.warmup);
const connections = Number(values.connections);
const CONFIG = { scaling: { maxInstances: 4, concurrency: 16 } };

/** `cairn serve` on free ports in a fresh data dir, with extra flags. */
async function startNode(extra) {
  const dataDir = L.tempDir('cairn-bench-metering-');
  const args = ['bin/cairn.js', 'serve', '--port', '0', '--admin-port', '0', '--data-dir', dataDir, '--log-level', 'error', ...extra];
  if (values.sandboxes !== undefined) args.push('--sandboxes', values.sandboxes);
  if (values['commit-window-ms'] !== undefined) args.push('--commit-window-ms', values['commit-window-ms']);
  const h = L.startChild(process.execPath, args);
  const ready = await h.waitForLine((line) => { const j = JSON.parse(line); return j?.event === 'ready' ? j : undefined; });
  const node = {
    handle: h, pid: h.pid, dataDir,
    dataUrl: ready.dataUrl.replace(/\/$/, ''), adminUrl: ready.adminUrl.replace(/\/$/, ''),
    token: readFileSync(join(dataDir, 'admin-token'), 'utf8').trim(),
    async stop() { const r = await L.stopChild(h, 5000, { leaderOnly: true }); L.removeTempDir(dataDir); return r; },
  };
  await L.deploy(node, 'hello', L.HELLO_MODULE, CONFIG);
  const body = await L.hit(`${node.dataUrl}/hello/`, L.HELLO_TEXT, node);
  if (body !== L.HELLO_TEXT) throw new Error('hello did not answer');
  return node;
}

async function usageRequests(node) {
  const r = await fetch(`${node.adminUrl}/api/v1/usage?tenant=*`, { headers: { authorization: `Bearer ${node.token}` } });
  return r.ok ? (await r.json()).totals.requests : null;
}

/** otherCores below this: nothing else ran on the machine during a measurement. */
const CLEAN = 0.25;
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

async function main() {
  if (!values['no-build']) {
    L.log('metering: building (node scripts/build.mjs) ...');
    await L.cairnBuild();
  }
  L.log('metering: starting a node with metering on and one with --no-metering ...');
  const nodes = { on: await startNode([]), off: await startNode(['--no-metering']) };
  const runs = [];
  try {
    for (let i = 0; i < rounds; i++) {
      // Alternate which mode goes first in each round.
      for (const mode of i % 2 === 0 ? ['on', 'off'] : ['off', 'on']) {
        const node = nodes[mode];
        // The machine is shared: wait (up to 20 s) for the others to be quiet, and say when they were not.
        const quiet = await L.waitForQuiet({ maxWaitS: 20 });
        if (!quiet.quiet) L.log(`metering: the machine is busy (${L.fmt(quiet.otherCores)} cores used by others); measuring anyway`);
        L.log(`metering: round ${i + 1}/${rounds}, metering ${mode} ...`);
        const r = await L.loadTest(`${node.dataUrl}/hello/`, { connections, durationS, warmupS, serverPid: node.pid });
        runs.push({ round: i + 1, mode, reqPerSec: r.reqPerSec, p50: r.p50, p99: r.p99, non2xx: r.non2xx, errors: r.errors, serverCpuUsPerReq: r.serverCpuUsPerReq, serverCores: r.serverCores, otherCores: r.otherCores, quietBefore: quiet.otherCores });
      }
    }
    await new Promise((r) => setTimeout(r, 500)); // the last window commits
    const metered = { on: await usageRequests(nodes.on), off: await usageRequests(nodes.off) };
    // A round counts when neither of its two runs shared the machine with other work (otherCores:
    // CPU used by processes other than the node and the load generator); if fewer than two rounds
    // were clean, every round counts.
    const pairs = [];
    for (let i = 1; i <= rounds; i++) {
      const a = runs.find((r) => r.round === i && r.mode === 'on');
      const b = runs.find((r) => r.round === i && r.mode === 'off');
      if (a && b) pairs.push({ round: i, on: a, off: b, clean: a.otherCores < CLEAN && b.otherCores < CLEAN });
    }
    const clean = pairs.filter((p) => p.clean);
    const used = clean.length >= 2 ? clean : pairs;
    const pick = (mode, k) => used.map((p) => p[mode][k]);
    const on = { reqPerSec: median(pick('on', 'reqPerSec')), serverCpuUsPerReq: median(pick('on', 'serverCpuUsPerReq')), p99: median(pick('on', 'p99')) };
    const off = { reqPerSec: median(pick('off', 'reqPerSec')), serverCpuUsPerReq: median(pick('off', 'serverCpuUsPerReq')), p99: median(pick('off', 'p99')) };
    // Paired per round: each round's on/off ratio, then the median ratio (cancels slow drift).
    const ratios = used.map((p) => p.on.reqPerSec / p.off.reqPerSec);
    const result = {
      startedAt: new Date(started).toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version, loadavg: loadavg() },
      settings: { rounds, durationS, warmupS, connections, sandboxes: values.sandboxes ?? 'default (2 per tenant)', commitWindowMs: values['commit-window-ms'] ?? 'default (100)', config: CONFIG },
      runs, roundsUsed: used.map((p) => p.round), cleanRounds: clean.length, on, off,
      throughputCost: 1 - on.reqPerSec / off.reqPerSec,
      pairedThroughputCost: 1 - median(ratios),
      cpuPerRequestCost: on.serverCpuUsPerReq / off.serverCpuUsPerReq - 1,
      usageRecords: metered,
    };
    return result;
  } finally {
    await nodes.on.stop();
    await nodes.off.stop();
  }
}

const started = Date.now();
let result;
try {
  result = await main();
} catch (err) {
  process.stderr.write(`metering: ${err?.stack ?? err}\n`);
  L.cleanupSync();
  process.exit(1);
}
const pct = (x) => `${(x * 100).toFixed(1)} %`;
const rows = [['mode', 'req/s (median)', 'server CPU µs/req', 'p99 ms'],
  ['metering on', L.fmt(result.on.reqPerSec, 0), L.fmt(result.on.serverCpuUsPerReq, 1), L.fmt(result.on.p99, 2)],
  ['metering off', L.fmt(result.off.reqPerSec, 0), L.fmt(result.off.serverCpuUsPerReq, 1), L.fmt(result.off.p99, 2)]];
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
process.stdout.write('\nMetering overhead (hello, ' + `${connections} connections, ${rounds} rounds × ${durationS} s per mode; ${result.cleanRounds >= 2 ? `${result.cleanRounds} rounds with a quiet machine` : 'all rounds: too few had a quiet machine'})\n`);
for (const r of rows) process.stdout.write(r.map((c, i) => c.padEnd(widths[i])).join('  ') + '\n');
process.stdout.write(`throughput cost: ${pct(result.throughputCost)} (paired by round: ${pct(result.pairedThroughputCost)}); CPU per request: ${result.cpuPerRequestCost >= 0 ? '+' : ''}${pct(result.cpuPerRequestCost)}\n`);
process.stdout.write(`usage records: ${result.usageRecords.on} kept with metering on, ${result.usageRecords.off} with it off\n`);
const dir = join(L.ROOT, 'results');
mkdirSync(dir, { recursive: true });
const file = join(dir, `metering-${new Date(started).toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
process.stdout.write(`results: ${file}\n`);
L.cleanupSync();
