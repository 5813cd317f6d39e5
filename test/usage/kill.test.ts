// Metering survives kill -9: a real node in a child process serves traffic; the test records when
// each response (with its x-cairn-invocation-id) was acknowledged, SIGKILLs the node at an arbitrary
// moment, reopens its database, and checks that every invocation acknowledged more than one commit
// window before the kill has its usage record — and that the roll-ups agree with the raw records.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { SqliteDriver } from '../../src/storage/sqlite/driver.ts';
import { collect } from '../storage/conformance/helpers.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = join(ROOT, 'test/usage/fixtures/node-until-killed.ts');
const base = mkdtempSync(join(tmpdir(), 'cairn-usage-kill-'));
after(() => rmSync(base, { recursive: true, force: true }));

/**
 * Slack on top of the window for what the bound does not control on a shared 2-core machine: the
 * commit itself (an fsync) and a timer firing late on a busy event loop. Anything acknowledged
 * earlier than window + SLACK before the kill must be there.
 */
const SLACK_MS = 150;
const H = 3_600_000;

async function killedNode(windowMs: number, trafficMs: number): Promise<void> {
  const dataDir = join(base, `w${windowMs}`);
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dataDir, String(windowMs)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_c, sig) => resolve(sig)));
  try {
    const ready = await new Promise<{ dataUrl: string; adminUrl: string; token: string }>((resolve, reject) => {
      let buf = '';
      child.stdout.setEncoding('utf8').on('data', (s: string) => {
        buf += s;
        const end = buf.indexOf('\n');
        if (end >= 0) resolve(JSON.parse(buf.slice(0, end)));
      });
      child.on('close', () => reject(new Error(`the node exited before it was ready:\n${stderr}`)));
    });
    const deploy = await fetch(`${ready.adminUrl}/api/v1/functions/hello/versions`, {
      method: 'POST', headers: { authorization: `Bearer ${ready.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ code: 'export default { async fetch(r) { return new Response("hi " + (await r.text()).length); } };', config: { scaling: { maxInstances: 2, concurrency: 4 } } }),
    });
    assert.equal(deploy.status, 201, await deploy.text());

    // Traffic from 6 clients; an acknowledgement is a complete response with its invocation id.
    const acked: Array<{ id: string; at: number }> = [];
    let stop = false;
    const client = async (): Promise<void> => {
      while (!stop) {
        try {
          const r = await fetch(`${ready.dataUrl}/hello/`, { method: 'POST', body: 'x'.repeat(1 + (acked.length % 50)) });
          await r.arrayBuffer();
          const id = r.headers.get('x-cairn-invocation-id');
          if (r.status === 200 && id) acked.push({ id, at: Date.now() });
        } catch {
          return; // the node is gone
        }
      }
    };
    const clients = Array.from({ length: 6 }, client);
    // Kill at an arbitrary moment, not aligned with the commit timer.
    await sleep(trafficMs + Math.floor(Math.random() * windowMs));
    const killedAt = Date.now();
    child.kill('SIGKILL');
    stop = true;
    assert.equal(await exited, 'SIGKILL', `the node ended on its own:\n${stderr}`);
    await Promise.all(clients);

    const raw = new Database(join(dataDir, 'cairn.db'));
    assert.equal(raw.pragma('integrity_check', { simple: true }), 'ok');
    raw.close();
    const d = SqliteDriver.open(join(dataDir, 'cairn.db'));
    try {
      await d.migrate();
      const stored = (await collect((cursor) => d.listInvocations('default', 'hello', { cursor, limit: 200 }))).items;
      const ids = new Set(stored.map((i) => i.id));
      const deadline = killedAt - windowMs - SLACK_MS;
      const mustHave = acked.filter((a) => a.at <= deadline);
      assert.ok(mustHave.length >= 100, `enough traffic before the last window (${mustHave.length} of ${acked.length})`);
      const missing = mustHave.filter((a) => !ids.has(a.id));
      const lost = acked.filter((a) => !ids.has(a.id));
      if (process.env.CAIRN_TEST_VERBOSE) process.stderr.write(`window ${windowMs}: ${acked.length} acknowledged, ${lost.length} lost, oldest lost ${lost.length ? Math.max(...lost.map((l) => killedAt - l.at)) : '-'} ms before the kill\n`);
      assert.deepEqual(missing.map((m) => `${m.id} acknowledged ${killedAt - m.at} ms before the kill`), [], `window ${windowMs} ms`);
      assert.ok(stored.every((s) => s.trigger === 'http' && s.memoryMb === 128 && s.bytesIn >= 1 && s.bytesOut >= 4));
      // The roll-ups were written in the same transactions: they agree with the raw records exactly.
      const totals = await d.usageTotals({ tenant: 'default', function: 'hello', from: killedAt - (killedAt % H) - 2 * H, to: killedAt - (killedAt % H) + H });
      assert.equal(totals.requests, stored.length);
      assert.equal(totals.bytesIn, stored.reduce((s, i) => s + i.bytesIn, 0));
      assert.equal(totals.mbMs, stored.reduce((s, i) => s + i.memoryMb * i.billedMs, 0));
      assert.equal((await d.rebuildUsage()).corrected, 0);
    } finally {
      await d.close();
    }
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

describe('usage records under kill -9', () => {
  it('the default 100 ms window: every invocation acknowledged before the last window is billed', { timeout: 120_000 }, () => killedNode(100, 1500));
  it('the largest window, 1 s: the same bound', { timeout: 120_000 }, () => killedNode(1000, 3500));
});
