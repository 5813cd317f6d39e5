// Section 2a, run as a child: `node --import tsx bench/coldstart-engine.mjs [iterations] [warmup]`.
// Fresh isolate → first response through Cairn's in-process engine (IsolatedVmEngine: isolate,
// web-API bootstrap, env, module, dispatcher), against a bare isolated-vm baseline (isolate +
// context + the same module, a two-line Response stand-in, no web APIs) measured in the same
// loop, interleaved so that both see the same machine noise. Prints one JSON line on stdout.
import ivm from 'isolated-vm';
import { IsolatedVmEngine } from '../src/runtime/engines/isolated-vm/engine.ts';
import { limitsSchema } from '../src/config/schema.ts';

const ITER = Number(process.argv[2] ?? 200);
const WARMUP = Number(process.argv[3] ?? 10);
const HELLO = `export default {\n  async fetch(request) {\n    return new Response("Hello from Cairn!");\n  },\n};\n`;
const limits = limitsSchema.parse({});
const hooks = {
  log() {},
  call: async () => { throw new Error('no bindings in this bench'); },
};

const engine = new IsolatedVmEngine();
let seq = 0;

async function cairnOnce() {
  const id = `bench-${seq++}`;
  const t0 = performance.now();
  const inst = await engine.createInstance({ id, tenant: 'bench', function: 'hello', version: 'v1', code: HELLO, env: { vars: {}, secrets: {}, bindings: {} }, limits }, hooks);
  const tCreated = performance.now();
  let body = '';
  let status = 0;
  const dec = new TextDecoder();
  await inst.invoke({ id: `inv-${id}`, method: 'GET', url: 'http://127.0.0.1/hello/', headers: [['host', '127.0.0.1']], body: null }, {
    head(h) { status = h.status; },
    chunk(b) { body += dec.decode(b, { stream: true }); },
    abort() {},
  });
  const tFirst = performance.now();
  await inst.dispose();
  if (status !== 200 || body !== 'Hello from Cairn!') throw new Error(`Cairn instance answered ${status} ${JSON.stringify(body)}`);
  return { create: tCreated - t0, startMs: inst.startMs, first: tFirst - t0, invoke: tFirst - tCreated };
}

const STUB = 'globalThis.Response = class Response { constructor(body, init) { this.body = body; this.status = init?.status ?? 200; } };';

async function bareOnce() {
  const t0 = performance.now();
  const isolate = new ivm.Isolate({ memoryLimit: limits.memoryMb });
  const tIsolate = performance.now();
  const context = await isolate.createContext();
  const tContext = performance.now();
  await context.eval(STUB);
  const mod = await isolate.compileModule(HELLO, { filename: 'hello.js' });
  await mod.instantiate(context, () => { throw new Error('no imports'); });
  await mod.evaluate();
  await context.global.set('__ns', mod.namespace.derefInto());
  const tCreated = performance.now();
  const body = await context.eval(`(async () => { const r = await __ns.default.fetch({ method: 'GET', url: 'http://127.0.0.1/hello/' }); return r.status + ' ' + r.body; })()`, { promise: true, copy: true });
  const tFirst = performance.now();
  context.release();
  isolate.dispose();
  if (body !== '200 Hello from Cairn!') throw new Error(`bare isolate answered ${JSON.stringify(body)}`);
  return { isolate: tIsolate - t0, context: tContext - t0, create: tCreated - t0, first: tFirst - t0, invoke: tFirst - tCreated };
}

const cairn = [];
const bare = [];
for (let i = 0; i < WARMUP + ITER; i++) {
  const c = await cairnOnce();
  const b = await bareOnce();
  if (i >= WARMUP) { cairn.push(c); bare.push(b); }
}
await engine.close();
process.stdout.write(JSON.stringify({ iterations: ITER, warmup: WARMUP, memoryMb: limits.memoryMb, cairn, bare }) + '\n');
