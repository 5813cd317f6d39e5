// Shared set-up for the webapi*.test.ts files: a fresh isolate and context with the web APIs
// installed against a fake WebApiHost that records logs and uncaught errors.
import ivm from 'isolated-vm';
import { installWebApis, type WebApiHost } from '../../../src/runtime/isolate/webapi.ts';

const noNetwork: WebApiHost['fetch'] = async () => { throw new Error('no network in tests'); };

export async function setup(fetchImpl: WebApiHost['fetch'] = noNetwork) {
  const isolate = new ivm.Isolate({ memoryLimit: 128 });
  const context = await isolate.createContext();
  const logs: Array<[string, string]> = [];
  const uncaught: string[] = [];
  let onUncaught: (() => void) | null = null;
  const handle = await installWebApis(isolate, context, {
    log: (level, message) => logs.push([level, message]),
    fetch: fetchImpl,
    uncaught: (m) => { uncaught.push(m); onUncaught?.(); },
  });
  return {
    isolate, context, handle, logs, uncaught,
    run: <T = unknown>(code: string) => context.eval(code, { promise: true, copy: true }) as Promise<T>,
    /** Resolves once host.uncaught has been called `n` times in total. */
    uncaughtCount: (n: number) => new Promise<void>((resolve) => {
      const check = () => { if (uncaught.length >= n) { onUncaught = null; resolve(); } };
      onUncaught = check;
      check();
    }),
    close: () => { handle.release(); if (!isolate.isDisposed) isolate.dispose(); },
  };
}
