// Shared helpers for `npm run bench`: child processes that are always cleaned up, free ports,
// autocannon runs with CPU accounting, Cairn nodes (start, deploy, invoke), RSS of process trees.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const WORKERD = join(ROOT, 'node_modules', '.bin', 'workerd');
export const HELLO_TEXT = 'Hello from Cairn!';
export const HELLO_MODULE = `export default {\n  async fetch(request) {\n    return new Response(${JSON.stringify(HELLO_TEXT)});\n  },\n};\n`;

// ---------------------------------------------------------------------------------------------
// Children and temp dirs: every one is registered here and removed on exit, error or signal.

const children = new Set();
const tempDirs = new Set();

export function tempDir(prefix = 'cairn-bench-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir) {
  tempDirs.delete(dir);
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Spawns a child in its own process group (so that its own children — Cairn's sandbox processes —
 * can be signalled with it). Returns { child, stdoutLines(), stderrTail(), exited }.
 */
export function startChild(cmd, args, opts = {}) {
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...opts });
  children.add(child);
  let stderr = '';
  let stdout = '';
  const lineWaiters = [];
  const problems = []; // pino lines at warn level or above (Cairn logs JSON on stdout)
  let problemCount = 0;
  let buf = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (d) => {
    stdout = (stdout + d).slice(-20_000);
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (/"level":\s*(4|5|6)0\b/.test(line)) { problemCount++; if (problems.length < 50) problems.push(line.slice(0, 2000)); }
      for (const w of [...lineWaiters]) w(line);
    }
  });
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-20_000); });
  const exited = new Promise((res) => child.once('exit', (code, signal) => { children.delete(child); res({ code, signal }); }));
  return {
    child,
    pid: child.pid,
    exited,
    stderr: () => stderr,
    stdout: () => stdout,
    /** Warn/error/fatal log lines seen so far: { count, first: [up to 50 lines] }. */
    problems: () => ({ count: problemCount, first: [...problems] }),
    /** Resolves with the first stdout line for which `pick(line)` returns a value. */
    waitForLine(pick, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`timed out after ${timeoutMs} ms waiting for ${cmd} to be ready\nstderr: ${stderr.slice(-2000)}\nstdout: ${stdout.slice(-2000)}`)), timeoutMs);
        const onLine = (line) => {
          let v;
          try { v = pick(line); } catch { v = undefined; }
          if (v !== undefined) done(null, v);
        };
        const onExit = ({ code, signal }) => done(new Error(`${cmd} ${args.join(' ')} exited (${signal ?? code}) before it was ready\nstderr: ${stderr.slice(-3000)}\nstdout: ${stdout.slice(-2000)}`));
        let finished = false;
        function done(err, v) {
          if (finished) return;
          finished = true;
          clearTimeout(timer);
          const k = lineWaiters.indexOf(onLine);
          if (k >= 0) lineWaiters.splice(k, 1);
          if (err) reject(err); else resolve(v);
        }
        lineWaiters.push(onLine);
        exited.then(onExit);
      });
    },
  };
}

/**
 * SIGTERM the child (its process group, unless `leaderOnly`), SIGKILL the group after `graceMs`.
 * Returns { ms, killed }: how long it took to exit and whether it had to be killed.
 */
export async function stopChild(h, graceMs = 3000, { leaderOnly = false } = {}) {
  if (!h) return { ms: 0, killed: false };
  if (h.child.exitCode !== null || h.child.signalCode !== null) { await h.exited; return { ms: 0, killed: false }; }
  const kill = (sig, group) => { try { if (group) process.kill(-h.pid, sig); else h.child.kill(sig); } catch { try { h.child.kill(sig); } catch { /* gone */ } } };
  const t0 = performance.now();
  kill('SIGTERM', !leaderOnly);
  let killed = false;
  const t = setTimeout(() => { killed = true; kill('SIGKILL', true); }, graceMs);
  await h.exited;
  clearTimeout(t);
  const ms = performance.now() - t0;
  // The group may still hold grandchildren (sandbox processes) if the parent did not stop them.
  try { process.kill(-h.pid, 'SIGKILL'); } catch { /* group is empty */ }
  return { ms, killed };
}

