// Metering end to end on a real node: data-plane and admin-API traffic produce usage records with
// the right trigger, bytes and memory; GET /api/v1/usage reconciles with the raw records under the
// node's configured prices; Prometheus shows the usage counters; `cairn usage` prints the same
// numbers; a node started with metering off keeps no records.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { startNode, type RunningNode } from '../../src/node/index.ts';
import { parsePrices } from '../../src/billing/prices.ts';
import { assertBuilt, runCli } from '../cli/helpers.ts';
import { assertCost, type PriceTableText } from './helpers.ts';

const base = mkdtempSync(join(tmpdir(), 'cairn-usage-node-'));
const PRICES = { currency: 'EUR', perMillionRequests: '0.30', perGbSecond: '0.00001', perCpuMs: '0.0000001', perGbOut: '0.05' };
const ECHO = `export default { async fetch(request) {
  const body = new Uint8Array(await request.arrayBuffer());
  if (new URL(request.url).pathname.endsWith('/boom')) throw new Error('boom');
  return new Response('echo:' + body.length + ':' + 'y'.repeat(body.length % 7));
} };`;

let node: RunningNode;
let dataDir: string;

async function admin(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(node.adminUrl + '/api/v1' + path, { ...init, headers: { authorization: `Bearer ${node.adminToken}`, 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) } });
}

async function usage(query = ''): Promise<any> {
  const r = await admin(`/usage${query}`);
  assert.equal(r.status, 200);
  return r.json();
}

/** Usage appears once its group commit is durable: wait for `n` requests. */
async function waitForRequests(n: number, query = ''): Promise<any> {
  const t0 = Date.now();
  for (;;) {
    const u = await usage(query);
    if (u.totals.requests >= n) return u;
    if (Date.now() - t0 > 10_000) assert.fail(`only ${u.totals.requests} of ${n} requests metered after 10 s`);
    await sleep(20);
  }
}

const sent = { http: 0, admin: 0, bytesIn: 0, bytesOut: 0, errors: 0 };

before(async () => {
  assertBuilt();
  dataDir = join(base, 'node');
  node = await startNode({ dataDir, port: 0, adminPort: 0, host: '127.0.0.1', sandboxes: 0, logger: pino({ level: 'silent' }), prices: parsePrices(PRICES), commitWindowMs: 50 });
  const d = await admin('/functions/echo/versions', { method: 'POST', body: JSON.stringify({ code: ECHO, config: { limits: { memoryMb: 256 } } }) });
  assert.equal(d.status, 201, await d.text());
  for (let i = 0; i < 40; i++) {
    const body = 'x'.repeat(i * 37);
    const r = await fetch(`${node.dataUrl}/echo/${i % 10 === 9 ? 'boom' : ''}`, { method: 'POST', body });
    const out = new Uint8Array(await r.arrayBuffer());
    sent.http++;
    sent.bytesIn += Buffer.byteLength(body);
    sent.bytesOut += out.byteLength;
    if (r.status >= 500) sent.errors++;
  }
  for (let i = 0; i < 5; i++) {
    const r = await admin('/functions/echo/invoke', { method: 'POST', body: JSON.stringify({ method: 'POST', body: 'é'.repeat(i) }) });
    const j = await r.json() as { body: string };
    sent.admin++;
    sent.bytesIn += Buffer.byteLength('é'.repeat(i));
    sent.bytesOut += Buffer.byteLength(j.body);
  }
});
after(async () => {
  await node?.close();
  rmSync(base, { recursive: true, force: true });
});

