// Section 3: idle density. Deploy N distinct small functions to one node, invoke each once so each
// holds a warm instance, and compare the RSS of the node and its sandbox processes with the same
// node holding zero functions. Baselines in the same run: N bare isolated-vm isolates in a plain
// Node process (the floor of this isolate technology) and N workers in one workerd process.
import { join } from 'node:path';
import * as L from './lib.mjs';

const GB = 1e9; // decimal gigabyte (10^9 bytes), the conservative reading of "per GB"
const code = (i) => `const ID = ${i};\nexport default {\n  async fetch(request) {\n    return new Response("Hello from fn-" + ID);\n  },\n};\n`;

/** Runs `fn` over 0..n-1 with at most `limit` in flight. */
async function pool(n, limit, fn) {
  let next = 0;
  const worker = async () => { while (next < n) { const i = next++; await fn(i); } };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
}

function perFunction(label, kind, n, beforeKb, afterKb, extra = {}) {
  const perFnBytes = ((afterKb - beforeKb) * 1024) / n;
  return { label, kind, n, beforeMb: beforeKb / 1024, afterMb: afterKb / 1024, perFnMb: perFnBytes / 2 ** 20, perGb: GB / perFnBytes, ...extra };
}

async function settledRss(pid, ms = 3000) {
  await L.sleep(ms);
  return L.treeRss(pid);
}

export async function runDensity({ n = 500 } = {}) {
  const rows = [];

  L.log(`  density: bare isolated-vm, ${n} isolates ...`);
  try {
    const h = L.startChild(process.execPath, [join(L.ROOT, 'bench', 'density-bare.mjs'), String(n)]);
    const r = await h.waitForLine((l) => (l.startsWith('{') ? JSON.parse(l) : undefined), 120_000);
    await h.exited;
    rows.push(perFunction('baseline: bare isolated-vm isolates in one node process', 'baseline', n, r.beforeKb, r.afterKb));
  } catch (err) {
    rows.push({ label: 'baseline: bare isolated-vm isolates', kind: 'baseline', error: String(err.message ?? err) });
  }

  L.log(`  density: workerd, ${n} workers ...`);
  try {
    const one = await L.startWorkerd({ workers: [{ name: 'fn-0', code: code(0) }, { name: 'fn-1', code: code(1) }], readyPath: 'fn-0/' });
    await L.hit(`${one.url}fn-1/`, 'Hello from fn-1');
    const small = await settledRss(one.pid, 1500);
    await one.stop();
    const many = await L.startWorkerd({ workers: Array.from({ length: n }, (_, i) => ({ name: `fn-${i}`, code: code(i) })), readyPath: 'fn-0/', timeoutMs: 120_000 });
    await pool(n, 8, (i) => L.hit(`${many.url}fn-${i}/`, `Hello from fn-${i}`));
    const big = await settledRss(many.pid, 1500);
    await many.stop();
    rows.push(perFunction('baseline: workerd, one process (2 workers → N workers)', 'workerd', n - 2, small.kb, big.kb));
  } catch (err) {
    rows.push({ label: 'baseline: workerd', kind: 'workerd', error: String(err.message ?? err) });
  }

  for (const [label, sandboxes] of [['Cairn in-process (--sandboxes 0)', 0], ['Cairn sandboxed', null]]) {
    L.log(`  density: ${label}, deploying ${n} functions ...`);
    let node = null;
    try {
      node = await L.startCairn({ sandboxes });
      const empty = await settledRss(node.pid, 2000);
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await L.deploy(node, `fn-${i}`, code(i), { scaling: { maxInstances: 1 } });
      const deployS = (performance.now() - t0) / 1000;
      const t1 = performance.now();
      await pool(n, 4, (i) => L.hit(`${node.dataUrl}/fn-${i}/`, `Hello from fn-${i}`, node));
      const invokeS = (performance.now() - t1) / 1000;
      const full = await settledRss(node.pid, 3000);
      const m = await L.cairnMetrics(node, ['cairn_instances', 'cairn_cold_starts_total']);
      const nodeKb = full.processes[0]?.kb ?? 0;
      rows.push(perFunction(label, sandboxes === 0 ? 'cairn-inprocess' : 'cairn-sandboxed', n, empty.kb, full.kb, {
        deployS, invokeS,
        emptyProcesses: empty.processes.length,
        processes: full.processes.length,
        nodeProcessMb: nodeKb / 1024,
        childProcessesMb: (full.kb - nodeKb) / 1024,
        processList: full.processes.map((p) => ({ kb: p.kb, cmd: p.cmd })),
        emptyProcessList: empty.processes.map((p) => ({ kb: p.kb, cmd: p.cmd })),
        coldStarts: L.sumMetric(m, /^cairn_cold_starts_total\b/),
        idleInstances: L.sumMetric(m, /^cairn_instances\{.*state="idle"/),
        instancesMetric: m?.filter((l) => l.startsWith('cairn_instances')).slice(0, 10) ?? null,
        logProblems: node.handle.problems(),
      }));
    } catch (err) {
      L.log(`  density: ${label} FAILED: ${err.message}`);
      rows.push({ label, kind: sandboxes === 0 ? 'cairn-inprocess' : 'cairn-sandboxed', error: String(err.message ?? err), logProblems: node?.handle.problems() });
    } finally {
      const stop = await node?.stop();
      if (stop) rows[rows.length - 1].stop = stop;
    }
  }
  return { n, rows };
}

export function printDensity(res) {
  let out = `Idle density: ${res.n} distinct small functions, each invoked once (warm), RSS of the whole process tree, GB = 10^9 bytes\n`;
  out += L.table(['target', 'RSS empty MB', 'RSS with N MB', 'MB per function', 'functions per GB', 'processes'], res.rows.map((r) => r.error
    ? [r.label, 'FAILED', '', '', '', '']
    : [r.label, L.fmt(r.beforeMb, 1), L.fmt(r.afterMb, 1), L.fmt(r.perFnMb, 3), L.fmt(r.perGb, 0), r.processes ? `${r.emptyProcesses} → ${r.processes}` : '1'])) + '\n';
  out += 'target: ≥ 500 idle functions per GB\n';
  for (const r of res.rows.filter((x) => x.kind.startsWith('cairn'))) {
    if (r.error) out += `  ${r.label}: FAILED — ${r.error.split('\n')[0]}\n`;
    else out += `  ${r.label}: ${r.perGb >= 500 ? 'MEETS' : 'MISSES'} (${L.fmt(r.perGb, 0)}/GB; node ${L.fmt(r.nodeProcessMb, 1)} MB + child processes ${L.fmt(r.childProcessesMb, 1)} MB; ${r.n} deploys in ${L.fmt(r.deployS, 1)} s, first invocations in ${L.fmt(r.invokeS, 1)} s, cold starts ${r.coldStarts ?? '?'}, idle instances at measurement ${r.idleInstances ?? '?'})${r.logProblems?.count ? `; ${r.logProblems.count} warn/error log lines` : ''}\n`;
  }
  return out;
}