export function cleanupSync() {
  for (const c of children) {
    try { process.kill(-c.pid, 'SIGKILL'); } catch { try { c.kill('SIGKILL'); } catch { /* gone */ } }
  }
  children.clear();
  for (const d of tempDirs) { try { rmSync(d, { recursive: true, force: true }); } catch { /* ignore */ } }
  tempDirs.clear();
}

process.on('exit', cleanupSync);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => { cleanupSync(); process.exit(130); });
}

// ---------------------------------------------------------------------------------------------

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers 2xx (or `accept(body)`), returns ms elapsed since `t0`. */
export async function waitForHttp(url, { t0 = performance.now(), timeoutMs = 20_000, accept = () => true, intervalMs = 0 } = {}) {
  let lastErr;
  let tries = 0;
  for (;;) {
    tries++;
    try {
      const r = await fetch(url);
      const body = await r.text();
      if (r.ok && accept(body)) return { ms: performance.now() - t0, tries, body };
      lastErr = new Error(`HTTP ${r.status}: ${body.slice(0, 300)}`);
    } catch (e) {
      lastErr = e;
    }
    if (performance.now() - t0 > timeoutMs) throw new Error(`${url} did not answer within ${timeoutMs} ms: ${lastErr?.message}`);
    if (intervalMs) await sleep(intervalMs);
    else await new Promise((r) => setImmediate(r));
  }
}

// ---------------------------------------------------------------------------------------------
// CPU time of process trees (for "where the time goes").

const CLK_TCK = 100; // Linux USER_HZ

export function childPids(pid) {
  const out = [];
  let tasks;
  try { tasks = readdirSync(`/proc/${pid}/task`); } catch { return out; }
  for (const t of tasks) {
    try {
      const s = readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim();
      if (s) out.push(...s.split(/\s+/).map(Number));
    } catch { /* task ended */ }
  }
  return out;
}

/** pid and all its descendants. */
export function treePids(pid) {
  const all = [pid];
  for (let i = 0; i < all.length; i++) all.push(...childPids(all[i]));
  return all;
}

/** utime+stime (ms) of one process, or 0 if it is gone. */
export function cpuMsOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** Busy CPU time (ms) of the whole machine, all cores, from /proc/stat. */
export function machineBusyMs() {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    return ((total - f[3] - f[4]) * 1000) / CLK_TCK;
  } catch {
    return 0;
  }
}

export function treeCpuMs(pid) {
  return treePids(pid).reduce((s, p) => s + cpuMsOf(p), 0);
}

/** VmRSS in KiB of one process. */
export function rssKbOf(pid) {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** A short description of a process: its command line, trimmed. */
export function cmdOf(pid) {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return argv.map((a) => (a.length > 60 ? a.slice(0, 57) + '...' : a)).join(' ').slice(0, 200);
  } catch {
    return '?';
  }
}

export function treeRss(pid) {
  const pids = treePids(pid);
  const per = pids.map((p) => ({ pid: p, kb: rssKbOf(p), cmd: cmdOf(p) }));
  return { kb: per.reduce((s, x) => s + x.kb, 0), processes: per };
}

// ---------------------------------------------------------------------------------------------
// Load generation.

/**
 * One autocannon measurement: a single run of `warmupS + durationS` seconds on the same 64
 * connections; responses that complete during the first `warmupS` seconds are discarded. (One run,
 * not two: stopping autocannon drops its connections with requests in flight, and the next run
 * must not inherit what that does to the server.) `serverPid` (optional): CPU used by that process
 * tree during the measured window is reported.
 */
