// Conformance-suite adapter for Cairn's isolate runtime (see ../shared/conformance/README.md,
// "Adapter contract"). Started from the suite's adapters/isolated-vm-bare.mjs template.
//
// Each test file gets what a deployed function gets: a new isolate with the platform's memory limit
// (128 MB), `await isolate.createContext()`, then the platform's installWebApis() — the same code
// path as src/runtime/isolate/context.ts. Cairn's own timers are used (the template's are dropped).
//
// The adapter imports Cairn's TypeScript sources, so run the suite with tsx loaded:
//   node --import tsx ../shared/conformance/run.mjs --engine test/conformance/cairn-adapter.mjs
// (test/conformance/conformance.test.ts does exactly that).
//
// Options (--opt key=value): memoryLimitMb=<n> (default 128), forwardUncaught=0 to not forward
// uncaught errors to the harness (default: forwarded, like the suite's node adapter does),
// via=platform to build the context with the platform's createFunctionContext()
// (src/runtime/isolate/context.ts) instead of calling installWebApis() directly.
import ivm from 'isolated-vm';
import { installWebApis } from '../../src/runtime/isolate/webapi.ts';

let memoryLimit = 128;
let forwardUncaught = true;
let viaPlatform = false;

/** The context as src/runtime/isolate/context.ts builds it for a function. */
async function platformContext(isolate, forward) {
  const { createFunctionContext } = await import('../../src/runtime/isolate/context.ts');
  const fc = await createFunctionContext(isolate, {
    hooks: {
      log: (_id, level, message) => { if (level === 'error' && message.startsWith('Uncaught ')) forward(message.slice(9)); },
      call: async () => { throw new Error('network access is disabled in the conformance run'); },
    },
  });
  return { context: fc.context, handle: { release: () => fc.release(), reportRejection: () => {} } };
}

export default {
  name: 'cairn',
  async setup(opts = {}) {
    if (opts.memoryLimitMb) memoryLimit = Number(opts.memoryLimitMb);
    if (opts.forwardUncaught === '0') forwardUncaught = false;
    if (opts.via === 'platform') viaPlatform = true;
    let version = 'unknown';
    try {
      const { createRequire } = await import('node:module');
      version = createRequire(import.meta.url)('isolated-vm/package.json').version;
    } catch { /* ignore */ }
    return { name: 'cairn', version: `Cairn 0.1 (isolated-vm ${version}, V8 ${process.versions.v8})` };
  },
  async run(script, ctx) {
    const isolate = new ivm.Isolate({ memoryLimit });
    let hard;
    let handle = null;
    try {
      let context = null;
      const forward = (message) => {
        if (!forwardUncaught || isolate.isDisposed || context === null) return;
        context.evalClosure('if (globalThis.__wpt) globalThis.__wpt.uncaught(new Error($0));', [message], { arguments: { copy: true } })
          .catch(() => { /* the isolate is gone */ });
      };
      if (viaPlatform) {
        ({ context, handle } = await platformContext(isolate, forward));
      } else {
        context = await isolate.createContext();
        handle = await installWebApis(isolate, context, {
          log: () => {},
          fetch: async (req) => { throw new Error(`network access is disabled in the conformance run (${req.url})`); },
          uncaught: forward,
        });
      }
      // The harness also reports through __wptReport when it finishes: a task that ends with an
      // unhandled rejection makes isolated-vm reject the eval promise, but the run goes on.
      let report;
      const reported = new Promise((resolve) => { report = resolve; });
      await context.global.set('__wptReport', new ivm.Callback((json) => report(String(json))));
      const result = context.eval(script, { promise: true, copy: true, filename: 'wpt-bundle.js' }).then(
        (value) => String(value),
        (err) => {
          if (isolate.isDisposed) throw err;
          handle.reportRejection(err);
          return reported;
        },
      );
      const timeout = new Promise((_, reject) => {
        hard = setTimeout(() => reject(new Error('no result after ' + ctx.hardTimeoutMs + ' ms')), ctx.hardTimeoutMs);
      });
      return await Promise.race([result, reported, timeout]);
    } finally {
      clearTimeout(hard);
      handle?.release();
      if (!isolate.isDisposed) isolate.dispose();
    }
  },
  async teardown() {},
};
