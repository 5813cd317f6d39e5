// Section 2: cold start.
// (a) fresh isolate → first response through Cairn's in-process engine, beside a bare isolated-vm
//     isolate running the same handler (bench/coldstart-engine.mjs, in a child process).
// (b) deploy → first response of the new version through a real node (sandboxed and in-process),
//     beside "redeploying" the baselines: restarting a node:http process or workerd with the new
//     code until it answers.
import { join } from 'node:path';
import * as L from './lib.mjs';

const versioned = (i) => `const VERSION = ${i};\nexport default {\n  async fetch(request) {\n    return new Response("Hello from Cairn! v" + VERSION);\n  },\n};\n`;

export async function runColdStart({ iterations = 200, deploys = 30, restarts = 10 } = {}) {
  const out = { engine: null, deploy: [], restart: [] };

  // (a)
  L.log(`  coldstart: engine, ${iterations} isolates (+10 warm-up) ...`);
  try {
    const h = L.startChild(process.execPath, ['--import', 'tsx', join(L.ROOT, 'bench', 'coldstart-engine.mjs'), String(iterations), '10']);
    const line = await h.waitForLine((l) => (l.startsWith('{') ? JSON.parse(l) : undefined), 120_000);
    await h.exited;
    const pick = (arr, k) => L.summarize(arr.map((x) => x[k]));
    out.engine = {
      iterations: line.iterations,
      warmup: line.warmup,
      cairn: { create: pick(line.cairn, 'create'), startMs: pick(line.cairn, 'startMs'), invoke: pick(line.cairn, 'invoke'), first: pick(line.cairn, 'first') },
      bare: { isolate: pick(line.bare, 'isolate'), context: pick(line.bare, 'context'), create: pick(line.bare, 'create'), invoke: pick(line.bare, 'invoke'), first: pick(line.bare, 'first') },
    };
  } catch (err) {
    L.log(`  coldstart: engine FAILED: ${err.message}`);
    out.engine = { error: String(err.message ?? err) };
  }

  // (b) through a real node
  for (const [label, sandboxes] of [['Cairn sandboxed', null], ['Cairn in-process (--sandboxes 0)', 0]]) {
    L.log(`  coldstart: ${label}, ${deploys} deploys ...`);
    let node = null;
    try {
      node = await L.startCairn({ sandboxes });
      const url = `${node.dataUrl}/hello/`;
      const once = async (i) => {
        const expect = `Hello from Cairn! v${i}`;
        const t0 = performance.now();
        await L.deploy(node, 'hello', versioned(i));
        const deployMs = performance.now() - t0;
        const r = await L.waitForHttp(url, { t0, timeoutMs: 10_000, accept: (b) => b === expect });
        return { deployMs, firstMs: r.ms, polls: r.tries };
      };
      const first = await once(0); // first function on a fresh node (sandbox process start, if any)
      const runs = [];
      for (let i = 1; i <= deploys; i++) runs.push(await once(i));
      out.deploy.push({
        label, sandboxes,
        firstOnFreshNode: first,
        deployApi: L.summarize(runs.map((r) => r.deployMs)),
        firstResponse: L.summarize(runs.map((r) => r.firstMs)),
        afterDeploy: L.summarize(runs.map((r) => r.firstMs - r.deployMs)),
        extraPolls: runs.reduce((s, r) => s + r.polls - 1, 0),
        nodeStartMs: node.startMs,
        logProblems: node.handle.problems(),
      });
    } catch (err) {
      L.log(`  coldstart: ${label} FAILED: ${err.message}`);
      out.deploy.push({ label, sandboxes, error: String(err.message ?? err) });
    } finally {
      const stop = await node?.stop();
      if (stop?.killed) out.deploy[out.deploy.length - 1].stopKilled = true;
    }
  }

  // (b) baselines: restart the process with the new code until it answers.
  L.log(`  coldstart: baselines, ${restarts} restarts each of node:http and workerd ...`);
  for (const [label, start] of [
    ['node:http process restart', async () => { const t0 = performance.now(); const s = await L.startNodeHttp(); const r = await L.waitForHttp(s.url, { t0 }); return { s, ms: r.ms }; }],
    ['workerd restart (new config)', async (i) => { const s = await L.startWorkerd({ workers: [{ name: 'hello', code: versioned(i) }] }); return { s, ms: s.firstResponseMs }; }],
  ]) {
    try {
      const ms = [];
      for (let i = 0; i < restarts; i++) {
        const { s, ms: m } = await start(i);
        ms.push(m);
        await s.stop();
      }
      out.restart.push({ label, firstResponse: L.summarize(ms) });
    } catch (err) {
      out.restart.push({ label, error: String(err.message ?? err) });
    }
  }
  return out;
}