export async function loadTest(url, { connections = 64, durationS = 10, warmupS = 2, serverPid = null } = {}) {
  let lat = new Float64Array(1 << 20);
  let n = 0;
  let measuring = false;
  const codes = {};
  let errors = 0;
  let timeouts = 0;
  let snap0 = null;
  let snap1 = null;
  const snapshot = () => ({ t: performance.now(), cpu: process.cpuUsage(), srv: serverPid ? treeCpuMs(serverPid) : 0, busy: machineBusyMs() });
  const result = await new Promise((resolve, reject) => {
    const inst = autocannon({ url, connections, duration: warmupS + durationS, timeout: 10 }, (err, res) => (err ? reject(err) : resolve(res)));
    const startTimer = setTimeout(() => { snap0 = snapshot(); measuring = true; }, warmupS * 1000);
    const stopTimer = setTimeout(() => { measuring = false; snap1 = snapshot(); }, (warmupS + durationS) * 1000 - 50);
    inst.on('done', () => { clearTimeout(startTimer); clearTimeout(stopTimer); if (!snap1) { measuring = false; snap1 = snapshot(); } });
    inst.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (!measuring) return;
      codes[statusCode] = (codes[statusCode] ?? 0) + 1;
      if (statusCode < 200 || statusCode > 299) return;
      if (n === lat.length) { const bigger = new Float64Array(lat.length * 2); bigger.set(lat); lat = bigger; }
      lat[n++] = responseTime;
    });
    inst.on('reqError', (err) => { if (!measuring) return; if (/timeout/i.test(err?.message ?? '') || err?.code === 'ETIMEDOUT') timeouts++; else errors++; });
  });
  if (!snap0) snap0 = snap1 ?? snapshot();
  const wallMs = snap1.t - snap0.t;
  const genMs = (snap1.cpu.user - snap0.cpu.user + snap1.cpu.system - snap0.cpu.system) / 1000;
  const srvMs = serverPid ? snap1.srv - snap0.srv : null;
  const busyMs = snap1.busy - snap0.busy;
  const total = Object.values(codes).reduce((x, y) => x + y, 0);
  // autocannon's own histogram has 1 ms resolution; the percentiles here come from every 2xx
  // response's exact time.
  const l = summarize(lat.subarray(0, n));
  return {
    reqPerSec: total / (wallMs / 1000),
    p50: l.p50,
    p90: l.p90,
    p99: l.p99,
    max: l.max,
    meanLatency: l.mean,
    total,
    ok2xx: n,
    non2xx: total - n,
    errors,
    timeouts,
    statusCodes: codes,
    wallMs,
    wholeRun: { total: result.requests.total, non2xx: result.non2xx, errors: result.errors, timeouts: result.timeouts },
    // CPU cores used on average during the measured window (this machine has 2).
    loadGenCores: genMs / wallMs,
    serverCores: srvMs === null ? null : srvMs / wallMs,
    // Server CPU per answered request (µs): far less sensitive to other load than req/s.
    serverCpuUsPerReq: srvMs === null || total === 0 ? null : (srvMs * 1000) / total,
    loadGenCpuUsPerReq: total === 0 ? null : (genMs * 1000) / total,
    // Everything else the machine ran meanwhile (other users' work, kernel time not charged to
    // either process): a noise indicator, ideally ~0.
    otherCores: Math.max(0, (busyMs - genMs - (srvMs ?? 0)) / wallMs),
  };
}

/**
 * The machine is shared: before a measurement, wait (up to `maxWaitS`) for a second in which
 * processes other than this one used less than `threshold` cores. Returns what was seen.
 */
export async function waitForQuiet({ maxWaitS = 15, threshold = 0.3 } = {}) {
  const t0 = performance.now();
  for (;;) {
    const b0 = machineBusyMs();
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    await sleep(1000);
    const c = process.cpuUsage(c0);
    const other = Math.max(0, (machineBusyMs() - b0 - (c.user + c.system) / 1000) / (performance.now() - w0));
    if (other < threshold) return { quiet: true, otherCores: other, waitedS: (performance.now() - t0) / 1000 };
    if (performance.now() - t0 > maxWaitS * 1000) return { quiet: false, otherCores: other, waitedS: (performance.now() - t0) / 1000 };
  }
}

