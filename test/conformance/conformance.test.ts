// Runs the shared web-API conformance suite (../shared/conformance, or $CAIRN_CONFORMANCE_DIR)
// against Cairn's isolate runtime through test/conformance/cairn-adapter.mjs, and checks that in
// every area Cairn passes at least as many subtests as workerd does in the suite's baseline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SUITE = resolve(process.env.CAIRN_CONFORMANCE_DIR ?? join(ROOT, '..', 'shared', 'conformance'));
const ADAPTER = join(ROOT, 'test', 'conformance', 'cairn-adapter.mjs');

interface Results {
  engine: { name: string; version: string | null };
  files: Array<{ file: string; status: string; tests: Array<{ name: string; status: string; message?: string }> }>;
}

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, output }));
  });
}

function passesByArea(r: Results, areaOf: (file: string) => string): Map<string, { pass: number; total: number }> {
  const out = new Map<string, { pass: number; total: number }>();
  for (const f of r.files) {
    const area = areaOf(f.file);
    const s = out.get(area) ?? { pass: 0, total: 0 };
    s.total += Math.max(1, f.tests.length);
    for (const t of f.tests) if (t.status === 'PASS') s.pass++;
    out.set(area, s);
  }
  return out;
}

test('web-API conformance: every area passes at least as many subtests as workerd', { timeout: 300_000 }, async (t) => {
  if (!existsSync(join(SUITE, 'run.mjs'))) {
    t.skip(`conformance suite not found at ${SUITE} (set CAIRN_CONFORMANCE_DIR)`);
    return;
  }
  if (!existsSync(join(ROOT, 'dist', 'bootstrap.js'))) {
    assert.fail('dist/bootstrap.js is missing: run "node scripts/build.mjs" first');
  }
  const tmp = mkdtempSync(join(tmpdir(), 'cairn-conformance-'));
  try {
    const out = join(tmp, 'cairn.json');
    const { code, output } = await run(process.execPath, [
      '--import', 'tsx', join(SUITE, 'run.mjs'), '--engine', ADAPTER, '--out', out, '--jobs', '2',
    ], ROOT);
    assert.equal(code, 0, `run.mjs failed:\n${output}`);
    const ours = JSON.parse(readFileSync(out, 'utf8')) as Results;
    const workerd = JSON.parse(readFileSync(join(SUITE, 'baseline', 'workerd.json'), 'utf8')) as Results;
    const node = JSON.parse(readFileSync(join(SUITE, 'baseline', 'node.json'), 'utf8')) as Results;
    const { areaOf, areaOrder } = await import(pathToFileURL(join(SUITE, 'lib', 'areas.mjs')).href) as {
      areaOf: (file: string) => string; areaOrder: (area: string) => number;
    };

    const a = passesByArea(ours, areaOf);
    const w = passesByArea(workerd, areaOf);
    const n = passesByArea(node, areaOf);
    const areas = [...new Set([...a.keys(), ...w.keys()])].sort((x, y) => areaOrder(x) - areaOrder(y) || x.localeCompare(y));
    const lines = ['area           cairn  workerd   node  subtests'];
    const worse: string[] = [];
    for (const area of areas) {
      const ca = a.get(area)?.pass ?? 0, wa = w.get(area)?.pass ?? 0, na = n.get(area)?.pass ?? 0;
      lines.push(`${area.padEnd(14)} ${String(ca).padStart(5)}  ${String(wa).padStart(7)}  ${String(na).padStart(5)}  ${String(a.get(area)?.total ?? w.get(area)?.total ?? 0).padStart(8)}`);
      if (ca < wa) worse.push(`${area}: cairn ${ca} < workerd ${wa}`);
    }
    const failing = ours.files.flatMap((f) => f.tests.filter((x) => x.status !== 'PASS').map((x) => `${f.file} — ${x.name} (${x.status})`));
    for (const l of lines) t.diagnostic(l);
    t.diagnostic(`not passing (${failing.length}):`);
    for (const l of failing) t.diagnostic(`  ${l}`);
    const harnessProblems = ours.files.filter((f) => f.status !== 'OK').map((f) => `${f.file}: ${f.status}`);
    assert.deepEqual(worse, [], 'areas where Cairn passes fewer subtests than workerd');
    assert.deepEqual(harnessProblems, [], 'files whose harness status is not OK');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
