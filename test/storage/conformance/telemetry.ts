// Logs and invocations: batch writes, id order, afterId/limit/invocation filters, newest-first pages.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import type { InvocationInput, LogInput } from '../../../src/storage/types.ts';
import { collect, itWith, makeInvocation, makeLog, type OpenDriver } from './helpers.ts';

export function telemetrySuite(open: OpenDriver): void {
  describe('logs', () => {
    itWith(open, 'appendLogs assigns increasing ids; listLogs returns them in id order with every field', async (d) => {
      const batch: LogInput[] = [
        { tenant: 'acme', function: 'hello', version: 'v1', invocationId: 'i1', ts: 10, level: 'warn', message: 'first' },
        { tenant: 'acme', function: 'hello', version: 'v2', invocationId: 'i2', ts: 11, level: 'error', message: 'second ✓' },
      ];
      await d.appendLogs(batch);
      await d.appendLogs([]);
      const logs = await d.listLogs('acme', 'hello', {});
      assert.equal(logs.length, 2);
      assert.ok((logs[0]?.id ?? 0) < (logs[1]?.id ?? 0));
      assert.deepEqual(logs.map(({ id: _id, ...rest }) => rest), batch);
    });

    itWith(open, 'a batch with a bad entry stores none of it (one transaction)', async (d) => {
      const bad = { ...makeLog('acme', 'hello', 'i', 'bad'), message: null as unknown as string };
      await assert.rejects(d.appendLogs([makeLog('acme', 'hello', 'i', 'good'), bad]));
      assert.deepEqual(await d.listLogs('acme', 'hello', {}), []);
    });

    itWith(open, 'afterId is exclusive, limit caps the answer, and both page through everything', async (d) => {
      await d.appendLogs(Array.from({ length: 7 }, (_, i) => makeLog('acme', 'hello', 'i', `m${i}`)));
      const all = await d.listLogs('acme', 'hello', {});
      const third = all[2];
      assert.ok(third);
      const after = await d.listLogs('acme', 'hello', { afterId: third.id });
      assert.deepEqual(after.map((l) => l.message), ['m3', 'm4', 'm5', 'm6']);
      assert.deepEqual((await d.listLogs('acme', 'hello', { afterId: third.id, limit: 2 })).map((l) => l.message), ['m3', 'm4']);
      const last = all[all.length - 1];
      assert.deepEqual(await d.listLogs('acme', 'hello', { afterId: last?.id }), []);
    });

    itWith(open, 'limit defaults to 50 and is clamped to 1..200', async (d) => {
      await d.appendLogs(Array.from({ length: 210 }, (_, i) => makeLog('acme', 'hello', 'i', `m${i}`)));
      assert.equal((await d.listLogs('acme', 'hello', {})).length, 50);
      assert.equal((await d.listLogs('acme', 'hello', { limit: 0 })).length, 1);
      assert.equal((await d.listLogs('acme', 'hello', { limit: 500 })).length, 200);
    });

    itWith(open, 'invocationId filters, and logs are scoped to their tenant and function', async (d) => {
      await d.appendLogs([
        makeLog('acme', 'hello', 'i1', 'a'), makeLog('acme', 'hello', 'i2', 'b'), makeLog('acme', 'hello', 'i1', 'c'),
        makeLog('acme', 'other', 'i1', 'x'), makeLog('globex', 'hello', 'i1', 'y'),
      ]);
      assert.deepEqual((await d.listLogs('acme', 'hello', { invocationId: 'i1' })).map((l) => l.message), ['a', 'c']);
      const [first] = await d.listLogs('acme', 'hello', { invocationId: 'i1' });
      assert.deepEqual((await d.listLogs('acme', 'hello', { invocationId: 'i1', afterId: first?.id })).map((l) => l.message), ['c']);
      assert.deepEqual((await d.listLogs('acme', 'hello', {})).map((l) => l.message), ['a', 'b', 'c']);
      assert.deepEqual(await d.listLogs('acme', 'hello', { invocationId: 'none' }), []);
    });
  });

  describe('invocations', () => {
    itWith(open, 'appendInvocations stores every field; listInvocations pages newest first', async (d) => {
      const full: InvocationInput = {
        ...makeInvocation('acme', 'hello', 'inv-err', 50), status: 500, coldStart: true, error: 'cpu-limit', durationMs: 12.75, cpuMs: 50, method: 'POST', path: '/a?b=1',
        trigger: 'admin', memoryMb: 256, billedMs: 13, bytesIn: 1234, bytesOut: 98_765,
      };
      await d.appendInvocations([makeInvocation('acme', 'hello', 'inv-a', 10), full, makeInvocation('acme', 'hello', 'inv-b', 30)]);
      await d.appendInvocations([makeInvocation('acme', 'other', 'inv-c', 99), makeInvocation('globex', 'hello', 'inv-d', 99)]);
      await d.appendInvocations([]);
      const page = await d.listInvocations('acme', 'hello');
      assert.deepEqual(page.items.map((i) => i.id), ['inv-err', 'inv-b', 'inv-a']);
      assert.deepEqual(page.items[0], full);
      assert.equal(page.items[1]?.coldStart, false);
      assert.equal(page.nextCursor, null);
    });

    itWith(open, 'a batch with a bad entry stores none of it (one transaction)', async (d) => {
      const bad = { ...makeInvocation('acme', 'hello', 'inv-bad', 2), status: null as unknown as number };
      await assert.rejects(d.appendInvocations([makeInvocation('acme', 'hello', 'inv-good', 1), bad]));
      assert.deepEqual((await d.listInvocations('acme', 'hello')).items, []);
    });

    itWith(open, 'pages are stable when timestamps tie: every invocation appears exactly once', async (d) => {
      const batch = Array.from({ length: 9 }, (_, i) => makeInvocation('acme', 'hello', `inv-${i}`, 100 + Math.floor(i / 3)));
      await d.appendInvocations(batch);
      const all = await collect((cursor) => d.listInvocations('acme', 'hello', { cursor, limit: 2 }));
      assert.equal(all.pages, 5);
      assert.deepEqual(new Set(all.items.map((i) => i.id)).size, 9);
      assert.ok(all.items.every((x, i, xs) => i === 0 || (xs[i - 1]?.ts ?? 0) >= x.ts), 'newest first');
    });

    itWith(open, 'appending an invocation id twice stores it once (a retried batch is not double counted)', async (d) => {
      await d.appendInvocations([makeInvocation('acme', 'hello', 'inv-1', 1)]);
      await d.appendInvocations([makeInvocation('acme', 'hello', 'inv-1', 1), makeInvocation('acme', 'hello', 'inv-2', 2)]);
      assert.deepEqual((await d.listInvocations('acme', 'hello')).items.map((i) => i.id), ['inv-2', 'inv-1']);
    });
  });
}