/** After the load generator has gone: does the target still answer? (ms, or the error) */
export async function healthAfterLoad(url, timeoutMs = 3000) {
  const t0 = performance.now();
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const body = await r.text();
    return { ok: r.ok, status: r.status, ms: performance.now() - t0, body: r.ok ? undefined : body.slice(0, 300) };
  } catch (err) {
    return { ok: false, status: null, ms: performance.now() - t0, error: `no answer within ${timeoutMs} ms (${err.name})` };
  }
}

// ---------------------------------------------------------------------------------------------
// Cairn nodes.

export function cairnBuild() {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'pipe'] });
    let err = '';
    c.stderr.on('data', (d) => { err += d; });
    c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`node scripts/build.mjs failed (${code}): ${err.slice(-2000)}`))));
  });
}

/** Starts `cairn serve` on free ports in a fresh data dir; resolves once it printed its ready line. */
export async function startCairn({ sandboxes = null, logLevel = 'warn', timeoutMs = 30_000 } = {}) {
  const dataDir = tempDir('cairn-bench-node-');
  const args = ['bin/cairn.js', 'serve', '--port', '0', '--admin-port', '0', '--data-dir', dataDir, '--log-level', logLevel];
  if (sandboxes !== null) args.push('--sandboxes', String(sandboxes));
  const t0 = performance.now();
  const h = startChild(process.execPath, args);
  const ready = await h.waitForLine((line) => {
    const j = JSON.parse(line);
    return j && j.event === 'ready' ? j : undefined;
  }, timeoutMs);
  const startMs = performance.now() - t0;
  const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
  return {
    handle: h,
    pid: h.pid,
    dataUrl: ready.dataUrl.replace(/\/$/, ''),
    adminUrl: ready.adminUrl.replace(/\/$/, ''),
    token,
    dataDir,
    startMs,
    /** Stops the node the way an operator would (SIGTERM to the node only; it stops its sandboxes). */
    async stop() {
      const r = await stopChild(h, 5000, { leaderOnly: true });
      removeTempDir(dataDir);
      return r;
    },
  };
}

export async function deploy(node, name, code, config) {
  const body = config === undefined ? { code } : { code, config };
  const r = await fetch(`${node.adminUrl}/api/v1/functions/${encodeURIComponent(name)}/versions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${node.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  if (r.status !== 200 && r.status !== 201) throw new Error(`deploy ${name}: HTTP ${r.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text);
}

/**
 * GET a function on the data plane; throws unless it answers 200 with `expect` (if given). With
 * `node`, a problem answer is explained with the invocation's log lines (the function's stack).
 */
export async function hit(url, expect, node = null) {
  const r = await fetch(url);
  const body = await r.text();
  if (r.status !== 200 || (expect !== undefined && body !== expect)) {
    let detail = '';
    if (node) {
      try {
        const p = JSON.parse(body);
        const fn = new URL(url).pathname.split('/')[1];
        if (p.invocationId) {
          const lr = await fetch(`${node.adminUrl}/api/v1/functions/${fn}/logs?invocation=${p.invocationId}`, { headers: { authorization: `Bearer ${node.token}` } });
          const logs = await lr.json();
          detail = `\n  invocation logs: ${JSON.stringify(logs.items?.map((x) => x.message) ?? logs).slice(0, 1500)}`;
        }
      } catch { /* not a problem document */ }
    }
    throw new Error(`GET ${url}: HTTP ${r.status}: ${body.slice(0, 400)}${detail}`);
  }
  return body;
}

// ---------------------------------------------------------------------------------------------
// Raw node:http and workerd baselines.

export async function startNodeHttp() {
  const port = await freePort();
  const h = startChild(process.execPath, [join(ROOT, 'bench', 'servers', 'node-http.mjs'), String(port)]);
  await h.waitForLine((l) => (l.startsWith('listening') ? true : undefined), 10_000);
  return { handle: h, pid: h.pid, url: `http://127.0.0.1:${port}/`, stop: () => stopChild(h) };
}

/** Writes a workerd config for `workers` ({name, code}) and serves it; `router` puts all behind one socket. */
export function workerdConfig({ port, workers }) {
  if (workers.length === 1) {
    return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "main", worker = .hello) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);

const hello :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "${workers[0].file}") ],
  compatibilityDate = "2025-09-01",
);
`;
  }
  // Many workers: a router worker dispatches /<name>/ to the service binding of that name.
  const services = workers.map((w) => `    (name = "${w.name}", worker = (modules = [ (name = "worker.js", esModule = embed "${w.file}") ], compatibilityDate = "2025-09-01")),`).join('\n');
  const bindings = workers.map((w) => `(name = "${w.name}", service = "${w.name}")`).join(', ');
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "router", worker = (modules = [ (name = "router.js", esModule = embed "router.js") ], compatibilityDate = "2025-09-01", bindings = [ ${bindings} ])),
${services}
  ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "router") ],
);
`;
}

