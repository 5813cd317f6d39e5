// Shared helpers of the driver conformance suite. Nothing here knows which driver runs.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import type { InvocationInput, LogInput, Page, StorageDriver, VersionRecord } from '../../../src/storage/types.ts';
import { functionConfigSchema } from '../../../src/config/schema.ts';
import { sha256Hex } from '../../../src/shared/ids.ts';

export type OpenDriver = () => Promise<StorageDriver>;

/** Registers a test that gets a fresh, migrated driver and always closes it. */
export function itWith(open: OpenDriver, title: string, fn: (d: StorageDriver) => Promise<void>): void {
  it(title, async () => {
    const d = await open();
    try {
      await d.migrate();
      await fn(d);
    } finally {
      await d.close();
    }
  });
}

/** Follows nextCursor to the end; also returns how many pages it took. */
export async function collect<T>(fetch: (cursor: string | null) => Promise<Page<T>>): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: Page<T> = await fetch(cursor);
    pages++;
    items.push(...page.items);
    cursor = page.nextCursor;
    assert.ok(pages < 10_000, 'pagination does not terminate');
  } while (cursor !== null);
  return { items, pages };
}

/** Bytes compare by content: a driver may hand back a Uint8Array subclass such as Buffer. */
export function assertBytes(actual: Uint8Array | undefined, expected: Uint8Array): void {
  assert.ok(actual instanceof Uint8Array, 'expected a Uint8Array');
  assert.deepEqual(Array.from(actual), Array.from(expected));
}

export async function rejectsWithCode(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof Error, 'expected an Error');
    assert.equal((err as { code?: unknown }).code, code);
    return true;
  });
}

/** A deployable version and its bundle; `tag` makes the code (and so id and sha256) distinct. */
export function makeVersion(tenant: string, fn: string, tag: string, at = 1_000): { v: Omit<VersionRecord, 'number'>; code: string } {
  const code = `export default { fetch() { return new Response(${JSON.stringify(tag)}); } };`;
  const config = functionConfigSchema.parse({ routes: [`/${fn}/`], vars: { TAG: tag } });
  const sha256 = sha256Hex(code);
  const id = 'v' + sha256Hex(code + JSON.stringify(config)).slice(0, 20);
  return { v: { tenant, function: fn, id, createdAt: at, size: Buffer.byteLength(code), sha256, config, actor: 'alice' }, code };
}

export function makeLog(tenant: string, fn: string, invocationId: string, message: string, ts = 1_000): LogInput {
  return { tenant, function: fn, version: 'v1', invocationId, ts, level: 'info', message };
}

export function makeInvocation(tenant: string, fn: string, id: string, ts: number): InvocationInput {
  return {
    id, tenant, function: fn, version: 'v1', ts, trigger: 'http', method: 'GET', path: '/x', status: 200, durationMs: 1.5, cpuMs: 0.25, coldStart: false, error: null,
    memoryMb: 128, billedMs: 2, bytesIn: 0, bytesOut: 5,
  };
}
