// Section 3 baseline, run as a child: `node bench/density-bare.mjs <n>`. Holds n bare isolated-vm
// isolates (isolate + context + a distinct small hello module, a two-line Response stand-in, called
// once) and reports this process's RSS before and after. Prints one JSON line on stdout.
import ivm from 'isolated-vm';
import { readFileSync } from 'node:fs';

const N = Number(process.argv[2] ?? 500);
const rssKb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]);
const settle = () => new Promise((r) => setTimeout(r, 1500));
const STUB = 'globalThis.Response = class Response { constructor(body, init) { this.body = body; this.status = init?.status ?? 200; } };';
const code = (i) => `const ID = ${i};\nexport default {\n  async fetch(request) {\n    return new Response("Hello from fn-" + ID);\n  },\n};\n`;

await settle();
const before = rssKb();
const keep = [];
for (let i = 0; i < N; i++) {
  const isolate = new ivm.Isolate({ memoryLimit: 128 });
  const context = await isolate.createContext();
  await context.eval(STUB);
  const mod = await isolate.compileModule(code(i), { filename: `fn-${i}.js` });
  await mod.instantiate(context, () => { throw new Error('no imports'); });
  await mod.evaluate();
  await context.global.set('__ns', mod.namespace.derefInto());
  const body = await context.eval(`(async () => (await __ns.default.fetch({ url: 'http://127.0.0.1/' })).body)()`, { promise: true, copy: true });
  if (body !== `Hello from fn-${i}`) throw new Error(`isolate ${i} answered ${body}`);
  keep.push({ isolate, context, mod });
}
await settle();
const after = rssKb();
process.stdout.write(JSON.stringify({ n: N, beforeKb: before, afterKb: after }) + '\n');