export function printColdStart(res) {
  let out = '';
  const e = res.engine;
  out += `Cold start (a): fresh isolate → first response, in-process engine, ${e?.iterations ?? '?'} isolates each (after ${e?.warmup ?? '?'} warm-up), interleaved\n`;
  if (!e || e.error) {
    out += `  FAILED: ${e?.error?.split('\n')[0]}\n`;
  } else {
    out += L.table(['measure', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'p50 × bare'], [
      ['bare isolated-vm: new Isolate()', L.fmt(e.bare.isolate.p50), L.fmt(e.bare.isolate.p90), L.fmt(e.bare.isolate.p99), L.fmt(e.bare.isolate.max), '—'],
      ['bare isolated-vm: + createContext()', L.fmt(e.bare.context.p50), L.fmt(e.bare.context.p90), L.fmt(e.bare.context.p99), L.fmt(e.bare.context.max), '—'],
      ['bare isolated-vm: isolate + context + module', L.fmt(e.bare.create.p50), L.fmt(e.bare.create.p90), L.fmt(e.bare.create.p99), L.fmt(e.bare.create.max), '1.00×'],
      ['bare isolated-vm: + first call', L.fmt(e.bare.first.p50), L.fmt(e.bare.first.p90), L.fmt(e.bare.first.p99), L.fmt(e.bare.first.max), '1.00×'],
      ['Cairn createInstance (instance.startMs)', L.fmt(e.cairn.startMs.p50), L.fmt(e.cairn.startMs.p90), L.fmt(e.cairn.startMs.p99), L.fmt(e.cairn.startMs.max), L.fmt(e.cairn.startMs.p50 / e.bare.create.p50) + '×'],
      ['Cairn createInstance (wall, caller side)', L.fmt(e.cairn.create.p50), L.fmt(e.cairn.create.p90), L.fmt(e.cairn.create.p99), L.fmt(e.cairn.create.max), L.fmt(e.cairn.create.p50 / e.bare.create.p50) + '×'],
      ['Cairn first invoke alone', L.fmt(e.cairn.invoke.p50), L.fmt(e.cairn.invoke.p90), L.fmt(e.cairn.invoke.p99), L.fmt(e.cairn.invoke.max), L.fmt(e.cairn.invoke.p50 / e.bare.invoke.p50) + '×'],
      ['Cairn create + first invoke', L.fmt(e.cairn.first.p50), L.fmt(e.cairn.first.p90), L.fmt(e.cairn.first.p99), L.fmt(e.cairn.first.max), L.fmt(e.cairn.first.p50 / e.bare.first.p50) + '×'],
    ]) + '\n';
    out += `target: p50 ≤ 3 ms → ${e.cairn.first.p50 <= 3 ? 'MEETS' : 'MISSES'} (create + first invoke p50 ${L.fmt(e.cairn.first.p50)} ms)\n`;
  }
  out += `\nCold start (b): deploy → first response of the new version (POST …/versions, then GET until the new body)\n`;
  const rows = [];
  for (const r of res.restart) {
    rows.push(r.error ? [`baseline: ${r.label}`, 'FAILED', '', '', '', ''] : [`baseline: ${r.label}`, String(r.firstResponse.n), L.fmt(r.firstResponse.p50), L.fmt(r.firstResponse.p99), '—', '—']);
  }
  for (const r of res.deploy) {
    rows.push(r.error ? [r.label, 'FAILED', '', '', '', ''] : [r.label, String(r.firstResponse.n), L.fmt(r.firstResponse.p50), L.fmt(r.firstResponse.p99), L.fmt(r.deployApi.p50), L.fmt(r.afterDeploy.p50)]);
  }
  out += L.table(['path', 'n', 'p50 ms', 'p99 ms', 'deploy API p50 ms', 'deploy→answer p50 ms'], rows) + '\n';
  for (const r of res.deploy) {
    if (r.error) out += `  ${r.label}: FAILED — ${r.error.split('\n')[0]}\n`;
    else out += `  ${r.label}: target p50 ≤ 100 ms → ${r.firstResponse.p50 <= 100 ? 'MEETS' : 'MISSES'}; first deploy on a fresh node ${L.fmt(r.firstOnFreshNode.firstMs)} ms${r.logProblems.count ? `; ${r.logProblems.count} warn/error log lines` : ''}\n`;
  }
  return out;
}
