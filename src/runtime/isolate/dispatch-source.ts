// In-isolate dispatcher, evaluated once per instance after the function's module has loaded.
// It turns one host call into Request → fetch(request, env, ctx) → Response, and returns the whole
// response in one copy when its body is already known (the common case), so a request costs one
// host↔isolate round trip. Stream bodies are pushed to the host chunk by chunk, with backpressure.
// Kept as plain ES2022 text: it runs inside the isolate, not in Node.
export const DISPATCH_SOURCE = String.raw`(function () {
  const g = globalThis;
  const internal = g[Symbol.for('cairn.internal')];
  delete g[Symbol.for('cairn.internal')];
  const ns = g.__cairn_ns, spec = g.__cairn_env, hostCall = g.__cairn_call, hostChunk = g.__cairn_chunk, hostResult = g.__cairn_result;
  delete g.__cairn_ns; delete g.__cairn_env; delete g.__cairn_call; delete g.__cairn_chunk; delete g.__cairn_result;

  const handler = ns.default;
  if (handler === null || (typeof handler !== 'object' && typeof handler !== 'function') || typeof handler.fetch !== 'function') {
    throw new TypeError('the module must export default an object with a fetch(request, env, ctx) method');
  }

  let current = null;
  const callOpts = { arguments: { copy: true }, result: { promise: true, copy: true } };
  function call(binding, op, args) {
    return hostCall.apply(undefined, [current, binding, op, args], callOpts).then((r) => {
      if (r && r.__error) { const E = r.name === 'TypeError' ? TypeError : Error; throw new E(r.message); }
      return r;
    });
  }

  function toBytes(value) {
    if (typeof value === 'string') return new TextEncoder().encode(value);
    if (value instanceof ArrayBuffer) return new Uint8Array(value.slice(0));
    if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
    throw new TypeError('KV values must be a string, ArrayBuffer or ArrayBufferView');
  }
  function decode(bytes, type) {
    if (bytes === null || bytes === undefined) return null;
    switch (type) {
      case 'text': return new TextDecoder().decode(bytes);
      case 'json': return JSON.parse(new TextDecoder().decode(bytes));
      case 'arrayBuffer': return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      case 'stream': return new Response(bytes).body;
      default: throw new TypeError('unknown KV value type "' + type + '" (text, json, arrayBuffer, stream)');
    }
  }
  function kvBinding(name) {
    return Object.freeze({
      async get(key, opts) {
        const type = typeof opts === 'string' ? opts : (opts && opts.type) || 'text';
        const r = await call(name, 'get', [String(key)]);
        return r === null ? null : decode(r.value, type);
      },
      async getWithMetadata(key, opts) {
        const type = typeof opts === 'string' ? opts : (opts && opts.type) || 'text';
        const r = await call(name, 'get', [String(key)]);
        return r === null ? { value: null, metadata: null } : { value: decode(r.value, type), metadata: r.metadata ?? null };
      },
      async put(key, value, opts) {
        if (value && typeof value.getReader === 'function') value = new Uint8Array(await new Response(value).arrayBuffer());
        const o = opts || {};
        await call(name, 'put', [String(key), toBytes(value), { expiration: o.expiration ?? null, expirationTtl: o.expirationTtl ?? null, metadata: o.metadata ?? null }]);
      },
      async delete(key) { await call(name, 'delete', [String(key)]); },
      async list(opts) {
        const o = opts || {};
        return call(name, 'list', [{ prefix: o.prefix ?? '', limit: o.limit ?? 1000, cursor: o.cursor ?? null }]);
      },
    });
  }

  // env.LEDGER: each method is one ledger operation with one JSON argument object; the node fixes
  // the tenant and the actor (function:<name>), so a function can only act within its tenant.
  function ledgerBinding(name) {
    const op = (o) => (args) => call(name, o, [args ?? {}]);
    const withId = (o) => (table, id, data, opts) => call(name, o, [{ ...(opts || {}), table, id, data }]);
    return Object.freeze({
      call: (o, args) => call(name, String(o), [args ?? {}]),
      append: (type, body, opts) => call(name, 'append', [{ ...(opts || {}), type, body }]),
      checkpoint: () => call(name, 'checkpoint', [{}]),
      proof: (index, size) => call(name, 'proof', [size === undefined ? { index } : { index, size }]),
      transfer: op('transfer'),
      tables: Object.freeze({ create: (n) => call(name, 'tables.create', [{ name: n }]), list: op('tables.list') }),
      documents: Object.freeze({
        insert: (table, data, opts) => call(name, 'documents.insert', [{ ...(opts || {}), table, data }]),
        update: withId('documents.update'),
        put: withId('documents.put'),
        delete: (table, id, opts) => call(name, 'documents.delete', [{ ...(opts || {}), table, id }]),
        get: (table, id) => call(name, 'documents.get', [{ table, id }]),
        list: (table, opts) => call(name, 'documents.list', [{ ...(opts || {}), table }]),
        history: (table, id, opts) => call(name, 'documents.history', [{ ...(opts || {}), table, id }]),
        proof: (table, id, opts) => call(name, 'documents.proof', [{ ...(opts || {}), table, id }]),
      }),
      accounts: Object.freeze({ open: (id, opts) => call(name, 'accounts.open', [{ ...(opts || {}), id }]), get: (id) => call(name, 'accounts.get', [{ id }]), list: op('accounts.list') }),
      transfers: Object.freeze({ get: (idempotencyKey) => call(name, 'transfers.get', [{ idempotencyKey }]) }),
      identities: Object.freeze({ get: (subject) => call(name, 'identities.get', [{ subject }]) }),
    });
  }

  const env = {};
  for (const k of Object.keys(spec.vars)) env[k] = spec.vars[k];
  for (const k of Object.keys(spec.secrets)) env[k] = spec.secrets[k];
  for (const k of Object.keys(spec.bindings)) {
    if (spec.bindings[k].type === 'kv') env[k] = kvBinding(k);
    else if (spec.bindings[k].type === 'ledger') env[k] = ledgerBinding(k);
    else if (spec.bindings[k].type === 'ai') env[k] = Object.freeze({ score: (series, opts) => call(k, 'score', [series, opts ?? {}]) });
  }

  const waits = new Map();
  function settle(id) {
    const list = waits.get(id) || [];
    waits.delete(id);
    return Promise.allSettled(list).then(() => undefined);
  }

  // Calls into the host never block the isolate's thread (no applySync): with several invocations
  // in flight the host may be waiting on this isolate, and a synchronous call back would deadlock.
  const chunkOpts = { arguments: { copy: true }, result: { promise: true } };
  /** Streams the body; the first chunk carries the head, so the host sees them in order. Returns whether a chunk went out. */
  async function pump(id, stream, head) {
    const reader = stream.getReader();
    let first = head;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return first === null;
      if (!(value instanceof Uint8Array)) throw new TypeError('a response body stream must produce Uint8Array chunks');
      const more = await hostChunk.apply(undefined, [id, value, first], chunkOpts);
      first = null;
      // false: the client is gone; cancelling tells the function's source to stop producing.
      if (more === false) {
        await reader.cancel().catch(() => {});
        return true;
      }
    }
  }

  // The result goes to the host through a call, not as the task's return value: isolated-vm fails
  // a task that leaves an unhandled rejection behind, and a stray rejected promise must not cost
  // the client a response that the function did produce.
  const resultOpts = { arguments: { copy: true } };
  async function dispatch(id, method, url, headerText, body) {
    const headers = headerText === '' ? [] : headerText.split('\n');
    hostResult.applyIgnored(undefined, [id, await run(id, method, url, headers, body)], resultOpts);
  }

  async function run(id, method, url, headers, body) {
    current = id;
    const pending = [];
    const ctx = Object.freeze({
      waitUntil(p) { pending.push(Promise.resolve(p)); },
      passThroughOnException() {},
    });
    try {
      const request = internal.makeRequest(method, url, headers, body);
      const response = await handler.fetch(request, env, ctx);
      if (!internal.isResponse(response)) {
        return [-2, 'TypeError', 'fetch() must return a Response (or a promise of one), got ' + (response === null ? 'null' : typeof response)];
      }
      const parts = internal.responseParts(response);
      if (pending.length) waits.set(id, pending);
      if (parts.stream === null) return [parts.status, parts.statusText, parts.headers, parts.bytes, pending.length];
      const head = [parts.status, parts.statusText, parts.headers];
      const sent = await pump(id, parts.stream, head);
      return [0, pending.length, sent ? null : head];
    } catch (err) {
      if (pending.length) waits.set(id, pending);
      const e = err instanceof Error ? err : new Error(String(err));
      return [-1, e.name || 'Error', String(e.stack || e.message)];
    }
  }
  return [dispatch, settle];
})()`;
