// The group-commit recorder of usage records: the commit window bound, retries of failed commits
// (never counted twice: storage skips known ids), giving up on a batch, and metering off.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { InvocationInput, LogInput, StorageDriver } from '../../src/storage/types.ts';
import { TelemetryRecorder } from '../../src/telemetry/recorder.ts';
import { makeInvocation, makeLog } from '../storage/conformance/helpers.ts';

class FakeStorage {
  readonly committed = new Map<string, number>();
  readonly logs: LogInput[] = [];
  failures = 0;
  calls = 0;
  async appendInvocations(batch: InvocationInput[]): Promise<void> {
    this.calls++;
    if (this.failures > 0) {
      this.failures--;
      throw new Error('SQLITE_BUSY: database is locked');
    }
    for (const i of batch) if (!this.committed.has(i.id)) this.committed.set(i.id, performance.now());
  }
  async appendLogs(batch: LogInput[]): Promise<void> {
    this.logs.push(...batch);
  }
  asDriver(): StorageDriver {
    return this as unknown as StorageDriver;
  }
}

const inv = (id: string): InvocationInput => makeInvocation('acme', 'hello', id, 1);

describe('TelemetryRecorder', () => {
  it('takes a commit window of 1..1000 whole ms (default 100)', () => {
    const s = new FakeStorage().asDriver();
    for (const bad of [0, -1, 1001, 2.5, Number.NaN]) assert.throws(() => new TelemetryRecorder(s, { intervalMs: bad }), RangeError, String(bad));
    assert.equal(new TelemetryRecorder(s).intervalMs, 100);
    assert.equal(new TelemetryRecorder(s, { intervalMs: 1000 }).intervalMs, 1000);
    assert.equal(new TelemetryRecorder(s, { intervalMs: 1 }).intervalMs, 1);
  });

  it('commits every record within its window, in one batch per window', async () => {
    const storage = new FakeStorage();
    const committed: number[] = [];
    const r = new TelemetryRecorder(storage.asDriver(), { intervalMs: 40, onInvocationsCommitted: (n) => committed.push(n) });
    const recordedAt = new Map<string, number>();
    for (let i = 0; i < 30; i++) {
      recordedAt.set(`i${i}`, performance.now());
      r.invocation(inv(`i${i}`));
      await sleep(7);
    }
    await sleep(60);
    assert.equal(storage.committed.size, 30);
    for (const [id, at] of recordedAt) {
      const lag = storage.committed.get(id)! - at;
      assert.ok(lag <= 40 + 25, `${id} committed ${lag.toFixed(1)} ms after it was recorded`);
    }
    assert.ok(committed.length >= 4 && committed.length <= 9, `batches: ${committed.join(',')}`);
    assert.equal(committed.reduce((a, b) => a + b, 0), 30);
  });

  it('a full buffer commits at once, without waiting for the window', async () => {
    const storage = new FakeStorage();
    const r = new TelemetryRecorder(storage.asDriver(), { intervalMs: 1000, maxBatch: 10 });
    for (let i = 0; i < 10; i++) r.invocation(inv(`i${i}`));
    await sleep(5);
    assert.equal(storage.committed.size, 10);
  });

  it('retries a failed commit with the next window; storage dedupes, so nothing is counted twice', async () => {
    const storage = new FakeStorage();
    storage.failures = 2;
    const errors: unknown[] = [];
    const r = new TelemetryRecorder(storage.asDriver(), { intervalMs: 10, onError: (e) => errors.push(e) });
    r.invocation(inv('a'));
    r.invocation(inv('b'));
    await r.flush(); // fails once
    assert.equal(r.pending, 2);
    r.invocation(inv('c'));
    await sleep(60); // the retry timer fires by itself: second failure, then success
    assert.equal(errors.length, 2);
    assert.deepEqual([...storage.committed.keys()], ['a', 'b', 'c']);
    assert.equal(r.pending, 0);
  });

  it('gives up on a batch after maxAttempts failed commits, reports it, and goes on', async () => {
    const storage = new FakeStorage();
    storage.failures = 3;
    const dropped: number[] = [];
    const r = new TelemetryRecorder(storage.asDriver(), { intervalMs: 5, maxAttempts: 3, onInvocationsDropped: (n) => dropped.push(n), onError: () => {} });
    r.invocation(inv('lost1'));
    r.invocation(inv('lost2'));
    await r.flush();
    await sleep(50);
    assert.deepEqual(dropped, [2]);
    r.invocation(inv('kept'));
    await r.flush();
    assert.deepEqual([...storage.committed.keys()], ['kept']);
  });

  it('with metering off, keeps no usage records but still writes logs', async () => {
    const storage = new FakeStorage();
    const r = new TelemetryRecorder(storage.asDriver(), { metering: false });
    assert.equal(r.metering, false);
    r.invocation(inv('x'));
    r.log(makeLog('acme', 'hello', 'x', 'still logged'));
    await r.flush();
    assert.equal(storage.calls, 0);
    assert.equal(storage.logs.length, 1);
  });
});