export const WORKERD_ROUTER = `export default {
  fetch(request, env) {
    const name = new URL(request.url).pathname.split('/')[1];
    const svc = env[name];
    return svc ? svc.fetch(request) : new Response('no such worker', { status: 404 });
  },
};
`;

export async function startWorkerd({ workers = [{ name: 'hello', code: HELLO_MODULE }], readyPath = null, timeoutMs = 30_000 } = {}) {
  const dir = tempDir('cairn-bench-workerd-');
  const port = await freePort();
  const ws = workers.map((w, i) => {
    const file = `w${i}.js`;
    writeFileSync(join(dir, file), w.code);
    return { ...w, file };
  });
  if (ws.length > 1) writeFileSync(join(dir, 'router.js'), WORKERD_ROUTER);
  writeFileSync(join(dir, 'config.capnp'), workerdConfig({ port, workers: ws }));
  if (!existsSync(WORKERD)) throw new Error(`${WORKERD} is missing (workerd is a devDependency)`);
  const t0 = performance.now();
  const h = startChild(WORKERD, ['serve', join(dir, 'config.capnp')], { cwd: dir });
  const url = `http://127.0.0.1:${port}/`;
  const first = await Promise.race([
    waitForHttp(url + (readyPath ?? ''), { t0, timeoutMs, intervalMs: 5 }),
    h.exited.then(({ code, signal }) => { throw new Error(`workerd exited (${signal ?? code}): ${h.stderr().slice(-3000)}`); }),
  ]);
  return {
    handle: h,
    pid: h.pid,
    url,
    firstResponseMs: first.ms,
    async stop() {
      await stopChild(h);
      removeTempDir(dir);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Statistics and tables.

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function summarize(values) {
  const s = Float64Array.from(values).sort();
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  if (s.length === 0) return { n: 0, p50: null, p90: null, p99: null, min: null, max: null, mean: null };
  return { n: s.length, p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), min: s[0], max: s[s.length - 1], mean };
}

export function fmt(n, digits = 2) {
  if (n === null || n === undefined || Number.isNaN(n)) return '—';
  if (typeof n === 'string') return n;
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  return n.toFixed(digits);
}

export function table(headers, rows) {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '—' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r) => '| ' + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
  const sep = '|' + widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|';
  return [line(cells[0]), sep, ...cells.slice(1).map(line)].join('\n');
}

export function log(...a) {
  process.stderr.write(a.join(' ') + '\n');
}

export { sleep };

/** The node's Prometheus lines whose metric name starts with one of `prefixes` (null if /metrics fails). */
export async function cairnMetrics(node, prefixes = ['cairn_cold_starts_total', 'cairn_instances', 'cairn_invocations_total']) {
  try {
    const r = await fetch(`${node.adminUrl}/metrics`, { headers: { authorization: `Bearer ${node.token}` } });
    if (!r.ok) return null;
    const text = await r.text();
    return text.split('\n').filter((l) => prefixes.some((p) => l.startsWith(p)));
  } catch {
    return null;
  }
}

/** Sum of the values of metric lines matching `re`. */
export function sumMetric(lines, re) {
  if (!lines) return null;
  let s = 0;
  for (const l of lines) if (re.test(l)) s += Number(l.slice(l.lastIndexOf(' ') + 1)) || 0;
  return s;
}