describe('metering on a node', () => {
  it('every invocation has a usage record: trigger, memory, billed time, bytes in and out', async () => {
    const u = await waitForRequests(sent.http + sent.admin);
    const r = await admin('/functions/echo/invocations?limit=200');
    const items = (await r.json() as { items: any[] }).items;
    assert.equal(items.length, sent.http + sent.admin);
    assert.equal(items.filter((i) => i.trigger === 'http').length, sent.http);
    assert.equal(items.filter((i) => i.trigger === 'admin').length, sent.admin);
    assert.ok(items.every((i) => i.memoryMb === 256 && Number.isInteger(i.billedMs) && i.billedMs >= 1 && i.gbSeconds === (256 * i.billedMs) / 1_024_000));
    assert.ok(items.every((i) => i.billedMs <= Math.ceil(i.durationMs)), 'billed time is within the end-to-end time');
    assert.equal(items.reduce((s, i) => s + i.bytesIn, 0), sent.bytesIn);
    assert.equal(items.reduce((s, i) => s + i.bytesOut, 0), sent.bytesOut, 'bytes out include the problem+json of failed invocations');
    assert.equal(items.filter((i) => i.error === 'function-threw').length, sent.errors);
    assert.equal(items.filter((i) => i.coldStart).length, 1);
    const started = items.map((i) => i.ts);
    assert.ok(started.every((t) => t <= Date.now() && t > Date.now() - 120_000));

    // The API's totals are the raw records' sums, priced with the node's table.
    const t = u.totals;
    assert.deepEqual(u.prices, { currency: 'EUR', perMillionRequests: '0.3', perGbSecond: '0.00001', perCpuMs: '0.0000001', perGbOut: '0.05' });
    const sums = {
      requests: items.length, errors: items.filter((i) => i.error !== null || i.status >= 500).length, coldStarts: 1,
      billedMs: items.reduce((s, i) => s + i.billedMs, 0), cpuUs: items.reduce((s, i) => s + Math.round(i.cpuMs * 1000), 0),
      mbMs: items.reduce((s, i) => s + i.memoryMb * i.billedMs, 0), bytesIn: sent.bytesIn, bytesOut: sent.bytesOut,
    };
    assert.deepEqual({ requests: t.requests, errors: t.errors, coldStarts: t.coldStarts, billedMs: t.billedMs, cpuUs: t.cpuUs, mbMs: t.mbMs, bytesIn: t.bytesIn, bytesOut: t.bytesOut }, sums);
    assertCost(t.cost, sums, u.prices as PriceTableText, 'node totals');
    assert.equal(sums.errors, sent.errors);
  });

  it('Prometheus shows GB-seconds and bytes per function', async () => {
    await waitForRequests(sent.http + sent.admin);
    const text = await (await fetch(`${node.adminUrl}/metrics`, { headers: { authorization: `Bearer ${node.adminToken}` } })).text();
    const value = (name: string): number => Number(new RegExp(`^${name}\\{function="echo"\\} (\\S+)$`, 'm').exec(text)?.[1]);
    const u = await usage();
    assert.equal(value('cairn_usage_bytes_out_total'), sent.bytesOut);
    assert.equal(value('cairn_usage_bytes_in_total'), sent.bytesIn);
    assert.ok(Math.abs(value('cairn_usage_gb_seconds_total') - u.totals.gbSeconds) < 1e-9);
    assert.match(text, /^cairn_usage_records_committed_total \d+$/m);
    assert.match(text, /^cairn_usage_pending_records 0$/m);
    assert.match(text, /^cairn_usage_commit_seconds_count \d+$/m);
  });

  it('`cairn usage` prints the same numbers as a table and as JSON; `usage rebuild` finds nothing to correct', async () => {
    await waitForRequests(sent.http + sent.admin);
    const flags = ['--url', node.adminUrl, '--token', node.adminToken];
    const json = await runCli([...flags, 'usage', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const api = await usage();
    assert.deepEqual(JSON.parse(json.stdout), api);

    const table = await runCli([...flags, 'usage', '--granularity', 'hour', '--tenant', '*']);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trim().split('\n');
    assert.match(lines[0]!, /^usage of every tenant, \d{4}-\d{2}-01 00:00 to .* UTC$/);
    assert.match(lines[1]!, /^TENANT +FUNCTION +HOUR \(UTC\) +REQUESTS +ERRORS +COLD +GB-S +CPU +IN +OUT +COST \(EUR\)$/);
    const micros = api.totals.cost.micros.total as number;
    const cost = `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
    assert.match(lines.at(-1)!, new RegExp(`^total +${api.totals.requests} +${api.totals.errors} +1 .* ${cost.replace('.', '\\.')}$`));
    assert.ok(lines.some((l) => /^default +echo +\d{4}-\d{2}-\d{2} \d{2}:00 /.test(l)));
    assert.match(table.stderr, /EUR exactly; prices: 0\.3\/million requests/);

    const from = new Date(api.from).toISOString().slice(0, 13);
    const one = await runCli([...flags, '--json', 'usage', '--function', 'echo', '--from', from, '--to', String(api.to), '--granularity', 'day']);
    assert.equal(one.code, 0, one.stderr);
    assert.deepEqual(JSON.parse(one.stdout).totals, api.totals);

    const bad = await runCli([...flags, 'usage', '--from', '2024-05-01T10:30']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^cairn: The request does not match the API contract\.\n {2}from: usage is rolled up by the hour/);
    const badG = await runCli([...flags, 'usage', '--granularity', 'week']);
    assert.equal(badG.code, 1);
    assert.match(badG.stderr, /--granularity "week": expected hour, day or total/);

    const rebuild = await runCli([...flags, 'usage', 'rebuild']);
    assert.equal(rebuild.code, 0, rebuild.stderr);
    assert.match(rebuild.stdout, /^rebuilt \d+ hourly roll-ups from \d+ usage records; they all agreed\n$/);
  });

  it('deleting a function keeps its usage (it is still billed)', async () => {
    const before = await waitForRequests(sent.http + sent.admin);
    assert.equal((await admin('/functions/echo', { method: 'DELETE' })).status, 204);
    const afterDelete = await usage('?function=echo');
    assert.deepEqual(afterDelete.totals, before.totals);
  });
});

describe('node options', () => {
  it('a node started with metering off keeps no usage records', async () => {
    const off = await startNode({ dataDir: join(base, 'off'), port: 0, adminPort: 0, host: '127.0.0.1', sandboxes: 0, logger: pino({ level: 'silent' }), metering: false });
    try {
      const call = (path: string, init: RequestInit = {}) => fetch(off.adminUrl + '/api/v1' + path, { ...init, headers: { authorization: `Bearer ${off.adminToken}`, 'content-type': 'application/json' } });
      assert.equal((await call('/functions/hi/versions', { method: 'POST', body: JSON.stringify({ code: 'export default { fetch() { return new Response("hi"); } };' }) })).status, 201);
      for (let i = 0; i < 3; i++) assert.equal(await (await fetch(`${off.dataUrl}/hi/`)).text(), 'hi');
      await sleep(250);
      assert.equal((await (await call('/usage')).json() as any).totals.requests, 0);
      assert.deepEqual((await (await call('/functions/hi/invocations')).json() as any).items, []);
    } finally {
      await off.close();
    }
  });

  it('the commit window is 1..1000 ms and prices are validated, as `cairn serve` flags', async () => {
    await assert.rejects(startNode({ dataDir: join(base, 'bad'), port: 0, adminPort: 0, host: '127.0.0.1', sandboxes: 0, logger: pino({ level: 'silent' }), commitWindowMs: 1001 }), /commit window must be a whole number of ms from 1 to 1000/);
    const w = await runCli(['serve', '--data-dir', join(base, 'cli'), '--port', '0', '--admin-port', '0', '--commit-window-ms', '5000']);
    assert.equal(w.code, 1);
    assert.match(w.stderr, /^cairn: --commit-window-ms "5000": expected a whole number of ms from 1 to 1000\n/);
    const p = await runCli(['serve', '--data-dir', join(base, 'cli'), '--port', '0', '--admin-port', '0', '--prices', '{"perGbSecond": "-1", "typo": 1}']);
    assert.equal(p.code, 1);
    assert.match(p.stderr, /^cairn: the --prices JSON is not valid\n {2}/);
    assert.match(p.stderr, /perGbSecond: expected a non-negative decimal/);
    assert.match(p.stderr, /\(root\): Unrecognized key: "typo"/);
    const file = join(base, 'prices.json');
    writeFileSync(file, '{"currency": "usd"}');
    const f = await runCli(['serve', '--data-dir', join(base, 'cli'), '--port', '0', '--admin-port', '0'], { env: { CAIRN_PRICES: file } });
    assert.equal(f.code, 1);
    assert.match(f.stderr, new RegExp(`^cairn: the price table ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not valid\n {2}currency: expected a three-letter ISO 4217`));
  });
});
