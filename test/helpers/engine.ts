// Shared helpers for tests that drive an Engine directly.
import type { Engine, InstanceSpec } from '../../src/runtime/engines/types.ts';
import type { HostHooks, InvocationInput, ResponseHead } from '../../src/runtime/isolate/types.ts';
import { limitsSchema } from '../../src/config/schema.ts';
import { newId } from '../../src/shared/ids.ts';

export interface Collected { head: ResponseHead | null; body: string; chunks: number }

export function collector(): { sink: { head(h: ResponseHead): void; chunk(b: Uint8Array): void; abort(): void }; result: Collected; aborted: () => boolean } {
  const result: Collected = { head: null, body: '', chunks: 0 };
  const decoder = new TextDecoder();
  let aborted = false;
  return {
    result,
    aborted: () => aborted,
    sink: {
      head(h) { result.head = h; },
      chunk(b) { result.chunks++; result.body += decoder.decode(b, { stream: true }); },
      abort() { aborted = true; },
    },
  };
}

export function spec(code: string, over: Omit<Partial<InstanceSpec>, 'limits'> & { limits?: Partial<InstanceSpec['limits']> } = {}): InstanceSpec {
  return {
    id: newId(), tenant: 't1', function: 'fn', version: 'v1', code,
    env: { vars: {}, secrets: {}, bindings: {} },
    ...over,
    limits: limitsSchema.parse({ cpuMs: 200, timeoutMs: 2000, memoryMb: 32, ...(over.limits ?? {}) }),
  };
}

export function input(path = '/', init: Partial<InvocationInput> = {}): InvocationInput {
  return { id: newId(), method: 'GET', url: 'http://fn.test' + path, headers: [['host', 'fn.test']], body: null, ...init };
}

type LogLine = { inv: string | null; level: string; message: string };
export interface RecordingHooks extends HostHooks {
  logs: LogLine[];
  /** Resolves with the first log line (already seen or still to come) that matches. */
  waitForLog(match: (l: LogLine) => boolean): Promise<LogLine>;
}

export function recordingHooks(call: HostHooks['call'] = async () => { throw new Error('no bindings'); }): RecordingHooks {
  const logs: LogLine[] = [];
  const waiters: Array<{ match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }> = [];
  return {
    logs,
    call,
    log(inv, level, message) {
      const line = { inv, level, message };
      logs.push(line);
      for (const w of [...waiters]) if (w.match(line)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(line); }
    },
    waitForLog(match) {
      const seen = logs.find(match);
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ match, resolve }));
    },
  };
}

export async function invokeText(engine: Engine, code: string, path = '/'): Promise<Collected> {
  const inst = await engine.createInstance(spec(code), recordingHooks());
  try {
    const c = collector();
    await inst.invoke(input(path), c.sink);
    return c.result;
  } finally {
    await inst.dispose();
  }
}
