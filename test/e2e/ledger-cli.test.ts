// The ledger end to end: a real node writes audit entries and transfers into <data-dir>/ledger.db;
// `cairn ledger proof` fetches a proof that `cairn ledger check-proof` verifies with no server;
// with the node stopped, `cairn ledger verify` passes the data dir, then finds one flipped byte.
// The CLI runs from source (tsx), so these tests need no build.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestNode, type TestNode } from '../helpers/node.ts';
import { generateNoteKey } from '../../src/ledger/note.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'src/cli/main.ts');

interface Run { code: number | null; stdout: string; stderr: string }

function cairn(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      cwd: ROOT, env: { ...process.env, CAIRN_URL: '', CAIRN_TOKEN: '', CAIRN_DATA_DIR: '', NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`cairn ${args.join(' ')} timed out\n${stderr}`)); }, 60_000);
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

let node: TestNode;
let work: string;
let vkey: string;
let checkpointFile: string;
let proofIndex: number;
let stopped = false;

before(async () => {
  node = await startTestNode({ sandboxes: 0 });
  work = mkdtempSync(join(tmpdir(), 'cairn-ledger-cli-'));
  const deployed = await node.deploy('ledger-e2e-fn', 'export default { fetch() { return new Response("ok"); } };\n');
  assert.equal(deployed.status, 201, JSON.stringify(deployed.body));
  const json = (path: string, body: unknown) => node.admin(path, { method: 'POST', body: JSON.stringify(body) });
  assert.equal((await json('/ledger/accounts', { id: 'mint', allowOverdraft: true })).status, 201);
  assert.equal((await json('/ledger/accounts', { id: 'shop' })).status, 201);
  assert.equal((await json('/ledger/transfers', { from: 'mint', to: 'shop', amount: '500', currency: 'EUR', idempotencyKey: 'e2e-1' })).status, 201);
  assert.equal((await json('/ledger/tables', { name: 'orders' })).status, 201);
  const doc = await json('/ledger/tables/orders/documents', { id: 'o1', data: { total: '500' } });
  assert.equal(doc.status, 201);
  proofIndex = ((await doc.json()) as { index: number }).index;
  vkey = (await (await node.admin('/ledger/key')).text()).trim();
  checkpointFile = join(work, 'checkpoint.txt');
  writeFileSync(checkpointFile, await (await node.admin('/ledger/checkpoint')).text());
});

after(async () => {
  if (!stopped) await node.close();
  rmSync(node.dataDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

describe('cairn ledger', () => {
  it('the node exports its ledger size as cairn_ledger_size', async () => {
    const res = await fetch(`${node.adminUrl}/metrics`, { headers: { authorization: `Bearer ${node.adminToken}` } });
    const m = /^cairn_ledger_size (\d+)$/m.exec(await res.text());
    assert.ok(m, 'cairn_ledger_size is exported');
    assert.ok(Number(m[1]) >= 6, 'the deploy, the accounts, the transfer, the table and the document');
  });

  it('proof prints a bundle that check-proof verifies with no server, and refuses once it is altered', async () => {
    const env = { CAIRN_URL: node.adminUrl, CAIRN_TOKEN: node.adminToken };
    const p = await cairn(['ledger', 'proof', String(proofIndex)], env);
    assert.equal(p.code, 0, p.stderr);
    const bundle = JSON.parse(p.stdout) as { format: string; key: string; index: number; leaf: string };
    assert.equal(bundle.format, 'cairn-inclusion-proof-v1');
    assert.equal(bundle.key, vkey);
    assert.equal(bundle.index, proofIndex);
    const file = join(work, 'proof.json');
    writeFileSync(file, p.stdout);

    const ok = await cairn(['ledger', 'check-proof', file, '--key', vkey]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, new RegExp(`^ok: entry ${proofIndex} is in the log cairn\\.local/[0-9a-f]{16} at tree size \\d+`));
    assert.match(ok.stdout, /doc\.revision · tenant default · actor admin/);
    const unpinned = await cairn(['ledger', 'check-proof', file]);
    assert.equal(unpinned.code, 0);
    assert.match(unpinned.stderr, /pin the log's key with --key/);

    const altered = JSON.parse(p.stdout) as { leaf: string };
    altered.leaf = Buffer.from(Buffer.from(altered.leaf, 'base64').toString().replace('"500"', '"900"')).toString('base64');
    writeFileSync(file, JSON.stringify(altered));
    const bad = await cairn(['ledger', 'check-proof', file, '--key', vkey]);
    assert.equal(bad.code, 4);
    assert.match(bad.stderr, /^cairn: the proof does not verify: leafHash is not the hash of leaf/);
    // Pinned to another log's key (even one with the same origin), the genuine proof is refused.
    const stranger = generateNoteKey(bundle.key.split('+')[0] as string).verifierKey;
    writeFileSync(file, p.stdout);
    const wrongKey = await cairn(['ledger', 'check-proof', file, '--key', stranger]);
    assert.equal(wrongKey.code, 4);
    assert.match(wrongKey.stderr, /no signature from a known key/);
  });

  it('verify passes the stopped node\'s data dir, then names one flipped byte', async () => {
    await node.close();
    stopped = true;
    const ok = await cairn(['ledger', 'verify', '--data-dir', node.dataDir, '--from-checkpoint', checkpointFile]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /ok: the ledger verifies\n$/);
    assert.match(ok.stdout, /trusted {6}the log still holds the tree of the given checkpoint/);
    const json = await cairn(['--json', 'ledger', 'verify', '--data-dir', node.dataDir]);
    assert.equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout) as { ok: boolean; size: number; stateApplied: number; problem: null };
    assert.equal(report.ok, true);
    assert.equal(report.stateApplied, report.size);

    // The deploy's audit entry names the function: change one letter of it in the file.
    const db = join(node.dataDir, 'ledger.db');
    const bytes = readFileSync(db);
    const needle = Buffer.from('"function":"ledger-e2e-fn"');
    const at = bytes.indexOf(needle);
    assert.ok(at >= 0, 'the audit entry is in ledger.db');
    for (let i = at; i >= 0; i = bytes.indexOf(needle, i + 1)) bytes[i + needle.length - 2] = 'g'.charCodeAt(0);
    writeFileSync(db, bytes);
    const bad = await cairn(['ledger', 'verify', '--data-dir', node.dataDir]);
    assert.equal(bad.code, 4, bad.stdout + bad.stderr);
    assert.match(bad.stderr, /^cairn: the ledger does not verify \(log\): leaf hash of entry 0: stored [0-9a-f]{64}, recomputed from the entries [0-9a-f]{64}\n/);
  });

  it('verify explains a data dir without a ledger', async () => {
    const r = await cairn(['ledger', 'verify', '--data-dir', join(work, 'nothing-here')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^cairn: no ledger at .*ledger\.db\nhint: pass the data dir of a node with --data-dir/);
  });
});
