// Where does a Cairn node spend its CPU under the hello-world load? Not part of `npm run bench`:
//   node bench/profile.mjs [inprocess|sandboxed] [seconds]
// Starts a node under `node --cpu-prof`, deploys hello (maxInstances 4 × concurrency 16), loads it
// with 64 connections, stops it, and prints the functions with the most self time and the
// heaviest caller chains. The node process only: sandbox processes are not profiled. The
// .cpuprofile (open it in Chrome DevTools) is kept under results/.
import { mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import * as L from './lib.mjs';

const mode = process.argv[2] ?? 'inprocess';
const seconds = Number(process.argv[3] ?? 8);
if (!['inprocess', 'sandboxed'].includes(mode)) {
  process.stderr.write('usage: node bench/profile.mjs [inprocess|sandboxed] [seconds]\n');
  process.exit(2);
}

const profDir = L.tempDir('cairn-bench-prof-');
const dataDir = L.tempDir('cairn-bench-node-');
const args = ['--cpu-prof', `--cpu-prof-dir=${profDir}`, 'bin/cairn.js', 'serve', '--port', '0', '--admin-port', '0', '--data-dir', dataDir, '--log-level', 'warn'];
if (mode === 'inprocess') args.push('--sandboxes', '0');
const h = L.startChild(process.execPath, args);
const ready = await h.waitForLine((l) => { const j = JSON.parse(l); return j.event === 'ready' ? j : undefined; });
const node = { adminUrl: ready.adminUrl, dataUrl: ready.dataUrl, token: readFileSync(join(dataDir, 'admin-token'), 'utf8').trim(), pid: h.pid };
await L.deploy(node, 'hello', L.HELLO_MODULE, { scaling: { maxInstances: 4, concurrency: 16 } });
const r = await L.loadTest(`${node.dataUrl}/hello/`, { durationS: seconds, warmupS: 1, serverPid: h.pid });
process.stdout.write(`${mode}: ${L.fmt(r.reqPerSec, 0)} req/s, p50 ${L.fmt(r.p50)} ms, p99 ${L.fmt(r.p99)} ms, server ${L.fmt(r.serverCpuUsPerReq, 1)} µs CPU/request (whole tree)\n\n`);
// SIGTERM: the node shuts down and exits, which writes the profile. If it has not exited after
// 5 s, a second SIGTERM makes `cairn serve` exit at once (process.exit also writes the profile).
h.child.kill('SIGTERM');
let exited = await Promise.race([h.exited, L.sleep(5000).then(() => null)]);
if (!exited) {
  process.stderr.write('the node had not exited 5 s after SIGTERM; sending a second SIGTERM\n');
  h.child.kill('SIGTERM');
  exited = await Promise.race([h.exited, L.sleep(30_000).then(() => null)]);
}
if (!exited) {
  process.stderr.write(`the node did not exit; its stderr:\n${h.stderr().slice(-3000)}\n`);
  await L.stopChild(h, 0);
  process.exit(1);
}
const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
if (!file) throw new Error('the node wrote no profile');
mkdirSync(join(L.ROOT, 'results'), { recursive: true });
const kept = join(L.ROOT, 'results', `profile-${mode}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`);
renameSync(join(profDir, file), kept);

const p = JSON.parse(readFileSync(kept, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const selfUs = new Map();
let total = 0;
for (let i = 0; i < p.samples.length; i++) {
  const d = p.timeDeltas[i] ?? 0;
  selfUs.set(p.samples[i], (selfUs.get(p.samples[i]) ?? 0) + d);
  total += d;
}
const where = (cf) => `${cf.functionName || '(anonymous)'} ${cf.url ? cf.url.replace(/^.*\/(node_modules|dist|src)\//, '$1/') + ':' + (cf.lineNumber + 1) : ''}`.trim();
const byFn = new Map();
const chains = new Map();
for (const [id, us] of selfUs) {
  const k = where(byId.get(id).callFrame);
  byFn.set(k, (byFn.get(k) ?? 0) + us);
  const chain = [k];
  for (let cur = parent.get(id); cur !== undefined && chain.length < 6; cur = parent.get(cur)) chain.push(where(byId.get(cur).callFrame));
  const ck = chain.join('  <  ');
  chains.set(ck, (chains.get(ck) ?? 0) + us);
}
const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
process.stdout.write(`node process main thread, ${L.fmt(total / 1e6, 1)} s sampled: self time by function\n`);
for (const [k, us] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, 20)) process.stdout.write(`${pct(us)}  ${k}\n`);
process.stdout.write('\nheaviest stacks (self time, leaf first)\n');
for (const [k, us] of [...chains].sort((a, b) => b[1] - a[1]).slice(0, 8)) process.stdout.write(`${pct(us)}  ${k}\n`);
process.stdout.write(`\nprofile: ${kept}\n`);
